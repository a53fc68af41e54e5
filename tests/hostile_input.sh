#!/usr/bin/env bash
# Input a careless or hostile user gives, with the real binary: nothing crashes, destroys a file
# that is not flopmeter's, or lies. Exit 2 with one clear line for bad input; exit 1 only for a
# failed validation or a confirmed slowdown.
set -u
fm=$(realpath "$1")
dir=$(mktemp -d)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 2
fail=0
bad() { echo "FAIL: $*"; fail=1; }
expect() {  # code, stderr-substring, args...
  local want=$1 msg=$2; shift 2
  local err rc
  err=$("$fm" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != "$want" ] || [[ "$err" != *"$msg"* ]]; then
    bad "flopmeter $* -> exit $rc (want $want), stderr: $(echo "$err" | tail -3)"
  else
    echo "ok: flopmeter $* -> $rc"
  fi
}
tiny=(bench gemm --size 8 --budget 0.05)

# A results file to work from.
"$fm" "${tiny[@]}" --json good.json >/dev/null 2>&1 || bad "bench gemm --json good.json failed"

# 1. Outputs through a symlink, into a FIFO and a device: written, never replaced by a file.
echo old > target.json
ln -s target.json link.json
expect 0 "" "${tiny[@]}" --json link.json
[ -L link.json ] || bad "--json through a symlink replaced the link with a file"
python3 -c "import json; json.load(open('target.json'))" || bad "the symlink's target was not written"
mkfifo pipe.json
(cat pipe.json > from_fifo.json) &
reader=$!
expect 0 "" "${tiny[@]}" --json pipe.json
wait "$reader"
[ -p pipe.json ] || bad "--json into a FIFO replaced the FIFO with a regular file"
python3 -c "import json; json.load(open('from_fifo.json'))" || bad "nothing valid came out of the FIFO"
if mknod full c 1 7 2>/dev/null; then  # a private /dev/full: writes fail with ENOSPC
  expect 2 "No space left on device" "${tiny[@]}" --json full
  [ -c full ] || bad "--json to a device node replaced the device with a regular file"
else
  echo "ok: (mknod not permitted here: the device case is skipped)"
fi
# 9. An output that cannot be written is refused before anything is measured.
for opt in --json --markdown --csv; do
  out=$("$fm" bench gemm --size 8 --budget 0.05 "$opt" "$dir" 2>&1); rc=$?
  [ $rc -eq 2 ] && [[ "$out" == *"is a directory"* ]] && [[ "$out" != *"[1/"* ]] ||
    bad "bench gemm $opt DIR: exit $rc, measured first or unclear: $(echo "$out" | tail -2)"
done
expect 2 "is a directory" calibrate --smoke --out "$dir"
expect 2 "does not exist" calibrate --smoke --out "$dir/no/such/dir/p.json"
expect 2 "needs a file name" calibrate --smoke --out -

# 2. Thread counts beyond the machine's.
expect 2 "--threads 100000: must be between 1 and" bench gemm --size 8 --threads 100000
expect 2 "--threads 5000: must be between 1 and" bench attention --seq-q 16 --threads 5000
expect 2 "--threads -1" roofline --threads -1

# 4. A sample no kernel can take is refused on the way in; the store stays readable.
python3 - <<'PY'
import json
d = json.load(open("good.json"))
d["results"][0]["timing"]["samples"][0] = 1e200
json.dump(d, open("huge.json", "w"))
PY
expect 0 "" record good.json --db s.db
expect 2 "sample of" record huge.json --db s.db
expect 0 "" export latest --db s.db
expect 0 "" history --db s.db

# 5. Numbers JSON cannot hold, and wrong files: exit 2 naming the file, never 1.
sed 's/"schema_version": [0-9]*/"schema_version": 1e999/' good.json > inf.json
expect 2 "inf.json" check --baseline good.json --candidate inf.json
expect 2 "inf.json" record inf.json --db s.db
echo '{"schema": "flopmeter.profile", "x": 1e999}' > inf-profile.json
expect 2 "inf-profile.json" estimate --model gpt2 --tokens 1e9 --profile inf-profile.json
expect 2 "inf-profile.json" predict gemm --m 8 --n 8 --k 8 --profile inf-profile.json
expect 2 "" validate --runs good.json

