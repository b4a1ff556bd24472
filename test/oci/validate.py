#!/usr/bin/env python3
# Validates an OCI runtime config.json against the runtime-spec's JSON Schema (draft-04 files, as Debian's
# golang-github-opencontainers-specs-dev ships them), with python3-jsonschema. Every file of the schema directory
# is registered under its file: URI, so the relative "$ref": "defs.json#/…" links resolve.
#   validate.py SCHEMA_DIR CONFIG.json   → exit 0 when valid; else one "path: message" line per error, exit 1
import json
import pathlib
import sys

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

schema_dir = pathlib.Path(sys.argv[1])
registry = Registry()
for f in schema_dir.glob('*.json'):
    registry = registry.with_resource(f.resolve().as_uri(), Resource(json.loads(f.read_text()), specification=DRAFT4))
top = (schema_dir / 'config-schema.json').resolve().as_uri()
validator = Draft4Validator({'$ref': top}, registry=registry)
with open(sys.argv[2]) as fh:
    config = json.load(fh)
errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
for e in errors:
    print(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}")
sys.exit(1 if errors else 0)
