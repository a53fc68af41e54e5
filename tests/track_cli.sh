#!/usr/bin/env bash
# record/check/history/export/merge with the real binary: exit codes, a record killed inside
# its transaction, a store locked by another record, a corrupt store left untouched, Google
# Benchmark import, plots. A few seconds.
set -u
fm=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail=0
say() { echo "$@"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() {  # code, stderr-substring, args...
  local want=$1 msg=$2; shift 2
  local err rc
  err=$("$fm" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != "$want" ] || [[ "$err" != *"$msg"* ]]; then bad "flopmeter $* -> exit $rc (want $want), stderr: $err"
  else say "ok: flopmeter $* -> $rc"; fi
}

run_bench() { "$fm" bench gemm --size 16,24 --threads 1 --budget 0.03 --min-samples 8 --json "$1" >/dev/null 2>&1; }
run_bench a.json || bad "bench a"
run_bench b.json || bad "bench b"
run_bench c.json || bad "bench c"

expect 0 "" record a.json --db t.db --tag base
# A record paused inside its transaction holds the write lock: a second one times out with
# exit 2; then the paused one is killed, and the store holds neither.
FLOPMETER_TEST_PAUSE_IN_RECORD=30 "$fm" record b.json --db t.db 2>paused.err &
pid=$!
for _ in $(seq 100); do grep -q pausing paused.err 2>/dev/null && break; sleep 0.1; done
grep -q "inside the transaction" paused.err || bad "the paused record did not announce itself"
expect 2 "locked by another process" record c.json --db t.db --lock-timeout 0.2
kill -9 $pid; wait $pid 2>/dev/null
runs=$("$fm" history --runs --db t.db | grep -c '^ *[0-9]')
[ "$runs" = 1 ] || bad "after the kill the store lists $runs runs, want 1"
# Two records at once both land.
"$fm" record b.json --db t.db >/dev/null & p1=$!
"$fm" record c.json --db t.db >/dev/null & p2=$!
wait $p1 || bad "concurrent record b"
wait $p2 || bad "concurrent record c"
runs=$("$fm" history --runs --db t.db | grep -c '^ *[0-9]')
[ "$runs" = 3 ] || bad "after two concurrent records the store lists $runs runs, want 3"

# check: 0 or 1 on real (noisy) measurements, 2 on bad input.
"$fm" check --baseline base --db t.db --markdown pr.md --json check.json >check.txt; rc=$?
{ [ "$rc" = 0 ] || [ "$rc" = 1 ]; } || bad "check exit $rc"
grep -q "^### flopmeter check" pr.md || bad "markdown heading"
grep -q '"schema": "flopmeter.check"' check.json || bad "check JSON"
grep -q "Rule: two-sided Mann-Whitney" check.txt || bad "check text"
expect 2 "no run 77" check --baseline 77 --db t.db
expect 2 "no database at" check --baseline 1 --db missing.db
printf 'not a database, just text %.0s' $(seq 300) > junk.db
cp junk.db junk.orig
expect 2 "not a flopmeter database" record a.json --db junk.db
expect 2 "not a flopmeter database" check --baseline 1 --db junk.db
cmp -s junk.db junk.orig || bad "the corrupt store was modified"
echo '{"benchmarks": 3}' > other.json
expect 2 "neither flopmeter results JSON" record other.json --db t.db
python3 - a.json nosamples.json <<'PY' || bad "python"
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    r.get("timing", {})["samples"] = []
json.dump(d, open(sys.argv[2], "w"))
PY
expect 2 "samples" record nosamples.json --db t.db

# export round trip, merge, FLOPMETER_DB.
"$fm" export base --db t.db -o back.json 2>/dev/null || bad "export"
cmp -s <(python3 -c 'import json,sys; print([r["timing"]["samples"] for r in json.load(open(sys.argv[1]))["results"]])' a.json) \
       <(python3 -c 'import json,sys; print([r["timing"]["samples"] for r in json.load(open(sys.argv[1]))["results"]])' back.json) \
  || bad "exported samples differ from the recorded file"
FLOPMETER_DB=env.db "$fm" record c.json >/dev/null || bad "record via FLOPMETER_DB"
[ -f env.db ] || bad "FLOPMETER_DB not used"
"$fm" merge env.db --db t.db | grep -q "0 run(s) added, 1 already present" || bad "merge dedup"

# Google Benchmark JSON from the benchmark binary, when built.
gb="$(dirname "$fm")/flopmeter-bench"
# (The benchmark binary's own health is tests/bench_output.sh; here only its JSON matters.)
if [ -x "$gb" ] && "$gb" --benchmark_filter='gemm/own/fp32/nn/256x256x256/' --benchmark_repetitions=6 \
      --benchmark_min_time=0.01 --benchmark_format=json >gb.json 2>/dev/null; then
  "$fm" record gb.json --db gb.db | grep -q "google-benchmark" || bad "record Google Benchmark JSON"
  "$fm" history --db gb.db --case 256x256x256 | grep -q "gemm/own/fp32/nn/256x256x256" || bad "GB history"
else
  echo "skip: no Google Benchmark JSON from $gb (import covered by the unit tests)"
fi

# Plots, when matplotlib is there.
if python3 -c 'import matplotlib' 2>/dev/null; then
  "$fm" history --db t.db --plot hist >/dev/null || bad "history --plot"
  [ -s hist.png ] && [ -s hist.svg ] || bad "plots missing"
fi
[ $fail = 0 ] && echo "track_cli: all passed"
exit $fail
