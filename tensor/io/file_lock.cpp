#include "tensor/io/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "tensor/check.h"

namespace mp {

namespace {

std::string read_holder(int fd) {
  char buf[512];
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return "unknown holder (the lock file is empty)";
  std::string s(buf, size_t(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string lock_file(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::string describe_self() {
  char host[256] = "unknown";
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "unknown");
  host[sizeof(host) - 1] = '\0';
  std::time_t now = std::time(nullptr);
  char when[64];
  std::tm tm_utc;
  ::gmtime_r(&now, &tm_utc);
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm_utc);
  return "pid=" + std::to_string(::getpid()) + " host=" + host + " started=" + when + "\n";
}

}  // namespace

std::optional<FileLock> FileLock::try_acquire(const std::string& dir, std::string* holder_info,
                                              const std::string& name) {
  const std::string path = lock_file(dir, name);
  // The file is never deleted: unlinking a lock file lets two processes lock different inodes.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  MP_CHECK(fd >= 0, "cannot open lock file '" << path << "': " << std::strerror(errno));
  int rc;
  do rc = ::flock(fd, LOCK_EX | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    if (err == EWOULDBLOCK) {
      if (holder_info) *holder_info = read_holder(fd);
      ::close(fd);
      return std::nullopt;
    }
    ::close(fd);
    MP_FAIL("cannot lock '" << path << "': " << std::strerror(err));
  }
  // Who holds it is advisory information only, so a failure to write it is not fatal.
  std::string me = describe_self();
  if (::ftruncate(fd, 0) == 0) {
    ssize_t w = ::pwrite(fd, me.data(), me.size(), 0);
    (void)w;
  }
  return FileLock(fd, path);
}

std::optional<std::string> FileLock::holder(const std::string& dir, const std::string& name) {
  const std::string path = lock_file(dir, name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    MP_CHECK(err == ENOENT, "cannot open lock file '" << path << "': " << std::strerror(err));
    return std::nullopt;
  }
  // A shared lock conflicts only with a writer's exclusive one, so it answers "is it held".
  int rc;
  do rc = ::flock(fd, LOCK_SH | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  const int err = errno;
  std::optional<std::string> who;
  if (rc != 0 && err == EWOULDBLOCK) who = read_holder(fd);
  ::close(fd);  // drops our shared lock, if taken
  MP_CHECK(rc == 0 || err == EWOULDBLOCK,
           "cannot test the lock '" << path << "': " << std::strerror(err));
  return who;
}

FileLock::FileLock(FileLock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

FileLock& FileLock::operator=(FileLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  release();
}

void FileLock::release() {
  if (fd_ < 0) return;
  ::close(fd_);  // closing the last descriptor of the open file description drops the flock
  fd_ = -1;
}

}  // namespace mp
