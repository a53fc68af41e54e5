#!/usr/bin/env bash
# flopmeter ab with flopmeter on both sides: visits whose samples the probes flagged (here the
# FLOPMETER_TEST_DISTURBED knob flags every sample of one case on the candidate side) are left
# out and their unit is run again in extra rounds, up to --extra-rounds; a case left with too few
# pairs is NOISY, never a verdict. Run a process per suite visit (--no-serve: the other cases of
# the suite gain those rounds as pairs) and kept running (each case its own unit).
set -u
fm=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for mode in no-serve served; do
  extra=(); [ $mode = no-serve ] && extra=(--no-serve)
  "$fm" ab "$fm" "$fm" --rounds 3 --drop-disturbed --extra-rounds 2 --budget 0.02 --no-record --quiet --seed 7 \
      "${extra[@]}" --json "$d/ab.json" --candidate-env FLOPMETER_TEST_DISTURBED=64x64x64 \
      -- gemm --size 64,96 --backend own --threads 1 >"$d/out.txt" 2>&1
  rc=$?
  [ $rc -eq 0 ] || { cat "$d/out.txt"; fail "exit $rc, expected 0 ($mode)"; }
  python3 - "$d/ab.json" "$mode" <<'PY' || fail "disturbed visits ($mode)"
import json, sys
j = json.load(open(sys.argv[1]))
served = sys.argv[2] == "served"
assert j["settings"]["served"] == served, j["settings"]
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
# One suite: the big case runs whenever the small one does (5 visits). Served: a unit of its own,
# run again only while it is short of 3 pairs. (disturbed_visits counts both sides' visits.)
assert big["rounds"] == paired and paired + big["disturbed_visits"] >= (3 if served else 5), (big["rounds"], big["disturbed_visits"])
PY
done
echo "ab_flopmeter: disturbed visits ok"

# Served sides start afresh every --restart-every rounds: 7 rounds every 3 are 3 epochs (two
# restarts), the test runs on them, and the report says so.
"$fm" ab "$fm" "$fm" --rounds 7 --restart-every 3 --budget 0.01 --no-record --quiet --seed 3 \
    --json "$d/ep.json" -- gemm --size 64 --backend own --threads 1 >"$d/ep.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$d/ep.txt"; fail "epochs: exit $rc, expected 0"; }
python3 - "$d/ep.json" <<'PY' || fail "epochs"
import json, sys
j = json.load(open(sys.argv[1]))
s = j["settings"]
assert s["served"] and s["epochs"] == 3 and s["restart_s"] > 0, s
assert "per-epoch" in s["test"], s["test"]
c = j["cases"][0]
assert c["rounds"] == 7 and c["epochs"] == 3, (c["rounds"], c["epochs"])
assert c["verdict"] == "NOISY" and "too few paired epochs (3; need 6)" in c["reason"], c["reason"]
PY
echo "ab_flopmeter: epochs ok"

# bench --case: only the named cases; an unknown name exits 2 naming the cases there are.
"$fm" bench gemm --size 64,96 --backend own --threads 1 --budget 0.01 --case gemm/own/fp32/nn/96x96x96/t1 \
    --json "$d/one.json" >/dev/null 2>&1 || fail "bench --case exited $?"
python3 -c "
import json,sys; r=json.load(open(sys.argv[1]))['results']
assert [x['name'] for x in r] == ['gemm/own/fp32/nn/96x96x96/t1'], r" "$d/one.json" || fail "bench --case ran other cases"
"$fm" bench gemm --size 64 --backend own --threads 1 --budget 0.01 --case gemm/own/fp32/nn/65x65x65/t1 >"$d/bad.txt" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "bench --case with an unknown name: exit $rc, expected 2"
grep -q "no case named 'gemm/own/fp32/nn/65x65x65/t1'.*64x64x64" "$d/bad.txt" || { cat "$d/bad.txt"; fail "unknown --case message"; }

