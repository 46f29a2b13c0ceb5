#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/io/atomic_file.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mp::testing::TempDir;

namespace {

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

// Names in `dir` that look like an AtomicWriter temp file.
std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 7 + 3);
  return v;
}

}  // namespace

TEST_CASE("write_file_atomic writes, replaces, and leaves no temp file", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "f.bin").string();
  mp::write_file_atomic(p, std::string("first version"));
  CHECK(mp::read_file_text(p) == "first version");
  std::vector<uint8_t> data = pattern(100000);
  mp::write_file_atomic(p, data.data(), data.size());
  CHECK(mp::testing::arrays_equal(mp::read_file_bytes(p), data));
  mp::write_file_atomic(p, nullptr, 0);
  CHECK(mp::read_file_bytes(p).empty());
  CHECK(temp_files(dir.path()).empty());
}

TEST_CASE("AtomicWriter streams, and the final name appears only at commit", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "stream.bin").string();
  mp::write_file_atomic(p, std::string("old"));
  {
    mp::AtomicWriter w(p);
    CHECK(w.temp_path() == p + ".tmp." + std::to_string(::getpid()));
    w.write("hello ", 6);
    w.write("world", 5);
    w.write_at(0, "J", 1);
    CHECK(w.bytes_written() == 11);
    CHECK_THROWS_AS(w.write_at(8, "xyzw", 4), mp::Error);  // past the written end
    CHECK(mp::read_file_text(p) == "old");                 // not yet visible
    CHECK(fs::exists(w.temp_path()));
    w.commit();
    CHECK_THROWS_AS(w.write("x", 1), mp::Error);
  }
  CHECK(mp::read_file_text(p) == "Jello world");
  CHECK(temp_files(dir.path()).empty());
}

TEST_CASE("AtomicWriter destroyed without commit removes the temp file", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "keep.txt").string();
  mp::write_file_atomic(p, std::string("precious"));
  {
    mp::AtomicWriter w(p);
    w.write("garbage", 7);
  }
  CHECK(mp::read_file_text(p) == "precious");
  CHECK(temp_files(dir.path()).empty());
  {
    mp::AtomicWriter w((dir / "never.txt").string());
    w.write("x", 1);
  }
  CHECK_FALSE(fs::exists(dir / "never.txt"));
}

TEST_CASE("a second AtomicWriter of the same path in one process is refused", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "twice.txt").string();
  {
    mp::AtomicWriter first(p);
    first.write("first", 5);
    // Sharing "<path>.tmp.<pid>" would delete the first writer's temp file: refuse instead.
    CHECK_THROWS_WITH(mp::AtomicWriter(p), Catch::Contains(p) && Catch::Contains("another writer"));
    CHECK(fs::exists(first.temp_path()));
    first.commit();
  }
  mp::write_file_atomic(p, std::string("second"));  // free again after commit
  CHECK(mp::read_file_text(p) == "second");
  { mp::AtomicWriter abandoned(p); }
  mp::write_file_atomic(p, std::string("third"));  // and after abandonment
  CHECK(mp::read_file_text(p) == "third");
}

TEST_CASE("AtomicWriter reports a missing directory with path and strerror", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "no" / "such" / "dir" / "f.bin").string();
  CHECK_THROWS_WITH(mp::write_file_atomic(p, std::string("x")),
                    Catch::Contains(p) && Catch::Contains("No such file or directory"));
  CHECK_THROWS_WITH(mp::AtomicWriter((dir.path().string() + "/")), Catch::Contains("directory"));
}

