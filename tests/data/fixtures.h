#pragma once
// Builders for the small synthetic files the data tests read: gzip streams, PNGs (through
// stb_image_write, an encoder independent of the stb_image decoder under test), ustar archives
// assembled byte by byte, and image sets with a recognisable pixel pattern.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/image_set.h"

namespace mp::testing {

std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& raw, int level = 6);

// PNG of w x h pixels, `comp` interleaved 8-bit channels (1 grey, 3 RGB, 4 RGBA).
std::vector<uint8_t> png_bytes(int w, int h, int comp, const std::vector<uint8_t>& hwc);

// Baseline JPEG (quality 95) of the same pixels; lossy, so tests compare sizes and labels.
std::vector<uint8_t> jpg_bytes(int w, int h, int comp, const std::vector<uint8_t>& hwc);

struct TarMember {
  std::string name;
  std::vector<uint8_t> data;
  char type = '0';
  std::string prefix;  // ustar prefix field (name = prefix + "/" + name when set)
};
// A ustar archive with correct checksums, padded members and the two zero end blocks.
std::vector<uint8_t> tar_bytes(const std::vector<TarMember>& members);

// n images c x h x w with pixel value (7*i + 13*ch + 3*y + 5*x + salt) mod 256 and labels
// (i * 3 + salt) mod classes.
data::ImageSet make_set(int64_t n, int c, int h, int w, int classes = 10, int salt = 0);

}  // namespace mp::testing
