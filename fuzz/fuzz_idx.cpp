// libFuzzer target: the IDX readers (MNIST / Fashion-MNIST) on arbitrary bytes, plain or gzip
// (the readers detect gzip by its magic, so the fuzzer reaches both paths from one input).
// Property: whatever parses re-encodes to exactly the bytes it came from (the format has no
// slack: header and body must account for every byte).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/idx_reader.h"
#include "tensor/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    try {
      bytes = mp::data::gunzip(bytes, "fuzz.gz");
    } catch (const mp::Error&) {
      return 0;
    }
  }
  try {
    std::vector<uint8_t> copy = bytes;
    mp::data::IdxImages im = mp::data::parse_idx_images(std::move(copy), "fuzz-images");
    if (im.pixels.size() != static_cast<size_t>(im.n) * im.rows * im.cols) __builtin_trap();
    if (mp::data::encode_idx_images(im.n, im.rows, im.cols, im.pixels.data()) != bytes)
      __builtin_trap();
  } catch (const mp::Error&) {
  }
  try {
    const std::vector<int32_t> labels = mp::data::parse_idx_labels(bytes, "fuzz-labels");
    if (mp::data::encode_idx_labels(labels) != bytes) __builtin_trap();
  } catch (const mp::Error&) {
  }
  return 0;
}
