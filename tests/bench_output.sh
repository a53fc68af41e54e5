#!/usr/bin/env bash
# flopmeter-bench output test: Google Benchmark's own JSON, with flopmeter's counters, the
# kernel set as label, and manual time (so rates divide by wall time).
set -eu
bench=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_filter='^gemm/own/fp32/nn/256x256x256/' --benchmark_min_time=0.01 \
  --benchmark_format=json --threads=1 > "$out"
python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert "context" in d and "benchmarks" in d, "not Google Benchmark JSON"
bs = [b for b in d["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
assert len(bs) == 1, bs
b = bs[0]
assert b["name"].startswith("gemm/own/fp32/nn/256x256x256/"), b["name"]
assert b["name"].endswith("/manual_time"), "rates must divide by manual (wall) time: " + b["name"]
assert "error_occurred" not in b, b
assert b["model_FLOP/s"] > 1e8, b
assert abs(b["model_FLOP/s"] * b["real_time"] / 1e3 - 2 * 256**3) / (2 * 256**3) < 0.01, "rate != flops / time"
assert b["label"].startswith("sgemm_") or "->" in b["label"], b["label"]
assert d["context"]["flopmeter_threads"] == "1"
print("ok:", b["name"], round(b["model_FLOP/s"] / 1e9, 1), "GFLOP/s", b["label"])
PY
