#!/usr/bin/env bash
# Builds a small results store (a few quick GEMM runs, the later ones slowed on purpose with
# the test-only FLOPMETER_TEST_SLOWDOWN knob so the history has a change point), renders the
# HTML report (history, roofline, comparison) and checks it in headless Chromium: the page
# must load, its script must run, and every section must hold a plot of real size. Leaves the
# report, a screenshot and the DOM in OUT (default: out/report-check).
#
#   scripts/check-report.sh [build-dir] [out-dir]
#
# Chromium is large, so it is installed here (Debian package) only when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$root/out/report-check}
fm=$build/flopmeter
[ -x "$fm" ] || { echo "check-report: $fm not built" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
db=$out/report.db
rm -f "$db" "$db"-wal "$db"-shm

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "check-report: installing chromium (Debian package) for the headless check" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi

echo "check-report: 8 quick GEMM runs (the last 4 with a 30% test slowdown of one case)" >&2
for i in 1 2 3 4 5 6 7 8; do
  slow=""
  [ $i -gt 4 ] && slow="own/fp32/nn/48x48x48:0.3"
  FLOPMETER_TEST_SLOWDOWN=$slow "$fm" bench gemm --size 32,48 --backend own --threads 1 --budget 0.1 \
      --min-samples 10 --json "$out/run$i.json" >/dev/null 2>&1
  "$fm" record "$out/run$i.json" --db "$db" --tag "r$i" >/dev/null
done
"$fm" history --db "$db" --json "$out/history.json" >/dev/null
"$fm" check --baseline r4 --candidate r8 --db "$db" --json "$out/check.json" >/dev/null || true
if [ ! -f "$out/roofline.json" ]; then
  echo "check-report: flopmeter roofline --quick" >&2
  "$fm" roofline --quick --threads 1 --json "$out/roofline.json" >/dev/null 2>&1
fi
python3 "$root/scripts/report_html.py" --history "$out/history.json" --roofline "$out/roofline.json" \
    --check "$out/check.json" -o "$out/report.html" --title "flopmeter report (check-report.sh)"

flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --window-size=1280,2400)
"$browser" "${flags[@]}" --dump-dom "file://$out/report.html" >"$out/dom.html" 2>"$out/browser.log"
"$browser" "${flags[@]}" --screenshot="$out/report.png" "file://$out/report.html" >>"$out/browser.log" 2>&1

fail=0
grep -q 'rendered: history=ok roofline=ok comparison=ok' "$out/dom.html" || {
  echo "check-report: FAIL: $(grep -o 'id="render-check">[^<]*' "$out/dom.html" || echo 'no render-check in the DOM')"; fail=1; }
grep -q 'change point\|% time' "$out/dom.html" || { echo "check-report: FAIL: no change point drawn"; fail=1; }
grep -q 'SLOWER' "$out/dom.html" || { echo "check-report: FAIL: the slowed case is not SLOWER in the comparison"; fail=1; }
[ -s "$out/report.png" ] || { echo "check-report: FAIL: no screenshot"; fail=1; }
[ $fail = 0 ] && echo "check-report: ok: $out/report.html (screenshot $out/report.png)"
exit $fail
