#!/usr/bin/env bash
# Quickstart 2: install what glassbox and its tests need, build it, and run every test suite (as root): unit and
# integration on this host (`npm test`), then the cgroup v2 suite in a QEMU guest (`npm run test:v2`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
npm test || status=$?
# The guest suite runs even after a host failure, so one run shows every problem.
npm run test:v2 || status=$?
exit "$status"
