#include "data/cifar_binary.h"

#include <cstring>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::data {

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return names;
}

ImageSet parse_cifar_binary(const std::vector<uint8_t>& bytes, const std::string& what) {
  const int64_t size = static_cast<int64_t>(bytes.size());
  MP_CHECK(
      size > 0 && size % kCifarRecordBytes == 0,
      what << ": " << size << " bytes is not a positive multiple of the " << kCifarRecordBytes
           << "-byte CIFAR-10 record (1 label + 3072 pixels)"
           << (size % kCifarRecordBytes ? "; the file is truncated or not a CIFAR batch" : ""));
  ImageSet s;
  s.n = size / kCifarRecordBytes;
  s.c = 3;
  s.h = s.w = kCifarSide;
  s.num_classes = 10;
  s.class_names = cifar10_class_names();
  s.pixels.resize(static_cast<size_t>(s.n * kCifarImageBytes));
  s.labels.resize(static_cast<size_t>(s.n));
  for (int64_t i = 0; i < s.n; ++i) {
    const uint8_t* rec = bytes.data() + i * kCifarRecordBytes;
    MP_CHECK(rec[0] < 10,
             what << ": record " << i << " has label " << int(rec[0]) << ", outside [0, 10)");
    s.labels[static_cast<size_t>(i)] = rec[0];
    std::memcpy(s.image(i), rec + 1, kCifarImageBytes);
  }
  return s;
}

ImageSet read_cifar_binary_batch(const std::string& path) {
  return parse_cifar_binary(read_file_bytes(path), path);
}

ImageSet read_cifar_binary_batches(const std::vector<std::string>& paths) {
  MP_CHECK(!paths.empty(), "read_cifar_binary_batches: no files given");
  ImageSet all;
  for (const std::string& p : paths) {
    ImageSet b = read_cifar_binary_batch(p);
    if (all.n == 0) {
      all = std::move(b);
      continue;
    }
    all.pixels.insert(all.pixels.end(), b.pixels.begin(), b.pixels.end());
    all.labels.insert(all.labels.end(), b.labels.begin(), b.labels.end());
    all.n += b.n;
  }
  return all;
}

std::vector<uint8_t> encode_cifar_binary(const ImageSet& set, int64_t begin, int64_t count) {
  MP_CHECK(set.c == 3 && set.h == kCifarSide && set.w == kCifarSide,
           "encode_cifar_binary: images are " << set.c << "x" << set.h << "x" << set.w
                                              << ", the CIFAR binary form needs 3x32x32");
  MP_CHECK(begin >= 0 && count >= 0 && begin + count <= set.n,
           "encode_cifar_binary: records [" << begin << ", " << begin + count
                                            << ") outside a set of " << set.n);
  std::vector<uint8_t> out(static_cast<size_t>(count * kCifarRecordBytes));
  for (int64_t i = 0; i < count; ++i) {
    const int32_t y = set.labels[static_cast<size_t>(begin + i)];
    MP_CHECK(y >= 0 && y <= 255, "encode_cifar_binary: label " << y << " does not fit a byte");
    uint8_t* rec = out.data() + i * kCifarRecordBytes;
    rec[0] = static_cast<uint8_t>(y);
    std::memcpy(rec + 1, set.image(begin + i), kCifarImageBytes);
  }
  return out;
}

void write_cifar_binary_batch(const std::string& path, const ImageSet& set, int64_t begin,
                              int64_t count) {
  const std::vector<uint8_t> bytes = encode_cifar_binary(set, begin, count);
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace mp::data