TEST_CASE("AtomicWriter failing mid-write keeps the old file (fault injection)", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "model.bin").string();
  mp::write_file_atomic(p, std::string("old model"));
  std::vector<uint8_t> data = pattern(5000);

  mp::AtomicFaultInjection full;
  full.write_errno = ENOSPC;
  full.write_after_bytes = 1000;
  {
    mp::AtomicWriter w(p, &full);
    w.write(data.data(), 600);  // below the fault point: fine
    CHECK_THROWS_WITH(w.write(data.data() + 600, 4400),
                      Catch::Contains(p) && Catch::Contains("No space left on device") &&
                          Catch::Contains("unchanged"));
    CHECK_FALSE(fs::exists(w.temp_path()));
    CHECK_THROWS_AS(w.commit(), mp::Error);  // a failed writer stays failed
  }
  CHECK(mp::read_file_text(p) == "old model");
  CHECK(temp_files(dir.path()).empty());

  for (int stage = 0; stage < 2; ++stage) {
    mp::AtomicFaultInjection f;
    (stage == 0 ? f.fsync_errno : f.rename_errno) = EIO;
    mp::AtomicWriter w(p, &f);
    w.write(data.data(), data.size());
    CHECK_THROWS_WITH(w.commit(), Catch::Contains(p) && Catch::Contains("Input/output error") &&
                                      Catch::Contains(stage == 0 ? "fsync" : "rename"));
    CHECK(mp::read_file_text(p) == "old model");
    CHECK(temp_files(dir.path()).empty());
  }
}

TEST_CASE("AtomicWriter failing mid-write for real (file size limit) keeps the old file",
          "[tensor][io]") {
  // RLIMIT_FSIZE makes the kernel fail write() with EFBIG part-way through, even for root, so
  // this exercises the genuine error path rather than the injected one.
  struct rlimit old_lim;
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_lim) == 0);
  if (old_lim.rlim_max != RLIM_INFINITY && old_lim.rlim_max < 8192) {
    WARN("RLIMIT_FSIZE hard limit too low to run this test");
    return;
  }
  TempDir dir;
  const std::string p = (dir / "big.bin").string();
  mp::write_file_atomic(p, std::string("old"));
  std::vector<uint8_t> data = pattern(64 * 1024);
  struct sigaction ignore = {}, old_sig;
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_sig) == 0);  // else the kernel kills us
  struct rlimit lim = old_lim;
  lim.rlim_cur = 8192;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  std::string error;
  try {
    mp::write_file_atomic(p, data.data(), data.size());
  } catch (const mp::Error& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old_lim);
  ::sigaction(SIGXFSZ, &old_sig, nullptr);
  CHECK_THAT(error, Catch::Contains(p) && Catch::Contains("File too large"));
  CHECK(mp::read_file_text(p) == "old");
  CHECK(temp_files(dir.path()).empty());
}

TEST_CASE("AtomicWriter in a read-only directory fails cleanly", "[tensor][io]") {
  TempDir dir;
  fs::path ro = dir / "ro";
  fs::create_directory(ro);
  const std::string p = (ro / "f.txt").string();
  mp::write_file_atomic(p, std::string("old"));
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                          fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  // Root ignores permission bits, so as root drop to an unprivileged effective uid for the
  // attempt (the directory is then not writable for "other"). Without CAP_SETUID: skip.
  bool dropped = false;
  if (::geteuid() == 0) {
    if (::seteuid(65534) != 0) {
      fs::permissions(ro, fs::perms::owner_all);
      WARN("running as root without CAP_SETUID: cannot test a read-only directory");
      return;
    }
    dropped = true;
  }
  std::string error;
  try {
    mp::write_file_atomic(p, std::string("new"));
  } catch (const mp::Error& e) {
    error = e.what();
  }
  if (dropped) REQUIRE(::seteuid(0) == 0);
  fs::permissions(ro, fs::perms::owner_all);
  CHECK_THAT(error, Catch::Contains(p) && Catch::Contains("Permission denied"));
  CHECK(mp::read_file_text(p) == "old");
  CHECK(temp_files(ro).empty());
}

TEST_CASE("read_file_bytes names the file on every error", "[tensor][io]") {
  TempDir dir;
  const std::string missing = (dir / "missing").string();
  CHECK_THROWS_WITH(mp::read_file_bytes(missing),
                    Catch::Contains(missing) && Catch::Contains("No such file"));
  CHECK_THROWS_WITH(mp::read_file_bytes(dir.path().string()),
                    Catch::Contains(dir.path().string()) && Catch::Contains("Is a directory"));
  mp::testing::write_file(dir / "empty", {});
  CHECK(mp::read_file_bytes((dir / "empty").string()).empty());
  mp::testing::write_file(dir / "abc", bytes_of("abc"));
  CHECK(mp::read_file_bytes((dir / "abc").string()) == bytes_of("abc"));
}
