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

# The bottom of the flow: core/ includes no other folder, kernels/ only core/, measure/ only
# core/ and kernels/ (docs/architecture.md draws the arrows).
check_only() {  # folder, allowed folders...
  local dir=$1
  shift
  local allowed="$dir $*" hits
  hits=$(grep -rhoE --include='*.cpp' --include='*.hpp' --include='*.cu' --include='*.cuh' '#include "[a-z_]+/' \
           "$root/$dir" 2>/dev/null | sed -E 's/#include "//; s|/$||' | sort -u)
  for h in $hits; do
    case " $allowed " in
      *" $h "*) ;;
      *) echo "FAIL: $dir/ includes $h/ (allowed: $allowed)"
         grep -rln --include='*.cpp' --include='*.hpp' --include='*.cu' --include='*.cuh' "#include \"$h/" "$root/$dir" |
           sed "s|^$root/|  |"
         exit 1 ;;
    esac
  done
}
check_only core
check_only kernels core
check_only measure core kernels
echo "ok: core/ <- kernels/ <- measure/ include nothing above them"
