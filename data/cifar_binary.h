#pragma once
// CIFAR-10's and CIFAR-100's official binary forms.
//
// CIFAR-10's official binary form (cifar-10-batches-bin/): data_batch_1.bin ... data_batch_5.bin
// and test_batch.bin, each a run of 3073-byte records: 1 label byte, then the 32x32 image as
// 1024 R, 1024 G and 1024 B bytes (row-major) - which is exactly our CHW layout, so reading and
// writing are plain copies.
//
// CIFAR-100's (cifar-100-binary/: train.bin with 50000 records, test.bin with 10000) are 3074-byte
// records: the coarse label byte (20 superclasses), the fine label byte (100 classes), then the
// same 3072 pixel bytes. memprobe's cifar100 uses the fine labels.
#include <cstdint>
#include <string>
#include <vector>

#include "data/image_set.h"

namespace mp::data {

constexpr int kCifarSide = 32;
constexpr int64_t kCifarImageBytes = 3 * 32 * 32;
constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;
constexpr int64_t kCifarBatchImages = 10000;

// The 10 class names in label order (airplane ... truck).
const std::vector<std::string>& cifar10_class_names();

// One batch file; its size must be a positive multiple of 3073 bytes and every label < 10.
ImageSet read_cifar_binary_batch(const std::string& path);
// Several batch files joined in the given order (data_batch_1..5 for the training split).
ImageSet read_cifar_binary_batches(const std::vector<std::string>& paths);
// Parse records already in memory; `what` names the source in messages.
ImageSet parse_cifar_binary(const std::vector<uint8_t>& bytes, const std::string& what);

constexpr int64_t kCifar100RecordBytes = 2 + kCifarImageBytes;

// The 100 fine class names in label order (apple ... worm, as fine_label_names.txt lists them).
const std::vector<std::string>& cifar100_class_names();
// One CIFAR-100 file (train.bin or test.bin): size a positive multiple of 3074 bytes, coarse
// labels < 20, fine labels < 100; the set carries the fine labels.
ImageSet parse_cifar100_binary(const std::vector<uint8_t>& bytes, const std::string& what);
ImageSet read_cifar100_binary(const std::string& path);

// Records [begin, begin+count) of a 3x32x32 set, in the official byte layout.
std::vector<uint8_t> encode_cifar_binary(const ImageSet& set, int64_t begin, int64_t count);
// The same bytes written crash-safely (temp file + fsync + rename) to `path`.
void write_cifar_binary_batch(const std::string& path, const ImageSet& set, int64_t begin,
                              int64_t count);

}  // namespace mp::data
