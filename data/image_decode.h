#pragma once
// Decoding of PNG / JPEG / BMP bytes through stb_image, behind a small interface so that only
// data/image_decode.cpp and data/stb_image_impl.cpp see stb's headers.
#include <cstdint>
#include <string>
#include <vector>

namespace mp::data {

struct ImageHeader {
  int w = 0, h = 0, channels = 0;  // channels as stored in the file (1 grey .. 4 RGBA)
  bool is_16bit = false;
};

// Header only (no pixel decode); throws mp::Error naming `what` when the bytes are not an image
// stb can read.
ImageHeader read_image_header(const std::vector<uint8_t>& bytes, const std::string& what);

struct DecodedImage {
  int w = 0, h = 0, channels = 0;
  std::vector<uint8_t> hwc;  // h*w*channels bytes, interleaved (stb's layout)
};

// Full decode to 8 bits per channel. req_channels = 0 keeps the file's channel count; 1..4 makes
// stb convert (e.g. RGB -> grey by its luma weights).
DecodedImage decode_image(const std::vector<uint8_t>& bytes, int req_channels,
                          const std::string& what);

// HWC (interleaved) -> CHW (planar) for one image.
void hwc_to_chw(const uint8_t* hwc, int h, int w, int c, uint8_t* chw);

}  // namespace mp::data
