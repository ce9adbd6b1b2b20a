#!/usr/bin/env bash
# Quick start, second command: install what is missing, build, run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/npm-deps.sh"
"$root/scripts/build.sh"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
# Everything the build found and the tests run must come from scripts/debian-packages.txt
# (or a listed package's Depends): a package installed by hand here would otherwise pass
# here and fail on a fresh machine.
/usr/bin/python3 "$root/scripts/dep_audit.py" --build "$build"
cd "$build"
# Tests run side by side, one per core; OpenMP teams inside each test would then
# oversubscribe the cores, and fork-join kernels slow down badly when a team's
# threads wait for each other. Tests that need several threads set them themselves.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --output-on-failure -j "$(nproc)" --timeout 1500
