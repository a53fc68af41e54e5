#!/usr/bin/env bash
# Bad input to a `calibrate --comm` job ends it with a clear message from rank 0, never hangs
# (every wait has a deadline: --timeout), and never leaves a profile presented as complete:
#   a plain run (no launcher), mismatched builds (a modified binary on one rank, and a rank
#   reporting another git SHA), one rank failing, a rank returning wrong data, a rank hanging
#   between steps, a rank stalling inside a collective, a rank killed mid-run.
fm=$1 tests=$2 mpirun=$3
. "$(dirname "$0")/comm_lib.sh"
# Kernel figures from a built-in profile: these jobs are about the failure paths.
common=(calibrate --comm --base h100-sxm --max-bytes 64K --step-factor 8 --iters 10)

# expect NAME WANT_RC PATTERN [mpirun options] -- [extra flopmeter args]: run 2 ranks, check the
# exit code, rank 0's message, the time taken, and that no complete profile was left.
expect() {
  local name=$1 want=$2 pattern=$3; shift 3
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  rm -f "$dir/f.json"
  local t0=$SECONDS
  mpi 2 "${opts[@]}" -- "${common[@]}" --out "$dir/f.json" "$@" >"$dir/f.out" 2>"$dir/f.err"
  local rc=$? took=$((SECONDS - t0))
  [ "$rc" -ne 124 ] || fail "$name: the job hung (killed by the test's timeout)"
  if [ "$want" = nonzero ]; then [ "$rc" -ne 0 ] || fail "$name: exit 0"; else [ "$rc" -eq "$want" ] || fail "$name: exit $rc, want $want: $(tail -5 "$dir/f.err")"; fi
  grep -q -- "$pattern" "$dir/f.err" || fail "$name: no message matching '$pattern': $(grep -v '^  ' "$dir/f.err" | head -12)"
  if [ -f "$dir/f.json" ]; then
    python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); sys.exit(0 if p["complete"] is False else 1)' "$dir/f.json" ||
      fail "$name: the profile left behind is marked complete"
  fi
  echo "ok: $name: exit $rc in ${took} s: $(grep -m1 -- "$pattern" "$dir/f.err" | cut -c1-150)"
}

# A plain run: how to launch, exit 2.
"$fm" calibrate --comm --out "$dir/x.json" 2>"$dir/plain.err"; rc=$?
[ $rc -eq 2 ] || fail "plain run: exit $rc, want 2"
grep -q "mpirun -np" "$dir/plain.err" || fail "plain run: no launch hint: $(cat "$dir/plain.err")"
[ ! -f "$dir/x.json" ] || fail "plain run wrote a profile"
echo "ok: plain run says how to launch (exit 2)"

# Mismatched builds: a different binary on rank 1 (MPMD), and a rank reporting another git SHA.
cp "$fm" "$dir/flopmeter-other" && printf 'x' >>"$dir/flopmeter-other"
timeout 60 "$mpirun" --oversubscribe -np 1 "$fm" "${common[@]}" --out "$dir/m.json" : \
  -np 1 "$dir/flopmeter-other" "${common[@]}" --out "$dir/m.json" >"$dir/m.out" 2>"$dir/m.err"; rc=$?
[ $rc -eq 2 ] || fail "mismatched binary: exit $rc, want 2: $(tail -5 "$dir/m.err")"
grep -q "rank 1 (.*): binary_hash" "$dir/m.err" || fail "mismatched binary: $(head -5 "$dir/m.err")"
[ ! -f "$dir/m.json" ] || fail "mismatched binary: a profile was written"
echo "ok: mismatched binary refused (exit 2): $(grep -m1 'binary_hash' "$dir/m.err" | cut -c1-120)"
expect "another git SHA on rank 1" 2 "do not run the same flopmeter build" -x FLOPMETER_COMM_TEST_FAULT=1:identity --

expect "rank 1 fails" 1 "rank 1 (.*): broadcast in-place start.*failed on purpose" -x FLOPMETER_COMM_TEST_FAULT=1:fail@broadcast --
expect "rank 1 returns wrong data" 1 "rank 1 (.*): all_reduce in-place .*wrong result: element 0" \
  -x FLOPMETER_COMM_TEST_FAULT=1:corrupt@all_reduce --
expect "rank 1 hangs between steps" 1 "rank 1 (.*) did not report within 3 s at all_gather" \
  -x FLOPMETER_COMM_TEST_FAULT=1:hang@all_gather -- --timeout 3
expect "rank 1 stalls inside a collective" 1 "all_to_all .* did not finish within 3 s on rank 0" \
  -x FLOPMETER_COMM_TEST_FAULT=1:stall@all_to_all -- --timeout 3
# Killed: the launcher ends the job and names the rank; rank 0 usually also says what it was doing.
expect "rank 1 killed" nonzero "rank 1 .*exited on signal 9\|rank 0 stopped by signal" \
  -x FLOPMETER_COMM_TEST_FAULT=1:kill@all_gather --
echo "ok"
