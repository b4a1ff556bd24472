#!/usr/bin/env bash
# Quickstart 1: install what glassbox needs, build it, and run recipes/hello.yaml in a real container.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec bin/glassbox run recipes/hello.yaml
