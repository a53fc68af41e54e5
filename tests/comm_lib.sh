# Shared by tests/comm_*.sh: run flopmeter under Open MPI on loopback, as CI does (as root,
# 2 cores, ranks oversubscribed), and check a cluster profile with the hidden Catch2 test.
# Usage in a script: fm=$1 tests=$2 mpirun=$3; . comm_lib.sh
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under -DFLOPMETER_SANITIZE=ON: Open MPI's own components leak at MPI_Finalize (LeakSanitizer
# names libmpi and dlopened MCA modules, not flopmeter); address and UB checks stay on.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# mpi NRANKS [mpirun options...] -- flopmeter arguments...
mpi() {
  local n=$1; shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  timeout 170 "$mpirun" -np "$n" --oversubscribe "${opts[@]}" "$fm" "$@"
}

# check_profile FILE RANKS NODES [MIN_R2]: the hidden Catch2 test reads the file.
check_profile() {
  # A sanitizer build (FLOPMETER_COMM_TEST_NO_R2, set by comm/sources.cmake) times instrumented
  # copies: its R^2 says nothing about the fit, so only the functional checks run there.
  local r2=${4:-}
  [ -n "${FLOPMETER_COMM_TEST_NO_R2:-}" ] && r2=
  FLOPMETER_COMM_PROFILE=$1 FLOPMETER_COMM_RANKS=$2 FLOPMETER_COMM_NODES=$3 FLOPMETER_COMM_MIN_R2=$r2 \
    "$tests" "[.comm-profile]" >"$dir/check.log" 2>&1
}

# The failed checks of the last check_profile, on one line each.
failures() { grep -A5 FAILED "$dir/check.log" | grep -E "CHECK|REQUIRE|with expansion|^  [^ ]" | head -12 | tr -s ' ' | tr '\n' ' '; }
