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
(cd "$ref" && npm ci --no-audit --no-fund --loglevel=error)
cp "$ref/package-lock.json" "$stamp"
