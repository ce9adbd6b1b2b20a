#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the main job:
# the speedrun, from a generated web crawl to a chat model (about 21 minutes on two
# cores). Arguments go to `llmforge speedrun` (see `llmforge speedrun --help`),
# e.g. `./scripts/run.sh --preset tiny` for a two-minute run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null
exec "${LLMFORGE_BUILD_DIR:-$root/build}/llmforge" speedrun "$@"
