#!/usr/bin/env bash
# The regression-tracking figures of issue 8, on this machine:
#   A/A        N comparisons of a build against itself (consecutive runs): no case may be
#              confirmed SLOWER in any;
#   slowdown   N comparisons against runs where one kernel is made 5% slower with the test-only
#              knob FLOPMETER_TEST_SLOWDOWN: that case confirmed SLOWER in >= N-1, no other case
#              flagged (SLOWER or FASTER);
#   speed      the check's own time over the suite (< 2 s).
# Suite: 20 GEMM cases (5 sizes x fp32/fp64 x own/openblas), plus a small attention suite when
# `flopmeter bench attention` exists. A and slowed runs alternate, so slow drifts of the
# machine hit both alike; only the A runs are recorded (the store's history, from which check
# learns each case's run-to-run spread), slowed runs are checked as files. Prints a Markdown
# summary (also in OUT/figures.md).
#
#   scripts/track-figures.sh [build-dir] [out-dir]
# Environment: N (20), THREADS (1), BUDGET (0.06 s per case and round), ROUNDS (5),
#   SLOW_CASE (gemm/own/fp32/nn/128x128x128), SLOW (0.05), ATTENTION (auto|off).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$root/out/track-figures}
fm=$build/flopmeter
[ -x "$fm" ] || { echo "track-figures: $fm not built" >&2; exit 2; }
N=${N:-20}; THREADS=${THREADS:-1}; BUDGET=${BUDGET:-0.06}; ROUNDS=${ROUNDS:-5}
SLOW_CASE=${SLOW_CASE:-gemm/own/fp32/nn/128x128x128}; SLOW=${SLOW:-0.05}; ATTENTION=${ATTENTION:-auto}
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=$out/figures.db
rm -f "$db" "$db"-wal "$db"-shm "$out"/check_*.json

with_attention=0
if [ "$ATTENTION" != off ] && "$fm" bench attention --help >/dev/null 2>&1; then with_attention=1; fi

suite() {  # name, slowdown spec ('' for none)
  local name=$1 slow=$2
  FLOPMETER_TEST_SLOWDOWN=$slow "$fm" bench gemm --size 64,96,128,160,192 --dtype fp32,fp64 \
      --backend own,openblas --threads "$THREADS" --budget "$BUDGET" --rounds "$ROUNDS" \
      --json "$out/$name.gemm.json" >/dev/null 2>"$out/$name.log"
  local files=("$out/$name.gemm.json")
  if [ $with_attention = 1 ]; then
    FLOPMETER_TEST_SLOWDOWN=$slow "$fm" bench attention --heads 2 --seq-q 64,128 --head-dim 32,64 \
        --mask full,causal --backend own --threads "$THREADS" --budget "$BUDGET" --rounds "$ROUNDS" \
        --json "$out/$name.attn.json" >/dev/null 2>>"$out/$name.log" && files+=("$out/$name.attn.json")
  fi
  # One run per suite: the attention cases join the GEMM document (same machine, same build).
  python3 - "$out/$name.json" "${files[@]}" <<'PY'
import json, sys
docs = [json.load(open(f)) for f in sys.argv[2:]]
merged = docs[0]
for d in docs[1:]:
    merged["results"] += d["results"]
    merged["warnings"] += [w for w in d["warnings"] if w not in merged["warnings"]]
json.dump(merged, open(sys.argv[1], "w"), indent=1)
PY
  # Slowed runs stay files: like a pull request's run, they are checked, not history (check
  # learns each case's run-to-run spread from the recorded runs).
  [ -n "$slow" ] || "$fm" record "$out/$name.json" --db "$db" --tag "$name" >/dev/null
}

check() {  # baseline, candidate, kind, i
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$fm" check --baseline "$1" --candidate "$2" --db "$db" --json "$out/check_$3_$4.json" >/dev/null || rc=$?
  t1=$(date +%s.%N)
  [ $rc -le 1 ] || { echo "track-figures: check $1 -> $2 failed with exit $rc" >&2; exit 1; }
  echo "$rc $(python3 -c "print($t1 - $t0)")" >"$out/check_$3_$4.rc"
}

echo "track-figures: $((2 * N + 1)) suite runs (attention: $with_attention), then $((2 * N)) checks" >&2
suite a0 ""
for i in $(seq 1 "$N"); do
  echo "track-figures: round $i/$N" >&2
  suite "a$i" ""
  suite "s$i" "$SLOW_CASE:$SLOW"
done
for i in $(seq 1 "$N"); do
  check "a$((i - 1))" "a$i" aa "$i"
  check "a$i" "$out/s$i.json" slow "$i"
done

python3 - "$out" "$N" "$SLOW_CASE" "$SLOW" <<'PY' | tee "$out/figures.md"
import json, sys
out, n, slow_case, slow = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
def load(kind, i):
    j = json.load(open(f"{out}/check_{kind}_{i}.json"))
    rc, wall = open(f"{out}/check_{kind}_{i}.rc").read().split()
    return j, int(rc), float(wall)
aa_fail = 0; aa_verdicts = {}; slow_hit = 0; slow_other = 0; slow_noisy = 0; walls = []; stats = []; cases = 0
for i in range(1, n + 1):
    j, rc, wall = load("aa", i)
    walls.append(wall); stats.append(j["statistics_s"]); cases = len(j["cases"])
    aa_fail += j["summary"]["slower"] > 0
    for c in j["cases"]:
        aa_verdicts[c["verdict"]] = aa_verdicts.get(c["verdict"], 0) + 1
    j, rc, wall = load("slow", i)
    walls.append(wall); stats.append(j["statistics_s"])
    for c in j["cases"]:
        if slow_case in c["case"]:
            slow_hit += c["verdict"] == "SLOWER"
        elif c["verdict"] in ("SLOWER", "FASTER"):
            slow_other += 1
        elif c["verdict"] == "NOISY":
            slow_noisy += 1
print(f"## Regression-tracking figures ({cases} cases per suite, {n} comparisons each)\n")
print("| figure | target | result | pass |")
print("|---|---|---|---|")
print(f"| A/A: comparisons with a case confirmed SLOWER | 0 of {n} | {aa_fail} of {n} "
      f"(verdicts over all cases: {', '.join(f'{k} {v}' for k, v in sorted(aa_verdicts.items()))}) | {'yes' if aa_fail == 0 else 'NO'} |")
print(f"| {100 * slow:.3g}% slowdown of {slow_case}: confirmed SLOWER | >= {n - 1} of {n} | {slow_hit} of {n} | {'yes' if slow_hit >= n - 1 else 'NO'} |")
print(f"| slowdown runs: other cases flagged SLOWER/FASTER | 0 | {slow_other} (NOISY: {slow_noisy}) | {'yes' if slow_other == 0 else 'NO'} |")
print(f"| check time per comparison, whole command (max) | < 2 s | {max(walls):.3f} s (statistics alone: {max(stats) * 1e3:.1f} ms) | {'yes' if max(walls) < 2 else 'NO'} |")
PY
