#!/usr/bin/env bash
# Installs the npm packages the reference tests use (tests/reference/package.json),
# from the lock file, only when they are missing or the lock file changed.
set -euo pipefail
ref="$(cd "$(dirname "$0")/../tests/reference" && pwd)"
[ -f "$ref/package.json" ] || exit 0
stamp="$ref/node_modules/.llmforge-lock"
if [ -f "$stamp" ] && cmp -s "$stamp" "$ref/package-lock.json"; then
  exit 0
fi
# node-llama-cpp ships prebuilt llama.cpp binaries as npm packages (@node-llama-cpp/*);
# its postinstall (which npm >= 11 skips unless approved) could otherwise try to
# download or build llama.cpp from GitHub when no prebuilt binary fits.
(cd "$ref" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --no-audit --no-fund --loglevel=error)
cp "$ref/package-lock.json" "$stamp"
