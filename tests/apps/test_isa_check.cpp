// The start-up ISA check (startup/isa_check.cpp): a binary started on a CPU without an
// extension it was built for refuses with one clear line and exit status 1 instead of dying of
// SIGILL. No CPU here lacks anything, so the test fakes it with MEMPROBE_FAKE_CPU_LACKS (for
// tests only), which the check reads before main; it is set in this process only around each
// spawn (this process's own check ran long ago).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "tensor/build_isa.h"
#include "test_train_fixture.h"
#include "test_util.h"

using Catch::Contains;
using Catch::StartsWith;
using mp::testing::read_text;
using mp::testing::TempDir;

namespace {

struct Started {
  int rc = -1;
  std::string out, err;
};

// `memprobe info` with MEMPROBE_FAKE_CPU_LACKS = fake ("" = unset).
Started memprobe_info(const std::string& fake) {
  TempDir tmp;
  if (!fake.empty()) ::setenv("MEMPROBE_FAKE_CPU_LACKS", fake.c_str(), 1);
  const pid_t pid = mp::testing::spawn_memprobe({"info"}, tmp / "out", tmp / "err");
  ::unsetenv("MEMPROBE_FAKE_CPU_LACKS");
  Started s;
  s.rc = mp::testing::wait_child(pid);
  s.out = read_text(tmp / "out");
  s.err = read_text(tmp / "err");
  return s;
}

}  // namespace

TEST_CASE("a CPU without the build's extensions gets a clear refusal and no crash", "[apps]") {
  REQUIRE_FALSE(mp::testing::memprobe_binary().empty());
  const std::string isa = mp::build_isa();  // e.g. "sse sse2 ... avx512bw ..."; baseline: sse2
  REQUIRE_FALSE(isa.empty());
  const std::string last = isa.substr(isa.rfind(' ') + 1);

  const Started refused = memprobe_info(last);
  INFO(refused.err);
  CHECK(refused.rc == 1);      // an exit status: a crash would be 128 + SIGILL
  CHECK(refused.out.empty());  // nothing of the program ran
  CHECK(mp::testing::split_lines(refused.err).size() == 1);
  CHECK_THAT(refused.err, StartsWith("memprobe: this binary was built for x86-64 with "));
  CHECK_THAT(refused.err, Contains("; this CPU lacks " + last + ". Rebuild on this machine"));
  if (mp::build_march() == "native")
    CHECK_THAT(refused.err, Contains("Rebuild on this machine, or with -DMEMPROBE_NATIVE=OFF"));
  CHECK_THAT(refused.err, Contains("MEMPROBE_FAKE_CPU_LACKS is set"));

  // Two at once (comma-separated), named in the build's order.
  const std::string first = isa.substr(0, isa.find(' '));
  if (first != last) {
    const Started two = memprobe_info(last + "," + first);
    CHECK(two.rc == 1);
    CHECK_THAT(two.err, Contains("this CPU lacks " + first + ", " + last + "."));
  }

  // An extension the build does not use is not needed; without the fake the binary starts
  // and shows what it was built for.
  const Started unneeded = memprobe_info("not-an-extension");
  CHECK(unneeded.rc == 0);
  const Started normal = memprobe_info("");
  INFO(normal.err);
  CHECK(normal.rc == 0);
  CHECK_THAT(normal.out, Contains("build ISA: " + isa + " ("));
}
