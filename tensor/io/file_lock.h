#pragma once
// An exclusive lock on a run directory, so two processes never write the same results. Uses
// flock(LOCK_EX | LOCK_NB) on "<dir>/<name>" (".lock" unless the caller names another file: a
// run has one lock for training and one for its analysis): the kernel drops the lock when the
// holder exits or is killed, so a crash never leaves a stale lock behind. The holder writes its
// pid, host name and start time into the file so a refused caller can say who holds it.
#include <optional>
#include <string>
#include <utility>

#include "tensor/check.h"  // mp::Error, thrown by everything here

namespace mp {

class FileLock {
 public:
  static constexpr const char* kDefaultName = ".lock";

  // Locks `dir` (which must exist). Returns nullopt if another open file description holds the
  // lock — another process, or this one via a different FileLock — and then fills *holder_info
  // (if non-null) with the holder's "pid=... host=... started=..." line. Throws mp::Error when
  // the lock file cannot be created.
  static std::optional<FileLock> try_acquire(const std::string& dir, std::string* holder_info,
                                             const std::string& name = kDefaultName);

  // Who holds the lock on `dir` right now, without taking it for more than an instant: the
  // holder's "pid=... host=... started=..." line, or nullopt when nobody does (or `dir` has no
  // lock file: it never had a writer). A read-only look for `memprobe status`; it neither creates
  // nor truncates the file. A writer that tries to lock in the same microseconds can be refused
  // once, with the usual "in use" message.
  static std::optional<std::string> holder(const std::string& dir,
                                           const std::string& name = kDefaultName);

  FileLock(FileLock&& o) noexcept;
  FileLock& operator=(FileLock&& o) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  void release();  // idempotent; the destructor calls it
  const std::string& lock_path() const { return path_; }

 private:
  FileLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace mp
