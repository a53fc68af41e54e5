#!/usr/bin/env bash
# flopmeter ab with flopmeter on both sides: visits whose samples the probes flagged (here the
# FLOPMETER_TEST_DISTURBED knob flags every sample of one case on the candidate side) are left
# out and their unit is run again in extra rounds, up to --extra-rounds; the other cases of the
# suite gain those rounds as pairs; a case left with too few pairs is NOISY, never a verdict.
set -u
fm=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$fm" ab "$fm" "$fm" --rounds 3 --drop-disturbed --extra-rounds 2 --budget 0.02 --no-record --quiet --seed 7 \
    --json "$d/ab.json" --candidate-env FLOPMETER_TEST_DISTURBED=64x64x64 \
    -- gemm --size 64,96 --backend own --threads 1 >"$d/out.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$d/out.txt"; fail "exit $rc, expected 0"; }
python3 - "$d/ab.json" <<'PY' || exit 1
import json, sys
j = json.load(open(sys.argv[1]))
assert j["settings"]["extra_rounds_run"] == 2, j["settings"]
c = {x["case"].split("/")[4]: x for x in j["cases"]}
small, big = c["64x64x64"], c["96x96x96"]
# Every candidate visit of the small case (3 rounds + 2 extra); on a busy machine the real
# probes may flag more visits on either side, so only lower bounds and consistency are checked.
assert small["disturbed_visits"] >= 5, small["disturbed_visits"]
assert all(t is None for t in small["round_times_s"]["candidate"]), small["round_times_s"]
assert small["rounds"] == 0 and small["verdict"] == "NOISY", (small["rounds"], small["verdict"])
b, k = big["round_times_s"]["baseline"], big["round_times_s"]["candidate"]
assert len(b) == len(k) == 5, (b, k)
paired = sum(x is not None and y is not None for x, y in zip(b, k))
assert big["rounds"] == paired and paired + big["disturbed_visits"] >= 5, (big["rounds"], big["disturbed_visits"])
print("ab_flopmeter: ok")
PY
