#!/usr/bin/env bash
# The real binary's exit codes and messages on bad input (one line on stderr, exit 2).
set -u
fm=$1
fail=0
expect() {  # code, stderr-substring, args...
  local want=$1 msg=$2; shift 2
  local err rc
  err=$("$fm" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != "$want" ] || [[ "$err" != *"$msg"* ]]; then
    echo "FAIL: flopmeter $* -> exit $rc (want $want), stderr: $err"; fail=1
  else
    echo "ok: flopmeter $* -> $rc"
  fi
}
expect 2 "must be a positive integer" bench gemm --size 0
expect 2 "must be a positive integer" bench gemm --m 4 --n 0 --k 4
expect 2 "valid: own, openblas, onednn, reference" bench gemm --size 8 --backend nope
expect 2 "valid: fp32, fp64, bf16" bench gemm --size 8 --dtype int3
expect 2 "memory" bench gemm --size 2000000
expect 2 "error" bench gemm --size 123456789012345678901234567890
expect 2 "error" nosuchcommand
expect 0 "" bench gemm --size 16 --budget 0.02 --min-samples 6
expect 0 "" info
exit $fail
