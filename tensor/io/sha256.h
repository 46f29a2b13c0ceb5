#pragma once
// SHA-256 (FIPS 180-4), used to fingerprint datasets, checkpoints and run artefacts in manifests.
// Our own implementation so the project needs no crypto library; tested on the NIST vectors.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/check.h"  // mp::Error, thrown by everything here

namespace mp {

// Incremental hasher: update() any number of times, then hex_digest() once (64 lowercase hex
// characters). After hex_digest() the object is finished; further update() calls throw.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);

  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

std::string sha256_hex(const void* data, size_t n);
// Streams the file in 1 MiB chunks; throws mp::Error naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace mp
