#!/usr/bin/env bash
# The acceptance figures of issue 14 (numbers you can trust on a shared, noisy machine), on this
# machine, printed as a Markdown table (also OUT/figures.md):
#   ab A/A         N comparisons of build/flopmeter against itself, a 12-case GEMM + attention
#                  suite at THREADS threads: comparisons with any case SLOWER or FASTER (target 0);
#                  wall time per comparison (target <= 180 s)
#   ab slowdown    N comparisons with SLOW_CASE made 5% (then 3%) slower on the candidate side
#                  (FLOPMETER_TEST_SLOWDOWN): SLOW_CASE confirmed SLOWER (target >= N-1 at 5%)
#   ab gbench      NB comparisons with build/flopmeter-bench on both sides: A/A (target 0) and
#                  5% slowdown (target >= NB-1)
#   check          NC consecutive pairs of separately recorded runs of the same binary: pairs with
#                  a confirmed SLOWER (target <= 1), after check learned the run-to-run spread
#   calib          NK runs of the README main job's `calibrate --quick` (target <= 60 s each)
#                  with their held-out GEMM / attention / memory median and p90 |error| (targets
#                  median <= 8%, p90 <= 20%); then GEMM shapes the calibration never saw (fp32,
#                  own backend; fixed below, chosen before any result was seen, never tuned to)
#                  measured with `bench gemm` and predicted from the last profile: median |error|
#                  against bench's median (target <= 10%), and against its 20th percentile.
# Only meaningful on a machine nobody else is loading; run it when the machine is quiet.
#
#   scripts/noise-figures.sh [build-dir] [out-dir]
# Environment: N (20), NB (10), NC (20), NK (5), ROUNDS (ab's), THREADS (2), BUDGET (ab's),
#   SLOW_CASE (gemm/own/fp32/nn/256x256x256), SLOW_PCTS ('5 3'), GB_FILTER (see below),
#   PARTS (ab,slow,gbench,check,calib).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$root/out/noise-figures}
fm=$build/flopmeter
gb=$build/flopmeter-bench
[ -x "$fm" ] || { echo "noise-figures: $fm not built" >&2; exit 2; }
N=${N:-20}; NB=${NB:-10}; NC=${NC:-20}; NK=${NK:-5}; THREADS=${THREADS:-2}
# ab's own defaults unless set: rounds (at most 60, cut by its 150 s time limit), 0.05 s per
# case per visit. The recorded runs of the check part use BUDGET or 0.2.
ROUNDS=${ROUNDS:-}; BUDGET=${BUDGET:-}
SLOW_CASE=${SLOW_CASE:-gemm/own/fp32/nn/256x256x256}
GB_FILTER=${GB_FILTER:-'^gemm/(own|openblas)/fp32/nn/(256x256x256|512x512x512|1024x1024x1024)/'}
PARTS=${PARTS:-ab,slow,gbench,check,calib}
SLOW_PCTS=${SLOW_PCTS:-5 3}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=$out/noise.db
rm -f "$db" "$db"-wal "$db"-shm "$out"/*.json "$out"/*.log "$out"/*.txt

# 8 GEMM cases (4 sizes x own/openblas) + 4 attention cases (2 lengths x full/causal) = 12.
suite=(gemm --size 128,256,384,512 --dtype fp32 --backend own,openblas --threads "$THREADS"
       :: attention --heads 2 --seq-q 128,256 --head-dim 64 --mask full,causal --backend own --threads "$THREADS")

ab() {  # name, then ab arguments
  local name=$1; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  # Options before "$@": everything after its "--" goes to the sides.
  local opts=()
  [ -n "$ROUNDS" ] && opts+=(--rounds "$ROUNDS")
  [ -n "$BUDGET" ] && opts+=(--budget "$BUDGET")
  "$fm" ab "${opts[@]}" --quiet --db "$db" --tag "$name" \
      --json "$out/$name.json" "$@" >"$out/$name.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  [ $rc -le 1 ] || { echo "noise-figures: ab $name failed with exit $rc (see $out/$name.log)" >&2; exit 1; }
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); j['script_wall_s']=$t1-$t0; json.dump(j,open(sys.argv[1],'w'))" "$out/$name.json"
}

has() { [[ ",$PARTS," == *",$1,"* ]]; }
if has ab; then
  for i in $(seq 1 "$N"); do echo "noise-figures: ab A/A $i/$N" >&2; ab "aa$i" "$fm" "$fm" -- "${suite[@]}"; done
fi
if has slow; then
  for pct in $SLOW_PCTS; do
    frac=$(python3 -c "print($pct / 100)")
    for i in $(seq 1 "$N"); do
      echo "noise-figures: ab slowdown $pct% $i/$N" >&2
      ab "slow${pct}_$i" "$fm" "$fm" --candidate-env "FLOPMETER_TEST_SLOWDOWN=$SLOW_CASE:$frac" -- "${suite[@]}"
    done
  done
fi
if has gbench && [ -x "$gb" ]; then
  for i in $(seq 1 "$NB"); do
    echo "noise-figures: ab flopmeter-bench $i/$NB" >&2
    ab "gbaa$i" "$gb" "$gb" -- "--benchmark_filter=$GB_FILTER" "--threads=$THREADS"
    ab "gbslow$i" "$gb" "$gb" --candidate-env "FLOPMETER_TEST_SLOWDOWN=$SLOW_CASE:0.05" -- \
       "--benchmark_filter=$GB_FILTER" "--threads=$THREADS"
  done
fi
if has check; then
  for i in $(seq 0 "$NC"); do
    echo "noise-figures: recorded run $i/$NC" >&2
    "$fm" bench gemm --size 128,256,384,512 --dtype fp32 --backend own,openblas --threads "$THREADS" \
        --budget "${BUDGET:-0.2}" --rounds 3 --record --db "$db" --tag "run$i" >/dev/null 2>"$out/run$i.log"
  done
  for i in $(seq 1 "$NC"); do
    rc=0
    "$fm" check --baseline "run$((i - 1))" --candidate "run$i" --db "$db" --json "$out/check$i.json" >/dev/null || rc=$?
    [ $rc -le 1 ] || { echo "noise-figures: check $i failed with exit $rc" >&2; exit 1; }
  done
fi

# GEMM shapes the calibration never measured, M N K (fp32, own, nn): odd sizes that are no
# multiple of the kernel's tiles, and LLM projections scaled down (Llama-7B's 4096 x 11008 x
# 4096 MLP by 4 and 8, GPT-2's 3x projection). Fixed before any result was seen.
unseen=("1000 1000 1000" "777 1234 555" "1024 2752 1024" "1024 1024 2752" "512 1376 512" "2000 500 300"
        "96 3000 1000" "384 1152 384" "1500 1500 1500" "300 5000 700" "24 4096 4096" "640 2560 640")
if has calib; then
  for i in $(seq 1 "$NK"); do
    echo "noise-figures: calibrate --quick $i/$NK (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    cut -d' ' -f1-3 /proc/loadavg >"$out/calib$i.load.txt"
    t0=$(date +%s.%N)
    "$fm" calibrate --quick --threads "$THREADS" --out "$out/calib$i.json" >"$out/calib$i.log" 2>&1 ||
      { echo "noise-figures: calibrate $i failed (see $out/calib$i.log)" >&2; exit 1; }
    t1=$(date +%s.%N)
    python3 -c "import json,sys; j=json.load(open(sys.argv[1])); j['script_wall_s']=$t1-$t0; json.dump(j,open(sys.argv[1],'w'))" "$out/calib$i.json"
  done
  for s in "${unseen[@]}"; do
    read -r m n k <<<"$s"
    echo "noise-figures: unseen GEMM ${m}x${n}x${k}" >&2
    "$fm" bench gemm --m "$m" --n "$n" --k "$k" --dtype fp32 --backend own --threads "$THREADS" --budget 1 \
        --rounds 3 --json "$out/unseen_${m}x${n}x${k}.json" >/dev/null 2>>"$out/unseen.log"
    "$fm" predict gemm --m "$m" --n "$n" --k "$k" --dtype fp32 --profile "$out/calib$NK.json@own" \
        >"$out/unseen_${m}x${n}x${k}.predict.txt"
  done
fi

python3 - "$out" "$N" "$NB" "$NC" "$SLOW_CASE" "$PARTS" "$NK" "${unseen[@]}" <<'PY' | tee "$out/figures.md"
import glob, json, os, sys
out, n, nb, nc, slow_case, parts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
def runs(prefix, count):
    v = []
    for i in range(1, count + 1):
        f = f"{out}/{prefix}{i}.json"
        if os.path.exists(f): v.append(json.load(open(f)))
    return v
def confirmed(j): return j["summary"]["slower"] + j["summary"]["faster"]
def hit(j): return any(slow_case in c["case"] and c["verdict"] == "SLOWER" for c in j["cases"])
def others(j): return sum(slow_case not in c["case"] and c["verdict"] in ("SLOWER", "FASTER") for c in j["cases"])
print("## Noise figures (issue 14)\n")
print("| figure | target | result | pass |\n|---|---|---|---|")
aa = runs("aa", n)
if aa:
    bad = sum(confirmed(j) > 0 for j in aa); walls = [j["script_wall_s"] for j in aa]
    verdicts = {}
    for j in aa:
        for c in j["cases"]: verdicts[c["verdict"]] = verdicts.get(c["verdict"], 0) + 1
    print(f"| ab A/A ({len(aa[0]['cases'])} cases): comparisons with a case SLOWER/FASTER | 0 of {len(aa)} | {bad} of {len(aa)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))}) | {'yes' if bad == 0 else 'NO'} |")
    print(f"| ab A/A: wall per comparison (max) | <= 180 s | {max(walls):.0f} s (median {sorted(walls)[len(walls)//2]:.0f} s) | {'yes' if max(walls) <= 180 else 'NO'} |")
for pct, target in ((5, True), (3, False)):
    s = runs(f"slow{pct}_", n)
    if s:
        k = sum(hit(j) for j in s); o = sum(others(j) for j in s)
        print(f"| ab {pct}% slowdown of {slow_case}: detected | {'>= %d of %d' % (len(s) - 1, len(s)) if target else 'report'} | {k} of {len(s)} "
              f"(other cases SLOWER/FASTER: {o}) | {('yes' if k >= len(s) - 1 else 'NO') if target else '-'} |")
g = runs("gbaa", nb)
if g:
    bad = sum(confirmed(j) > 0 for j in g)
    print(f"| ab flopmeter-bench A/A ({len(g[0]['cases'])} cases) | 0 of {len(g)} | {bad} of {len(g)} | {'yes' if bad == 0 else 'NO'} |")
gs = runs("gbslow", nb)
if gs:
    k = sum(hit(j) for j in gs)
    print(f"| ab flopmeter-bench 5% slowdown: detected | >= {len(gs) - 1} of {len(gs)} | {k} of {len(gs)} | {'yes' if k >= len(gs) - 1 else 'NO'} |")
c = runs("check", nc)
if c:
    bad = sum(j["summary"]["slower"] > 0 for j in c)
    print(f"| check, consecutive recorded runs: pairs with a confirmed SLOWER | <= 1 of {len(c)} | {bad} of {len(c)} "
          f"(last: {c[-1].get('history', '')}) | {'yes' if bad <= 1 else 'NO'} |")
nk = int(sys.argv[7])
cal = [(i, json.load(open(f"{out}/calib{i}.json"))) for i in range(1, nk + 1) if os.path.exists(f"{out}/calib{i}.json")]
if cal:
    print("\n| calibrate --quick run | load avg (1/5/15 min) | wall | GEMM median / p90 | attention median / p90 | memory median / p90 | targets |")
    print("|---|---|---|---|---|---|---|")
    ok_runs = 0
    for i, j in cal:
        load = open(f"{out}/calib{i}.load.txt").read().strip()
        h = {s["op"]: s for s in j.get("held_out_summary", [])}
        cell = lambda op: (f"{100 * h[op]['median_abs_error']:.1f}% / {100 * h[op]['p90_abs_error']:.1f}%" if op in h else "-")
        met = j["script_wall_s"] <= 60 and all(op in h and h[op]["median_abs_error"] <= 0.08 and h[op]["p90_abs_error"] <= 0.20
                                               for op in ("gemm", "attention"))
        ok_runs += met
        print(f"| {i} | {load} | {j['script_wall_s']:.1f} s | {cell('gemm')} | {cell('attention')} | {cell('memory')} | {'met' if met else 'MISSED'} |")
    print(f"\n| figure | target | result | pass |\n|---|---|---|---|")
    print(f"| calibrate --quick: runs with wall <= 60 s and GEMM, attention held-out median <= 8%, p90 <= 20% | {len(cal)} of {len(cal)} | {ok_runs} of {len(cal)} | {'yes' if ok_runs == len(cal) else 'NO'} |")
    import re, statistics
    def quantile(v, q):
        pos = q * (len(v) - 1); i = int(pos)
        return v[-1] if i + 1 >= len(v) else v[i] + (pos - i) * (v[i + 1] - v[i])
    rows = []
    for s in sys.argv[8:]:
        m, n, k = map(int, s.split()); tag = f"{m}x{n}x{k}"
        try:
            b = json.load(open(f"{out}/unseen_{tag}.json"))["results"][0]
            text = open(f"{out}/unseen_{tag}.predict.txt").read()
        except (OSError, KeyError, IndexError, ValueError):
            continue
        if b.get("status") != "ok": continue
        rate = float(re.search(r"rate\s+([0-9.]+) GFLOP/s", text).group(1)) * 1e9
        pred = 2.0 * m * n * k / rate
        med = b["timing"]["median"]; smp = sorted(b["timing"]["samples"])
        p20 = quantile(smp, 0.2)  # as flopmeter's estimator: linear between order statistics
        rows.append((tag, pred, med, p20))
    if rows:
        print("\n| unseen GEMM (fp32, own, nn) | predicted | bench median | error | bench p20 | error |\n|---|---|---|---|---|---|")
        for tag, pred, med, p20 in rows:
            print(f"| {tag} | {1e3 * pred:.2f} ms | {1e3 * med:.2f} ms | {100 * (pred / med - 1):+.1f}% | {1e3 * p20:.2f} ms | {100 * (pred / p20 - 1):+.1f}% |")
        e_med = statistics.median(abs(p / m - 1) for _, p, m, _ in rows)
        e_p20 = statistics.median(abs(p / q - 1) for _, p, _, q in rows)
        print(f"\n| figure | target | result | pass |\n|---|---|---|---|")
        print(f"| unseen GEMM shapes ({len(rows)}): median |error| against bench's median | <= 10% | {100 * e_med:.1f}% "
              f"(against its 20th percentile: {100 * e_p20:.1f}%) | {'yes' if e_med <= 0.10 else 'NO'} |")
PY