# 6. A candidate case that failed validation or is missing fails the check (exit 1), listed.
python3 - <<'PY'
import json
d = json.load(open("good.json"))
d["results"][0]["status"] = "validation_failed"
d["results"][0]["error"] = "max error 3.2x the bound"
json.dump(d, open("failed.json", "w"))
d = json.load(open("good.json"))
d["results"] = []
json.dump(d, open("empty.json", "w"))
PY
out=$("$fm" check --baseline good.json --candidate failed.json --markdown md.md 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"FAILED in the candidate"* ]] || bad "failed candidate case: exit $rc: $out"
grep -q "FAILED in the candidate" md.md || bad "the Markdown omits the failed case"
"$fm" check --baseline good.json --candidate failed.json --json - 2>/dev/null |
  python3 -c "import json,sys; j=json.load(sys.stdin); assert j['exit_code']==1 and j['candidate_failed'], j" ||
  bad "check --json - does not report the failed case"
python3 - <<'PY'
import json
d = json.load(open("good.json"))
extra = json.loads(json.dumps(d["results"][0])); extra["name"] = extra["name"] + "-gone"
d["results"].append(extra)
json.dump(d, open("base2.json", "w"))
PY
out=$("$fm" check --baseline base2.json --candidate good.json 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"MISSING in the candidate"* ]] || bad "missing candidate case: exit $rc: $out"

# 7. A store in a directory this user cannot write is still read by the reading commands.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$fm" --version >/dev/null 2>&1 &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$dir"; then
  mkdir ro && cp s.db ro/ && chmod 755 ro && chmod 644 ro/s.db
  as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$fm" "$@"; }
  for args in "history --db ro/s.db" "history --runs --db ro/s.db" "export latest --db ro/s.db" \
              "check --baseline latest --candidate good.json --db ro/s.db"; do
    # shellcheck disable=SC2086
    as_nobody $args >/dev/null 2>err.txt || bad "as a user who cannot write the store's directory: $args: $(cat err.txt)"
  done
  [ "$(ls ro)" = "s.db" ] || bad "reading left files in the read-only directory: $(ls ro)"
  echo "ok: the reading commands read a store in a directory they cannot write"
else
  echo "ok: (not root, no setpriv, or user nobody cannot reach the binary here: the read-only store case is skipped)"
fi

# 8. Cost-model inputs that make no sense.
est=(estimate --model gpt2 --tokens 1e9 --profile h100-sxm)
expect 2 "--price" "${est[@]}" --price -3
expect 2 "--power" "${est[@]}" --power -100
expect 2 "--devices" "${est[@]}" --devices 0
expect 2 "--years" "${est[@]}" --years -1
out=$("$fm" "${est[@]}" --years 1000 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -le 3 ] || bad "--years 1000: exit $rc after printing $(echo "$out" | wc -l) lines"
expect 2 "--tokens" estimate --model gpt2 --tokens -5 --profile h100-sxm
"$fm" calibrate --smoke --threads 1 --out prof.json >/dev/null 2>&1 || bad "calibrate --smoke failed"
out=$("$fm" estimate --model gpt2 --tokens 1e8 --profile prof.json 2>&1) || bad "estimate on a calibrated profile failed"
[[ "$out" == *"unknown (give --price"* && "$out" == *"unknown (give --power"* ]] ||
  bad "a profile without price/power must say cost and energy are unknown: $(echo "$out" | grep -E 'cost|energy')"
[[ "$out" == *"\$0 "* ]] && bad "a profile without a price printed \$0"
out=$("$fm" estimate --model gpt2 --tokens 1e8 --profile prof.json --price 2 --power 300 2>&1)
[[ "$out" == *"unknown"* ]] && bad "--price and --power given, still unknown"

# 10. '-' is standard output everywhere, and no file named '-' appears.
"$fm" "${tiny[@]}" --json - 2>/dev/null | python3 -c "import json,sys; json.load(sys.stdin)" ||
  bad "bench gemm --json - is not JSON on stdout"
"$fm" history --db s.db --json - 2>/dev/null | python3 -c "import json,sys; json.load(sys.stdin)" ||
  bad "history --json - is not JSON on stdout"
"$fm" "${est[@]}" --json - 2>/dev/null | python3 -c "import json,sys; json.load(sys.stdin)" ||
  bad "estimate --json - is not JSON on stdout"
"$fm" convert good.json --to csv --out - | head -1 | grep -q , || bad "convert --out - is not CSV on stdout"
[ -e ./- ] && bad "a file named '-' was created"

# 12. A prediction allocates nothing: shapes far beyond this machine's memory are fine.
expect 0 "" predict gemm --profile h200 --m 100000 --n 100000 --k 100000 --dtype bf16

exit $fail
