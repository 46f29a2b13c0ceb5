#pragma once
// IDX files (the MNIST / Fashion-MNIST format): a big-endian header - two zero bytes, a type byte
// (0x08 = unsigned byte), the number of dimensions - then one uint32 extent per dimension and
// the data. Images are 0x00000803 [n, rows, cols], labels 0x00000801 [n]. The official
// downloads are the same files gzip-compressed; every reader here accepts both (detected by the
// gzip magic 1f 8b, not by the file name).
#include <cstdint>
#include <string>
#include <vector>

#include "data/image_set.h"

namespace mp::data {

// Whole file content, gunzipped when the file starts with 1f 8b (several concatenated gzip
// members are joined). Throws mp::Error naming the file if it is missing, unreadable, not valid
// gzip or truncated.
std::vector<uint8_t> read_maybe_gzip(const std::string& path);

// gunzip of an in-memory buffer (same rules); `what` names the source in error messages.
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& compressed, const std::string& what);

// Parse IDX content already in memory. The byte count must equal header + data exactly, so a
// truncated (or padded) file is an error, never a silently shorter dataset.
struct IdxImages {
  int64_t n = 0;
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // n*rows*cols
};
IdxImages parse_idx_images(std::vector<uint8_t>&& bytes, const std::string& what);
std::vector<int32_t> parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& what);

// Parsed images + labels of one split as a 1-channel ImageSet: counts must agree and labels
// must lie in [0, num_classes); class names "0".."K-1". The one assembly every IDX reader uses
// (read_idx_pair below and the dataset loader, data/datasets.cpp), so tests of one test both.
ImageSet idx_image_set(IdxImages&& images, std::vector<int32_t>&& labels,
                       const std::string& images_what, const std::string& labels_what,
                       int num_classes);

// Reads an images file and a labels file (plain or gzip) into idx_image_set().
ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path,
                       int num_classes);

// IDX encoders, used to write test fixtures and the decompressed copies of official files.
std::vector<uint8_t> encode_idx_images(int64_t n, int rows, int cols, const uint8_t* pixels);
std::vector<uint8_t> encode_idx_labels(const std::vector<int32_t>& labels);

}  // namespace mp::data
