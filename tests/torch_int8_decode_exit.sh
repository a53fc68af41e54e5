#!/usr/bin/env bash
# scripts/torch_int8_decode.py's exit codes without timing anything: 77 when torch cannot be
# imported (a stand-in module that raises ImportError hides it), 2 for bad input when torch is
# there (before any model is built). Each python3 start imports torch (seconds): few cases.
# Usage: torch_int8_decode_exit.sh SOURCE_DIR FLOPMETER
set -u
src=$1 fm=$2
script=$src/scripts/torch_int8_decode.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect CODE DESCRIPTION -- command...
    local want=$1 what=$2
    shift 3
    "$@" >"$tmp/out" 2>&1
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, want $want"; cat "$tmp/out"; fail=1
    else
        echo "ok: $what (exit $got): $(grep torch_int8_decode "$tmp/out" | head -1)"
    fi
}
mkdir -p "$tmp/notorch"
echo 'raise ImportError("torch hidden by the test")' >"$tmp/notorch/torch.py"
expect 77 "torch missing" -- env PYTHONPATH="$tmp/notorch" python3 "$script" --flopmeter "$fm" --profile none.json
if ! python3 -c "import torch" 2>/dev/null; then
    echo "torch not installed: the exit-2 paths are not checked"
    exit $((fail ? 1 : 0))
fi
expect 2 "profile not found" -- python3 "$script" --flopmeter "$fm" --profile "$tmp/none.json"
expect 2 "too few steps" -- python3 "$script" --flopmeter "$fm" --profile none.json --steps 1
exit $fail
