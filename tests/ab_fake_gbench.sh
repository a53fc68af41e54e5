#!/bin/bash
# A stand-in Google Benchmark binary for `flopmeter ab` tests: the plumbing (listing, filtering,
# JSON, failures, missing cases), not timing. Times are synthetic: FAKE_NS (default 1000) x
# FAKE_SCALE (default 1) x a jitter below 1%.
#   FAKE_MISSING=name  not listed and never run     FAKE_FAIL=name  reports error_occurred
#   FAKE_CRASH=name    dies by SIGSEGV when run
cases="fake/a fake/b fake/c"
list=0; filter=""; reps=1
for a in "$@"; do
  case "$a" in
    --benchmark_list_tests=true) list=1 ;;
    --benchmark_filter=*) filter="${a#--benchmark_filter=}" ;;
    --benchmark_repetitions=*) reps="${a#--benchmark_repetitions=}" ;;
    --benchmark_*) ;;
    *) echo "fake: unrecognized argument $a" >&2; exit 2 ;;
  esac
done
names=()
for c in $cases; do
  [ "$c" = "${FAKE_MISSING:-}" ] && continue
  if [ -n "$filter" ] && ! [[ "$c" =~ $filter ]]; then continue; fi
  names+=("$c")
done
if [ $list = 1 ]; then printf '%s\n' "${names[@]}"; exit 0; fi
rows=""
for c in "${names[@]}"; do
  [ "$c" = "${FAKE_CRASH:-}" ] && kill -SEGV $$
  for ((i = 0; i < reps; i++)); do
    [ -n "$rows" ] && rows="$rows,"
    if [ "$c" = "${FAKE_FAIL:-}" ]; then
      rows="$rows{\"name\":\"$c\",\"run_name\":\"$c\",\"run_type\":\"iteration\",\"error_occurred\":true,\"error_message\":\"validation failed: fake\"}"
      continue
    fi
    t=$(awk -v b="${FAKE_NS:-1000}" -v s="${FAKE_SCALE:-1}" -v r=$RANDOM 'BEGIN { printf "%.6f", b * s * (1 + r / 32768 / 100) }')
    rows="$rows{\"name\":\"$c\",\"run_name\":\"$c\",\"run_type\":\"iteration\",\"repetitions\":$reps,\"repetition_index\":$i,\"threads\":1,\"iterations\":1000,\"real_time\":$t,\"cpu_time\":$t,\"time_unit\":\"ns\"}"
  done
done
echo "{\"context\":{\"date\":\"2026-12-03T00:00:00+00:00\",\"host_name\":\"fake\",\"num_cpus\":2,\"library_build_type\":\"release\",\"caches\":[]},\"benchmarks\":[$rows]}"
