#pragma once
// Storage: one 64-byte-aligned float buffer shared by a tensor and all its views.
// Buffers come from a caching allocator (allocator.h), so a training step that allocates the
// same activation sizes every iteration reuses memory instead of page-faulting fresh pages.
#include <cstddef>
#include <memory>

namespace mp {

class Storage {
 public:
  explicit Storage(size_t numel);  // uninitialised
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t numel() const { return numel_; }

 private:
  float* data_;
  size_t numel_;
};

}  // namespace mp
