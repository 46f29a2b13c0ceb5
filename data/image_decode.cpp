#include "data/image_decode.h"

#include <stb_image.h>

#include <climits>
#include <cstring>

#include "tensor/check.h"

namespace mp::data {

namespace {

int checked_len(const std::vector<uint8_t>& bytes, const std::string& what) {
  MP_CHECK(!bytes.empty(), what << ": empty file, not an image");
  MP_CHECK(bytes.size() <= static_cast<size_t>(INT_MAX),
           what << ": " << bytes.size() << " bytes is too large for the image decoder");
  return static_cast<int>(bytes.size());
}

}  // namespace

ImageHeader read_image_header(const std::vector<uint8_t>& bytes, const std::string& what) {
  const int len = checked_len(bytes, what);
  ImageHeader hdr;
  const int ok = stbi_info_from_memory(bytes.data(), len, &hdr.w, &hdr.h, &hdr.channels);
  MP_CHECK(ok, what << ": not a readable PNG/JPEG/BMP image (" << stbi_failure_reason() << ")");
  hdr.is_16bit = stbi_is_16_bit_from_memory(bytes.data(), len) != 0;
  return hdr;
}

DecodedImage decode_image(const std::vector<uint8_t>& bytes, int req_channels,
                          const std::string& what) {
  MP_CHECK(req_channels >= 0 && req_channels <= 4,
           "decode_image: req_channels must be 0..4, got " << req_channels);
  const int len = checked_len(bytes, what);
  DecodedImage img;
  stbi_uc* p =
      stbi_load_from_memory(bytes.data(), len, &img.w, &img.h, &img.channels, req_channels);
  MP_CHECK(p != nullptr, what << ": cannot decode image (" << stbi_failure_reason() << ")");
  if (req_channels != 0) img.channels = req_channels;
  const size_t n = static_cast<size_t>(img.w) * static_cast<size_t>(img.h) * img.channels;
  img.hwc.assign(p, p + n);
  stbi_image_free(p);
  return img;
}

void hwc_to_chw(const uint8_t* hwc, int h, int w, int c, uint8_t* chw) {
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t j = 0; j < plane; ++j)
    for (int ch = 0; ch < c; ++ch) chw[ch * plane + j] = hwc[j * c + ch];
}

}  // namespace mp::data
