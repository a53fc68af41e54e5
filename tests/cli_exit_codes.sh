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
# GPU commands on a machine without a GPU (or a build without CUDA): one line, exit 2, nothing written.
if gpu_err=$("$fm" cuda-info 2>&1 >/dev/null); then
  echo "ok: a CUDA device is present; the no-GPU cases are skipped"
else
  case "$gpu_err" in *"built without CUDA"*) why="built without CUDA" ;; *) why="no CUDA device: " ;; esac
  tmp=$(mktemp -d)
  for args in "cuda-info" "bench cuda-gemm --size 64" "bench cuda-attention --seq 128" "roofline --device cuda --quick" \
              "cuda-sweep --mode smoke" "calibrate --device cuda --smoke --out $tmp/p.json"; do
    # shellcheck disable=SC2086
    expect 2 "$why" $args
    # shellcheck disable=SC2086
    lines=$("$fm" $args 2>&1 >/dev/null | wc -l)
    [ "$lines" = 1 ] || { echo "FAIL: flopmeter $args -> $lines lines on stderr (want 1)"; fail=1; }
  done
  [ -e "$tmp/p.json" ] && { echo "FAIL: calibrate --device cuda wrote a profile without a GPU"; fail=1; }
  rm -rf "$tmp"
fi
expect 0 "" info
exit $fail
