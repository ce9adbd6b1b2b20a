#!/usr/bin/env bash
# Quick start, second command: install what is missing, build, run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/npm-deps.sh"
"$root/scripts/build.sh"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
cd "$build"
ctest --output-on-failure -j "$(nproc)" --timeout 1500
