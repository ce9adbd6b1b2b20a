#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the main job.
# Arguments are passed to `llmforge quickstart` (see `llmforge quickstart --help`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null
exec "${LLMFORGE_BUILD_DIR:-$root/build}/llmforge" quickstart "$@"
