#!/usr/bin/env bash
# GEMM speed check (issue #2's figures): own kernels against OpenBLAS forced to its AVX-512
# kernel set (OPENBLAS_CORETYPE=SkylakeX, for these commands only) and oneDNN, all cores,
# measured side by side in one flopmeter run per group with samples pooled over round-robin
# rounds. Every kernel is validated before it is timed; the kernel set each library really
# ran is printed from the results. Usage: scripts/gemm-speed.sh [build-dir] [out-dir]
set -euo pipefail
build=${1:-build}
out=${2:-out/gemm-speed}
mkdir -p "$out"
fm="$build/flopmeter"
[ -x "$fm" ] || { echo "gemm-speed: $fm not built" >&2; exit 2; }
rounds=${ROUNDS:-3}
common=(--rounds "$rounds" --budget "${BUDGET:-2}")

run() {  # name, args...
  local name=$1; shift
  echo "== $name" >&2
  OPENBLAS_CORETYPE=SkylakeX "$fm" bench gemm "$@" "${common[@]}" --json "$out/$name.json" | tee "$out/$name.txt"
}

run fp32-square --size 2048,4096 --dtype fp32 --backend own,openblas,onednn
run fp32-llm --preset llm --dtype fp32 --backend own,openblas
run fp64 --size 4096 --dtype fp64 --backend own,openblas
run bf16 --size 4096 --dtype bf16 --backend own,onednn

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
rate = {}
kernels = {}
for g in ["fp32-square", "fp32-llm", "fp64", "bf16"]:
    d = load(g)
    for r in d["results"]:
        if r["status"] != "ok":
            print(f"ERROR: {r['name']}: {r['status']} {r['error']}"); continue
        dims = r["dims"]
        key = (r["backend"], r["dtype"], dims["m"], dims["n"], dims["k"])
        rate[key] = r["rates"]["model_flops_per_s"] / 1e9
        kernels[r["backend"]] = r["kernel_set"]
    if g == "fp32-square":
        print("OpenBLAS core:", d["provenance"]["libraries"]["openblas_corename"],
              "| env:", d["provenance"]["env"])
print("kernel sets:", kernels)
ok_all = True
def check(label, got, need):
    global ok_all
    ok = got >= need
    ok_all &= ok
    print(f"{'PASS' if ok else 'MISS'}  {label}: {got:.3f}x (target >= {need}x)")
for s in (2048, 4096):
    own = rate[("own", "fp32", s, s, s)]
    best = max(rate[("openblas", "fp32", s, s, s)], rate[("onednn", "fp32", s, s, s)])
    check(f"own fp32 {s}^3 ({own:.1f} GF/s) vs faster of OpenBLAS/oneDNN ({best:.1f})", own / best, 0.95)
# The shapes of `--preset llm` (core/shape_presets.cpp), as that run measured them.
llm = [(r["dims"]["m"], r["dims"]["n"], r["dims"]["k"]) for r in load("fp32-llm")["results"] if r["backend"] == "own"]
for (m, n, k) in llm:
    own, ob = rate[("own", "fp32", m, n, k)], rate[("openblas", "fp32", m, n, k)]
    check(f"own fp32 {m}x{n}x{k} ({own:.1f}) vs OpenBLAS ({ob:.1f})", own / ob, 1.0)
own, ob = rate[("own", "fp64", 4096, 4096, 4096)], rate[("openblas", "fp64", 4096, 4096, 4096)]
check(f"own fp64 4096^3 ({own:.1f}) vs OpenBLAS dgemm ({ob:.1f})", own / ob, 0.95)
bf, f32, dn = rate[("own", "bf16", 4096, 4096, 4096)], rate[("own", "fp32", 4096, 4096, 4096)], rate[("onednn", "bf16", 4096, 4096, 4096)]
check(f"own bf16 4096^3 ({bf:.1f}) vs own fp32 ({f32:.1f})", bf / f32, 1.6)
check(f"own bf16 4096^3 ({bf:.1f}) vs oneDNN bf16 matmul ({dn:.1f})", bf / dn, 0.9)
print("ALL TARGETS MET" if ok_all else "SOME TARGETS MISSED")
PY
