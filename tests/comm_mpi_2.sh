#!/usr/bin/env bash
# A 2-rank `calibrate --comm` job on loopback: every collective and variant gives correct data
# (checked after every iteration), busbw figures are finite and follow nccl-tests' factors,
# the cluster profile loads (predict gemm, the predictor's comm answers come from the measured
# fits), and in the bandwidth regime the alpha-beta fits reach R^2 >= 0.95.
fm=$1 tests=$2 mpirun=$3
. "$(dirname "$0")/comm_lib.sh"

# 1. Sizes 8 B .. 512 KiB, kernel calibration of the node (smoke).
mpi 2 -- calibrate --comm --smoke --threads 1 --max-bytes 512K --step-factor 4 --iters 20 \
  --out "$dir/a.json" >"$dir/a.out" 2>"$dir/a.err" || fail "2-rank job: exit $?: $(tail -5 "$dir/a.err")"
grep -q "Cluster profile written to" "$dir/a.out" || fail "no summary: $(tail -5 "$dir/a.out")"
check_profile "$dir/a.json" 2 1 || fail "profile check: $(grep -B2 -A6 FAILED "$dir/check.log" | head -40)"
"$fm" predict gemm --m 256 --n 256 --k 256 --dtype fp32 --profile "$dir/a.json" >"$dir/p.out" ||
  fail "predict gemm with the cluster profile"
grep -q "cpu-\|fit gemm" "$dir/p.out" || fail "predict gemm: $(cat "$dir/p.out")"

# 2. The piecewise alpha-beta model (a segment per protocol regime, e.g. either side of the
# eager switch) over 8 KiB .. 256 KiB in steps of sqrt(2), within the 1 MiB L2 (past it, copies
# leave the cache: another regime with too few sizes here). Kernel figures from run 1 (--base).
# Timings on a shared 2-core machine can be spoiled by other work: up to five attempts.
for attempt in 1 2 3 4 5; do
  mpi 2 -- calibrate --comm --base "$dir/a.json" --min-bytes 8K --max-bytes 256K --step-factor 1.4142 \
    --out "$dir/b.json" >"$dir/b.out" 2>"$dir/b.err" || fail "2-rank job (bandwidth range): exit $?: $(tail -5 "$dir/b.err")"
  check_profile "$dir/b.json" 2 1 0.95 && break
  [ $attempt -eq 5 ] && fail "fifth attempt: $(failures)"
  echo "retrying after: $(failures)"
done
grep "R^2" "$dir/b.out" | head -1
awk '/^Alpha-beta fits/{p=1} p' "$dir/b.out" | head -14
echo "ok"
