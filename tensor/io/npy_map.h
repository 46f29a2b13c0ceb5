#pragma once
// A .npy file memory-mapped read-only, so an activation matrix of hundreds of megabytes (60,000 x
// 2,048 float32 is 470 MB) is used where it lies instead of being read into a second buffer: the
// kernel pages it in on demand and may drop clean pages under memory pressure. The header is
// parsed by parse_npy_header (tensor/io/npy.h), the same validation as load_npy.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tensor/io/npy.h"

namespace mp {

class MappedNpy {
 public:
  // Maps `path` and validates its header and size; throws mp::Error naming the file.
  explicit MappedNpy(const std::string& path);
  ~MappedNpy();
  MappedNpy(MappedNpy&& o) noexcept;
  MappedNpy& operator=(MappedNpy&& o) noexcept;
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;

  const std::string& path() const { return path_; }
  const NpyHeader& header() const { return header_; }
  const std::string& dtype() const { return header_.dtype; }
  const std::vector<int64_t>& shape() const { return header_.shape; }
  bool fortran_order() const { return header_.fortran_order; }
  // The first data byte; its alignment is whatever the header length makes it (numpy pads the
  // header to a multiple of 64 bytes, so numpy's files are 64-byte aligned).
  const uint8_t* data() const { return base_ + header_.data_offset; }
  size_t data_bytes() const { return header_.data_bytes; }

 private:
  void release() noexcept;

  std::string path_;
  NpyHeader header_;
  const uint8_t* base_ = nullptr;
  size_t map_bytes_ = 0;
};

}  // namespace mp
