#!/usr/bin/env bash
# Configures (once) and builds llmforge into build/ with CMake and Ninja.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${LLMFORGE_BUILD_DIR:-$root/build}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j "$(nproc)"
