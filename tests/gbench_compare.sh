#!/usr/bin/env bash
# Google Benchmark's own tools/compare.py (Debian: libbenchmark-tools) accepts flopmeter's
# Google Benchmark-compatible JSON and runs its U test on the samples.
set -u
fm=$1
cmp=/usr/share/benchmark/compare.py
[ -f "$cmp" ] || { echo "SKIP: $cmp not installed (libbenchmark-tools)"; exit 77; }
python3 -c "import scipy, numpy" 2>/dev/null || { echo "SKIP: compare.py needs scipy and numpy"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$fm" bench gemm --size 64 --budget 0.05 --min-samples 10 --threads 1 --gbench-json "$dir/a.json" >/dev/null 2>&1 || exit 1
"$fm" bench gemm --size 64 --budget 0.05 --min-samples 10 --threads 1 --gbench-json "$dir/b.json" >/dev/null 2>&1 || exit 1
python3 "$cmp" benchmarks "$dir/a.json" "$dir/b.json" > "$dir/out.txt" 2>&1 || { cat "$dir/out.txt"; exit 1; }
grep -q "gemm/own/fp32/nn/64x64x64" "$dir/out.txt" || { cat "$dir/out.txt"; exit 1; }
grep -q "U Test" "$dir/out.txt" || { echo "compare.py ran no U test"; cat "$dir/out.txt"; exit 1; }
echo "ok: compare.py accepted flopmeter's Google Benchmark JSON"
