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
# Only meaningful on a machine nobody else is loading; run it when the machine is quiet.
#
#   scripts/noise-figures.sh [build-dir] [out-dir]
# Environment: N (20), NB (10), NC (20), ROUNDS (15), THREADS (2), BUDGET (0.2),
#   SLOW_CASE (gemm/own/fp32/nn/256x256x256), GB_FILTER (see below), PARTS (ab,slow,gbench,check).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$root/out/noise-figures}
fm=$build/flopmeter
gb=$build/flopmeter-bench
[ -x "$fm" ] || { echo "noise-figures: $fm not built" >&2; exit 2; }
N=${N:-20}; NB=${NB:-10}; NC=${NC:-20}; ROUNDS=${ROUNDS:-15}; THREADS=${THREADS:-2}; BUDGET=${BUDGET:-0.2}
SLOW_CASE=${SLOW_CASE:-gemm/own/fp32/nn/256x256x256}
GB_FILTER=${GB_FILTER:-'^gemm/(own|openblas)/fp32/nn/(256x256x256|512x512x512|1024x1024x1024)/'}
PARTS=${PARTS:-ab,slow,gbench,check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=$out/noise.db
rm -f "$db" "$db"-wal "$db"-shm "$out"/*.json "$out"/*.log

# 8 GEMM cases (4 sizes x own/openblas) + 4 attention cases (2 lengths x full/causal) = 12.
suite=(gemm --size 128,256,384,512 --dtype fp32 --backend own,openblas --threads "$THREADS"
       :: attention --heads 2 --seq-q 128,256 --head-dim 64 --mask full,causal --backend own --threads "$THREADS")

ab() {  # name, then ab arguments
  local name=$1; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  # Options before "$@": everything after its "--" goes to the sides.
  "$fm" ab --rounds "$ROUNDS" --budget "$BUDGET" --quiet --db "$db" --tag "$name" \
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
  for pct in 5 3; do
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
        --budget "$BUDGET" --rounds 3 --record --db "$db" --tag "run$i" >/dev/null 2>"$out/run$i.log"
  done
  for i in $(seq 1 "$NC"); do
    rc=0
    "$fm" check --baseline "run$((i - 1))" --candidate "run$i" --db "$db" --json "$out/check$i.json" >/dev/null || rc=$?
    [ $rc -le 1 ] || { echo "noise-figures: check $i failed with exit $rc" >&2; exit 1; }
  done
fi

python3 - "$out" "$N" "$NB" "$NC" "$SLOW_CASE" "$PARTS" <<'PY' | tee "$out/figures.md"
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
PY
