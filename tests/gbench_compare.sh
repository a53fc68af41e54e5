#!/usr/bin/env bash
# Google Benchmark's own tools/compare.py (Debian: libbenchmark-tools) reads flopmeter's
# Google Benchmark JSON (`convert --to gbench`): with one row per case its OVERALL_GEOMEAN is
# the geometric mean of the per-case median ratios (cases with different sample counts must
# not weigh differently); with --repetitions it runs its U test. A converted run recorded back
# is the same hardware as the native run (`check` does not refuse it).
set -u
fm=$1
cmp=/usr/share/benchmark/compare.py
[ -f "$cmp" ] || { echo "SKIP: $cmp not installed (libbenchmark-tools)"; exit 77; }
python3 -c "import scipy, numpy" 2>/dev/null || { echo "SKIP: compare.py needs scipy and numpy"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for run in a b; do
  "$fm" bench gemm --size 32,64,128 --budget 0.05 --min-samples 10 --threads 1 --json "$dir/$run.json" \
    >/dev/null 2>&1 || exit 1
  "$fm" convert "$dir/$run.json" --to gbench --out "$dir/$run.gb.json" || exit 1
  "$fm" convert "$dir/$run.json" --to gbench --repetitions 9 --out "$dir/$run.gb9.json" || exit 1
done
python3 "$cmp" --no-color benchmarks "$dir/a.gb.json" "$dir/b.gb.json" > "$dir/out.txt" 2>&1 || { cat "$dir/out.txt"; exit 1; }
python3 - "$dir" <<'PY' || { cat "$dir/out.txt"; exit 1; }
import json, math, sys
d = sys.argv[1]
med = [{r["name"]: r["timing"]["median"] for r in json.load(open(f"{d}/{x}.json"))["results"]
        if r["status"] == "ok"} for x in "ab"]
names = sorted(med[0])
assert len(names) == 3, names
counts = [[len(r["timing"]["samples"]) for r in json.load(open(f"{d}/{x}.json"))["results"]] for x in "ab"]
want = math.exp(sum(math.log(med[1][n] / med[0][n]) for n in names) / len(names))
geo = None
for line in open(f"{d}/out.txt"):
    f = line.split()
    if f and f[0] == "OVERALL_GEOMEAN":
        geo = 1 + float(f[1])
    elif len(f) == 7 and f[0] in names:
        assert float(f[3]) >= 1 and float(f[4]) >= 1, "zero time printed: " + line
assert geo is not None, "no OVERALL_GEOMEAN line"
assert abs(geo / want - 1) < 0.01, f"OVERALL_GEOMEAN {geo:.4f} vs per-case median ratios {want:.4f}"
print(f"ok: OVERALL_GEOMEAN {geo:.4f}, per-case median ratios {want:.4f} (samples per case {counts})")
PY
python3 "$cmp" --no-color benchmarks "$dir/a.gb9.json" "$dir/b.gb9.json" > "$dir/out9.txt" 2>&1 || { cat "$dir/out9.txt"; exit 1; }
grep -q "gemm/own/fp32/nn/64x64x64" "$dir/out9.txt" || { cat "$dir/out9.txt"; exit 1; }
grep -q "U Test" "$dir/out9.txt" || { echo "compare.py ran no U test"; cat "$dir/out9.txt"; exit 1; }
"$fm" check --baseline "$dir/a.json" --candidate "$dir/b.gb9.json" > "$dir/check.txt" 2>&1
rc=$?
if [ $rc -eq 2 ] || grep -q "different hardware" "$dir/check.txt"; then
  echo "a converted run is not the native run's hardware (exit $rc):"; cat "$dir/check.txt"; exit 1
fi
echo "ok: compare.py accepted flopmeter's Google Benchmark JSON; check took the converted run (exit $rc)"
