#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "tensor/io/file_lock.h"
#include "test_util.h"

using Catch::Contains;
using mp::testing::TempDir;

TEST_CASE("FileLock excludes a second holder in the same process until release", "[tensor][io]") {
  TempDir dir;
  const std::string d = dir.path().string();
  std::string holder;
  std::optional<mp::FileLock> first = mp::FileLock::try_acquire(d, &holder);
  REQUIRE(first.has_value());
  CHECK(first->lock_path() == d + "/.lock");
  // A fresh open file description conflicts even within one process (flock semantics).
  std::optional<mp::FileLock> second = mp::FileLock::try_acquire(d, &holder);
  CHECK_FALSE(second.has_value());
  CHECK_THAT(holder, Contains("pid=" + std::to_string(::getpid())) && Contains("host=") &&
                         Contains("started="));
  CHECK_FALSE(mp::FileLock::try_acquire(d, nullptr).has_value());  // null info is allowed

  mp::FileLock moved = std::move(*first);  // moving keeps the lock held
  first.reset();
  CHECK_FALSE(mp::FileLock::try_acquire(d, nullptr).has_value());
  moved.release();
  moved.release();  // idempotent
  std::optional<mp::FileLock> third = mp::FileLock::try_acquire(d, &holder);
  CHECK(third.has_value());
}

TEST_CASE("FileLock is released when the holding process dies", "[tensor][io]") {
  TempDir dir;
  const std::string d = dir.path().string();
  const std::string lock = d + "/.lock";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Only async-signal-safe calls after fork: lock, write the holder line, signal, sleep.
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
    const char info[] = "pid=child host=test started=now\n";
    if (::write(fd, info, sizeof(info) - 1) < 0) ::_exit(1);
    if (::write(ready[1], "x", 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  ::close(ready[0]);
  std::string holder;
  CHECK_FALSE(mp::FileLock::try_acquire(d, &holder).has_value());
  CHECK(holder == "pid=child host=test started=now");
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  std::optional<mp::FileLock> mine = mp::FileLock::try_acquire(d, &holder);
  CHECK(mine.has_value());
}

TEST_CASE("FileLock on a missing directory throws naming the lock file", "[tensor][io]") {
  TempDir dir;
  const std::string d = (dir / "nope").string();
  CHECK_THROWS_WITH(mp::FileLock::try_acquire(d, nullptr),
                    Contains(d + "/.lock") && Contains("No such file"));
}

TEST_CASE("FileLock::holder names the holder without taking or creating the lock", "[tensor][io]") {
  TempDir dir;
  const std::string d = dir.path().string();
  CHECK_FALSE(mp::FileLock::holder(d).has_value());  // never locked: no lock file, none made
  CHECK_FALSE(std::filesystem::exists(dir / ".lock"));

  std::optional<mp::FileLock> lock = mp::FileLock::try_acquire(d, nullptr);
  REQUIRE(lock.has_value());
  const std::optional<std::string> who = mp::FileLock::holder(d);
  REQUIRE(who.has_value());
  CHECK_THAT(*who, Contains("pid=" + std::to_string(::getpid())) && Contains("host="));
  CHECK(mp::FileLock::holder(d) == who);  // looking twice leaves it held, by the same holder
  std::string refused;
  CHECK_FALSE(mp::FileLock::try_acquire(d, &refused).has_value());
  CHECK(refused == *who);

  lock->release();
  CHECK_FALSE(mp::FileLock::holder(d).has_value());  // released: a stale holder line is not held
  CHECK(mp::FileLock::try_acquire(d, nullptr).has_value());  // and the look took nothing
}

TEST_CASE("FileLock with a file name of its own is independent of the default lock",
          "[tensor][io]") {
  TempDir dir;
  const std::string d = dir.path().string();
  std::optional<mp::FileLock> main_lock = mp::FileLock::try_acquire(d, nullptr);
  REQUIRE(main_lock.has_value());
  std::optional<mp::FileLock> other = mp::FileLock::try_acquire(d, nullptr, ".other.lock");
  REQUIRE(other.has_value());
  CHECK(other->lock_path() == d + "/.other.lock");
  CHECK(mp::FileLock::holder(d, ".other.lock").has_value());
  CHECK_FALSE(mp::FileLock::try_acquire(d, nullptr, ".other.lock").has_value());
  other->release();
  CHECK_FALSE(mp::FileLock::holder(d, ".other.lock").has_value());
  CHECK(mp::FileLock::holder(d).has_value());  // the default lock is still held
}