# serve: a ready line, then one {"rc": N} per request: 0 for a bench command, 2 for a request
# that is not JSON and for a command that is not bench; end of input ends it with exit 0.
{
  printf '["bench","gemm","--size","64","--backend","own","--threads","1","--budget","0.01","--json","%s"]\n' "$d/s.json"
  printf 'not json\n'
  printf '["info"]\n'
} | "$fm" serve --reply-fd 3 3>"$d/replies.txt" >"$d/serve.out" 2>"$d/serve.err"
rc=$?
[ $rc -eq 0 ] || fail "serve exited $rc"
python3 - "$d/replies.txt" "$d/s.json" <<'PY' || { cat "$d/serve.err"; fail "serve replies"; }
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines == [{"ready": 1}, {"rc": 0}, {"rc": 2}, {"rc": 2}], lines
assert json.load(open(sys.argv[2]))["results"][0]["status"] == "ok"
PY
"$fm" serve --reply-fd 9 </dev/null >/dev/null 2>"$d/fd.err"
[ $? -eq 2 ] || fail "serve with a closed reply descriptor should exit 2"

# ab keeps flopmeter sides running and pairs single cases; --no-serve runs a process per visit.
for mode in served no-serve; do
  extra=(); [ $mode = no-serve ] && extra=(--no-serve)
  "$fm" ab "$fm" "$fm" --rounds 2 --budget 0.02 --no-record --quiet --seed 3 "${extra[@]}" --json "$d/$mode.json" \
      -- gemm --size 64,96 --backend own --threads 1 :: attention --heads 1 --seq-q 64 --head-dim 32 --backend own --threads 1 \
      >"$d/$mode.txt" 2>&1 || { cat "$d/$mode.txt"; fail "ab ($mode) exited $?"; }
  python3 - "$d/$mode.json" "$mode" <<'PY' || fail "ab ($mode) JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["settings"]["served"] == (sys.argv[2] == "served"), j["settings"]
assert j["settings"]["warmup_s"] == 0.01, j["settings"]
names = sorted(c["case"] for c in j["cases"])
assert len(names) == 3 and all(c["rounds"] == 2 for c in j["cases"]), [(c["case"], c["rounds"]) for c in j["cases"]]
PY
done
# --time-limit ends the rounds once 10 are done and the next would end past it; the report says so.
"$fm" ab "$fm" "$fm" --rounds 30 --time-limit 0.001 --budget 0.01 --no-record --quiet --seed 9 --json "$d/limit.json" \
    -- gemm --size 48 --backend own --threads 1 >"$d/limit.txt" 2>&1 || { cat "$d/limit.txt"; fail "ab with a time limit exited $?"; }
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["settings"]; assert (s["rounds"], s["rounds_asked"], s["time_limit_s"]) == (10, 30, 0.001), s; assert j["cases"][0]["rounds"] == 10' "$d/limit.json" \
  || fail "ab --time-limit"
grep -q "10 rounds (of 30 asked" "$d/limit.txt" || { cat "$d/limit.txt"; fail "ab's rule line does not say the rounds were cut"; }

# A side that predates bench's --warmup (its help does not name it): neither side gets one.
cat >"$d/old-fm" <<OLD
#!/usr/bin/env bash
if [ "\$1 \$2 \$3" = "bench gemm --help" ]; then "$fm" "\$@" | grep -v -- --warmup; exit 0; fi
for a in "\$@"; do [ "\$a" = --warmup ] && { echo "unknown option --warmup" >&2; exit 2; }; done
exec "$fm" "\$@"
OLD
chmod +x "$d/old-fm"
"$fm" ab "$d/old-fm" "$fm" --rounds 2 --budget 0.02 --no-record --quiet --seed 5 --no-serve --json "$d/old.json" \
    -- gemm --size 64 --backend own --threads 1 >"$d/old.txt" 2>&1 || { cat "$d/old.txt"; fail "ab against an older side exited $?"; }
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["settings"]["warmup_s"] is None, j["settings"]; assert j["cases"][0]["rounds"] == 2' "$d/old.json" \
  || fail "ab gave --warmup to a side that does not take it"
echo "ab_flopmeter: serve and --case ok"
