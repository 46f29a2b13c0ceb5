#pragma once
// Crash-safe file writing: data goes to "<path>.tmp.<pid>" in the same directory, is fsynced,
// renamed over the final name and the directory is fsynced. A reader therefore sees either the
// previous complete file or the new complete file, never a torn one, even after a power cut or a
// kill -9 mid-write. Every failure (ENOSPC, EROFS, EACCES, missing directory, ...) throws
// mp::Error naming the path and strerror, removes the temp file and leaves the old file intact.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/check.h"  // mp::Error, thrown by everything here

namespace mp {

// Test hook: makes the writer behave as if the OS had failed, so the clean-up paths can be
// exercised without a full disk. Zero errno fields mean "no fault".
struct AtomicFaultInjection {
  int write_errno = 0;           // fail a write() once this many bytes have been written ...
  size_t write_after_bytes = 0;  // ... (the bytes before are written for real)
  int fsync_errno = 0;           // fail the fsync of the temp file
  int rename_errno = 0;          // fail the rename over the final name
};

class AtomicWriter {
 public:
  // Creates the temp file; throws if the directory is missing or not writable.
  explicit AtomicWriter(const std::string& path, const AtomicFaultInjection* faults = nullptr);
  ~AtomicWriter();  // without commit(): removes the temp file, the final file is untouched
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(const void* data, size_t n);  // appends at the current end
  // Overwrites bytes already written (e.g. a header whose row count is known only at the end).
  void write_at(uint64_t offset, const void* data, size_t n);
  void commit();  // fsync, rename into place, fsync the directory; the writer is then closed

  uint64_t bytes_written() const { return size_; }
  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return tmp_; }

 private:
  [[noreturn]] void fail(const std::string& what, int err);  // abort() then throw
  void abort() noexcept;
  void write_fully(uint64_t offset, const uint8_t* p, size_t n);

  std::string path_, tmp_;
  int fd_ = -1;
  uint64_t size_ = 0;
  AtomicFaultInjection faults_;
};

// Whole-buffer convenience over AtomicWriter.
void write_file_atomic(const std::string& path, const void* data, size_t n);
void write_file_atomic(const std::string& path, const std::string& text);

// The whole file; throws mp::Error naming the path (missing, a directory, unreadable, I/O error).
std::vector<uint8_t> read_file_bytes(const std::string& path);
std::string read_file_text(const std::string& path);

}  // namespace mp
