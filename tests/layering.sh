#!/usr/bin/env bash
# The dependency arrows point down the data flow: no library folder (nor the Google Benchmark
# binary) includes a header from cli/, which holds option parsing, printing and exit codes.
set -u
root=$1
bad=$(grep -rln --include='*.cpp' --include='*.hpp' --include='*.cu' --include='*.cuh' '#include "cli/' \
        "$root/core" "$root/kernels" "$root/measure" "$root/calibrate" "$root/costmodel" "$root/track" "$root/comm" \
        "$root/bench" 2>/dev/null)
if [ -n "$bad" ]; then
  echo "FAIL: library files include cli/ headers:"
  echo "$bad" | sed "s|^$root/|  |"
  exit 1
fi
echo "ok: no library folder includes cli/"
