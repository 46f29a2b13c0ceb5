#include "tensor/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

#include "tensor/check.h"

namespace mp {

namespace {

std::string parent_dir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Closes fd, retrying nothing: on Linux the descriptor is released even when close() fails.
int close_keep_errno(int fd) {
  int rc = ::close(fd);
  return rc == 0 ? 0 : errno;
}

// Temp names in use by this process. The temp name holds only the pid, so two writers of the
// same path in one process would share it; the second is refused instead of deleting the
// first one's file (which it would otherwise take for a crashed run's leftover).
std::mutex g_temps_mu;
std::set<std::string> g_temps;

bool claim_temp(const std::string& tmp) {
  std::lock_guard<std::mutex> lock(g_temps_mu);
  return g_temps.insert(tmp).second;
}

void release_temp(const std::string& tmp) {
  std::lock_guard<std::mutex> lock(g_temps_mu);
  g_temps.erase(tmp);
}

}  // namespace

AtomicWriter::AtomicWriter(const std::string& path, const AtomicFaultInjection* faults)
    : path_(path) {
  MP_CHECK(!path.empty(), "atomic write: empty path");
  MP_CHECK(path.back() != '/', "atomic write: '" << path << "' names a directory");
  if (faults) faults_ = *faults;
  tmp_ = path + ".tmp." + std::to_string(::getpid());
  MP_CHECK(claim_temp(tmp_), "cannot write '" << path_
                                              << "': another writer in this process is "
                                                 "already writing it");
  // O_EXCL: a leftover temp from a crashed run with a recycled pid is removed first, never
  // silently appended to.
  ::unlink(tmp_.c_str());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    int err = errno;
    release_temp(tmp_);
    MP_FAIL("cannot create '" << tmp_ << "' to write '" << path_ << "': " << std::strerror(err));
  }
}

AtomicWriter::~AtomicWriter() {
  abort();
}

void AtomicWriter::abort() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
  release_temp(tmp_);
}

void AtomicWriter::fail(const std::string& what, int err) {
  abort();
  MP_FAIL("cannot write '" << path_ << "' (" << what << "): " << std::strerror(err)
                           << "; the previous file, if any, is unchanged");
}

void AtomicWriter::write_fully(uint64_t offset, const uint8_t* p, size_t n) {
  while (n > 0) {
    size_t chunk = std::min<size_t>(n, size_t(1) << 30);
    if (faults_.write_errno && offset + chunk > faults_.write_after_bytes) {
      if (offset >= faults_.write_after_bytes) fail("write", faults_.write_errno);
      chunk = faults_.write_after_bytes - offset;  // write the part before the fault for real
    }
    ssize_t w = ::pwrite(fd_, p, chunk, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    if (w == 0) fail("write", EIO);
    p += w;
    n -= static_cast<size_t>(w);
    offset += static_cast<uint64_t>(w);
  }
}

void AtomicWriter::write(const void* data, size_t n) {
  MP_CHECK(fd_ >= 0, "write to '" << path_ << "' after commit or failure");
  write_fully(size_, static_cast<const uint8_t*>(data), n);
  size_ += n;
}

void AtomicWriter::write_at(uint64_t offset, const void* data, size_t n) {
  MP_CHECK(fd_ >= 0, "write to '" << path_ << "' after commit or failure");
  MP_CHECK(offset + n <= size_, "write_at [" << offset << ", " << offset + n << ") past the "
                                             << size_ << " bytes written to '" << path_ << "'");
  write_fully(offset, static_cast<const uint8_t*>(data), n);
}

void AtomicWriter::commit() {
  MP_CHECK(fd_ >= 0, "commit of '" << path_ << "' after commit or failure");
  // fsync before rename: otherwise a crash can leave the new name pointing at unwritten blocks.
  if (faults_.fsync_errno) fail("fsync", faults_.fsync_errno);
  if (::fsync(fd_) != 0) fail("fsync", errno);
  int fd = fd_;
  fd_ = -1;
  if (int err = close_keep_errno(fd)) {
    ::unlink(tmp_.c_str());
    release_temp(tmp_);
    MP_FAIL("cannot write '" << path_ << "' (close): " << std::strerror(err)
                             << "; the previous file, if any, is unchanged");
  }
  int rename_err = faults_.rename_errno;
  if (!rename_err && ::rename(tmp_.c_str(), path_.c_str()) != 0) rename_err = errno;
  if (rename_err) ::unlink(tmp_.c_str());
  release_temp(tmp_);
  if (rename_err) {
    MP_FAIL("cannot write '" << path_ << "' (rename): " << std::strerror(rename_err)
                             << "; the previous file, if any, is unchanged");
  }
  // fsync the directory so the rename itself survives a crash. Some filesystems refuse to fsync
  // a directory (EINVAL); the data is already safe then, so only real I/O errors are reported.
  std::string dir = parent_dir(path_);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    MP_CHECK(rc == 0 || err == EINVAL || err == EROFS,
             "wrote '" << path_ << "' but fsync of directory '" << dir
                       << "' failed: " << std::strerror(err));
  }
}

void write_file_atomic(const std::string& path, const void* data, size_t n) {
  AtomicWriter w(path);
  w.write(data, n);
  w.commit();
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  MP_CHECK(fd >= 0, "cannot open '" << path << "': " << std::strerror(errno));
  struct stat st;
  int err = ::fstat(fd, &st) != 0 ? errno : 0;
  if (err == 0 && S_ISDIR(st.st_mode)) err = EISDIR;
  if (err != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    MP_FAIL("cannot read '" << path << "': " << (err ? std::strerror(err) : "not a regular file"));
  }
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = ::read(fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      err = r < 0 ? errno : 0;
      ::close(fd);
      MP_FAIL("cannot read '" << path << "': "
                              << (err ? std::strerror(err) : "file shrank while being read"));
    }
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return out;
}

std::string read_file_text(const std::string& path) {
  std::vector<uint8_t> b = read_file_bytes(path);
  return std::string(b.begin(), b.end());
}

}  // namespace mp
