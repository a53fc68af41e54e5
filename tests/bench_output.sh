#!/usr/bin/env bash
# flopmeter-bench output test: Google Benchmark's own JSON, with flopmeter's counters, the
# kernel set as label, manual time (so rates divide by wall time), a per-case time unit that
# --benchmark_time_unit overrides, flopmeter's hardware fields in the context, and (where
# Debian's libbenchmark-tools is installed) compare.py reading two runs: non-zero times and an
# OVERALL_GEOMEAN equal to the geometric mean of the per-case ratios.
set -eu
bench=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
filter='^gemm/own/fp32/nn/(256x256x256|512x512x512)/'
run() {  # run NAME [extra flags...]
  local name=$1
  shift
  "$bench" --benchmark_filter="$filter" --benchmark_min_time=0.01 --benchmark_format=json --threads=1 \
    --benchmark_out="$dir/$name.txt" --benchmark_out_format=console "$@" > "$dir/$name.json"
}
run a
run b
run us --benchmark_time_unit=us
run ms --benchmark_time_unit=ms
python3 - "$dir" <<'PY'
import json, re, sys
d = sys.argv[1]
def load(name):
    j = json.load(open(f"{d}/{name}.json"))
    assert "context" in j and "benchmarks" in j, "not Google Benchmark JSON"
    return j, [b for b in j["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
a, bs = load("a")
assert len(bs) == 2, [b["name"] for b in bs]
for b in bs:
    assert b["name"].endswith("/manual_time"), "rates must divide by manual (wall) time: " + b["name"]
    assert "error_occurred" not in b, b
    n = int(re.search(r"/(\d+)x\1x\1/", b["name"]).group(1))
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    assert b["model_FLOP/s"] > 1e8, b
    assert abs(b["model_FLOP/s"] * b["real_time"] * scale - 2 * n**3) / (2 * n**3) < 0.01, "rate != flops / time"
    # Chosen per case from its FLOPs: microseconds for these sizes, so compare.py prints >= 1.
    assert b["time_unit"] == "us", (b["name"], b["time_unit"])
    assert b["real_time"] >= 1, b
    assert b["label"].startswith("sgemm_") or "->" in b["label"], b["label"]
    if "pct_of_ceiling" in b:
        assert 0 < b["pct_of_ceiling"] < 150, b["pct_of_ceiling"]
assert a["context"]["flopmeter_threads"] == "1"
assert len(a["context"]["flopmeter_fingerprint"]) > 0 and a["context"]["flopmeter_cpu_model"], a["context"]
for name, unit in (("us", "us"), ("ms", "ms")):
    _, rows = load(name)
    assert [r["time_unit"] for r in rows] == [unit] * 2, (name, [r["time_unit"] for r in rows])
# pct_of_ceiling is a plain percentage, not a rate ("73.56/s").
console = open(f"{d}/a.txt").read()
if any("pct_of_ceiling" in b for b in bs):
    assert re.search(r"pct_of_ceiling=[0-9.]+ ", console), console
    assert not re.search(r"pct_of_ceiling=[0-9.]+[kMG]?/s", console), console
print("ok:", [(b["name"], round(b["real_time"], 1), b["time_unit"]) for b in bs])
PY
cmp=/usr/share/benchmark/compare.py
if [ ! -f "$cmp" ] || ! python3 -c "import scipy, numpy" 2>/dev/null; then
  echo "compare.py check skipped: $cmp (libbenchmark-tools) with scipy and numpy not installed"
  exit 0
fi
python3 "$cmp" --no-color benchmarks "$dir/a.json" "$dir/b.json" > "$dir/cmp.txt" 2>&1 || { cat "$dir/cmp.txt"; exit 1; }
python3 - "$dir/cmp.txt" <<'PY'
import math, sys
text = open(sys.argv[1]).read()
rows, geo = [], None
for line in text.splitlines():
    f = line.split()
    if len(f) == 7 and f[0].startswith("gemm/"):
        rows.append(f)
    elif f and f[0] == "OVERALL_GEOMEAN":
        geo = float(f[1])
assert len(rows) == 2 and geo is not None, text
for f in rows:
    assert float(f[3]) >= 1 and float(f[4]) >= 1, "compare.py printed a zero time:\n" + text
# compare.py's change is new/old - 1; the geomean must agree with the per-case rows.
per_case = math.exp(sum(math.log(1 + float(f[1])) for f in rows) / len(rows))
assert abs((1 + geo) / per_case - 1) < 0.01, (geo, per_case, text)
print(text)
print(f"ok: compare.py OVERALL_GEOMEAN {1 + geo:.4f} vs per-case {per_case:.4f}")
PY
