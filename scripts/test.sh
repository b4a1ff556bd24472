#!/usr/bin/env bash
# Quickstart 2: install what glassbox and its tests need, build it, and run the whole test suite (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm test
