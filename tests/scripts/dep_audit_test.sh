#!/usr/bin/env bash
# The dependency audit must catch the mistake it exists for: a package that the build
# uses (ocl-icd-opencl-dev, which libdnnl-dev's CMake config needs) missing from
# scripts/debian-packages.txt. Then the full list must pass.
set -uo pipefail
root="$1"; build="$2"; python="$3"
list="$(mktemp)"; trap 'rm -f "$list"' EXIT
grep -v '^ocl-icd-opencl-dev' "$root/scripts/debian-packages.txt" > "$list"
out="$("$python" "$root/scripts/dep_audit.py" --build "$build" --packages "$list")"; rc=$?
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: audit without ocl-icd-opencl-dev exited $rc, expected 1"; exit 1; }
grep -q "MISSING: Debian package 'ocl-icd-opencl-dev'" <<<"$out" || { echo "FAIL: audit did not name ocl-icd-opencl-dev"; exit 1; }
grep -q "libOpenCL.so (CMakeCache.txt OpenCL_LIBRARY)" <<<"$out" || { echo "FAIL: audit did not say what uses it"; exit 1; }
"$python" "$root/scripts/dep_audit.py" --build "$build" || { echo "FAIL: audit of the real list failed"; exit 1; }
echo "PASS"
