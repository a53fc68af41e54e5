#!/usr/bin/env bash
# Every Catch2 test name must survive CMake's list parsing in catch_discover_tests: an
# unbalanced '[' or ']' in a name once folded ~190 test cases into one ctest entry that matched
# nothing and passed silently, and a ';' splits a name into entries that match nothing either
# (ten test cases never ran under ctest that way).
set -u
bin=$1
bad=$("$bin" --list-test-names-only | python3 -c '
import sys
for n in sys.stdin:
    n = n.rstrip("\n")
    depth = 0
    for ch in n:
        depth += (ch == "[") - (ch == "]")
        if depth < 0: break
    if depth != 0 or ";" in n: print(n)
')
[ -z "$bad" ] || { echo "FAIL: test names with unbalanced brackets or a ';' (they break ctest registration):"; echo "$bad"; exit 1; }
echo "test_names: ok ($("$bin" --list-test-names-only | grep -c .) names)"
