#!/usr/bin/env bash
# A calibration killed with SIGKILL leaves either no profile or a complete, valid JSON profile
# marked incomplete; --resume finishes it; resuming on a "different machine" or from a corrupt
# file is refused with exit 2 and leaves the file untouched.
set -u
fm=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out="$dir/p.json"
fail() { echo "FAIL: $*"; exit 1; }

"$fm" calibrate --smoke --threads 1 --out "$out" 2>"$dir/log" &
pid=$!
for _ in $(seq 1 600); do [ -f "$out" ] && break; sleep 0.01; done
sleep 0.3
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -f "$out" ] || fail "no profile written before the kill"
python3 - "$out" <<'PY' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))  # must parse: the write is atomic
assert p["schema"] == "flopmeter.profile", p.get("schema")
assert p["complete"] is False, "a killed run must be marked incomplete"
print("ok: killed run left a valid incomplete profile with", len(p.get("measurements", [])), "measurements")
PY
[ $? -eq 0 ] || fail "profile after kill is not a valid incomplete profile"

# Resume on another machine (changed fingerprint): refused, file untouched.
python3 - "$out" "$dir/other.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["fingerprint"] = "0000000000000000"
json.dump(p, open(sys.argv[2], "w"))
PY
cp "$dir/other.json" "$dir/other.bak"
"$fm" calibrate --smoke --threads 1 --resume "$dir/other.json" 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] || fail "resume on another machine: exit $rc, want 2"
grep -q "another machine" "$dir/err" || fail "no clear message: $(cat "$dir/err")"
cmp -s "$dir/other.json" "$dir/other.bak" || fail "refused resume modified the file"

# Corrupt (truncated) profile: refused, untouched.
head -c 300 "$out" > "$dir/trunc.json"
cp "$dir/trunc.json" "$dir/trunc.bak"
"$fm" calibrate --smoke --threads 1 --resume "$dir/trunc.json" 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] || fail "truncated profile: exit $rc, want 2"
cmp -s "$dir/trunc.json" "$dir/trunc.bak" || fail "refused resume modified the truncated file"
"$fm" predict gemm --m 64 --n 64 --k 64 --profile "$dir/trunc.json" 2>"$dir/err"; rc=$?
[ $rc -eq 2 ] || fail "predict with a truncated profile: exit $rc, want 2"

# An incomplete profile is not used for predictions: one line naming it and how to finish it.
for args in "predict gemm --m 64 --n 64 --k 64 --profile $out" "estimate --model gpt2 --tokens 1e9 --profile $out"; do
  # shellcheck disable=SC2086
  "$fm" $args >/dev/null 2>"$dir/err"; rc=$?
  [ $rc -eq 2 ] || fail "$args on an incomplete profile: exit $rc, want 2"
  grep -q "is incomplete" "$dir/err" && grep -q -- "--resume" "$dir/err" || fail "$args: unclear message: $(cat "$dir/err")"
done
# A partial profile measured with 1 thread is not resumed with 2 (no profile mixing thread counts).
if [ "$(nproc)" -ge 2 ]; then
  cp "$out" "$dir/threads.bak"
  "$fm" calibrate --resume "$out" --threads 2 2>"$dir/err"; rc=$?
  [ $rc -eq 2 ] || fail "resume with another thread count: exit $rc, want 2"
  grep -q "measured with 1 thread" "$dir/err" || fail "thread mismatch: unclear message: $(cat "$dir/err")"
  cmp -s "$out" "$dir/threads.bak" || fail "refused resume modified the profile"
fi

# Resume completes the killed run, as the interrupted run suggested: '--resume FILE' alone (the
# sweep mode and thread count are the partial profile's).
"$fm" calibrate --resume "$out" >"$dir/log2" 2>&1 || fail "resume failed: $(tail -5 "$dir/log2")"
python3 - "$out" <<'PY' || exit 1
import json, sys
p = json.load(open(sys.argv[1]))
assert p["complete"] is True
names = [m["name"] for m in p["measurements"]]
assert len(names) == len(set(names)), "resume measured a case twice"
assert set(names) == set(p["planned"]), "resume left planned cases out"
print("ok: resumed to a complete profile with", len(names), "measurements")
PY
[ $? -eq 0 ] || fail "resumed profile incomplete"
"$fm" predict gemm --m 100 --n 200 --k 300 --dtype fp32 --profile "$out" >/dev/null || fail "predict with the resumed profile"
echo "ok"
