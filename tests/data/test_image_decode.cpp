// Real JPEGs (libjpeg via Pillow: baseline, progressive, 4:2:0 chroma subsampling, progressive
// greyscale) decode through data::decode_image to within JPEG's loss of the same image stored
// as PNG. They guard the pre-checks that run before stb_image (Huffman tables defined and of
// legal size, PNG chunk lengths) against refusing valid files.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "data/image_decode.h"
#include "test_util.h"

namespace {

const std::string kDir = std::string(MEMPROBE_SOURCE_DIR) + "/tests/data/images/";

mp::data::DecodedImage load(const std::string& name, int channels) {
  return mp::data::decode_image(mp::testing::read_file(kDir + name), channels, name);
}

double mean_abs_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  REQUIRE(a.size() == b.size());
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::abs(int(a[i]) - int(b[i]));
  return s / static_cast<double>(a.size());
}

}  // namespace

TEST_CASE("real baseline, progressive and subsampled JPEGs decode", "[data][image]") {
  const mp::data::DecodedImage png = load("gradient.png", 3);
  REQUIRE(png.w == 24);
  REQUIRE(png.h == 16);
  for (const char* name :
       {"gradient_baseline.jpg", "gradient_progressive.jpg", "gradient_420.jpg"}) {
    INFO(name);
    const mp::data::DecodedImage jpg = load(name, 3);
    CHECK(jpg.w == 24);
    CHECK(jpg.h == 16);
    CHECK(jpg.channels == 3);
    // Pillow measured 0.74 (4:4:4) and 1.16 (4:2:0) mean absolute error against the PNG; stb's
    // IDCT and upsampling differ slightly from libjpeg's, hence the margin.
    CHECK(mean_abs_diff(jpg.hwc, png.hwc) < 3.0);
  }
  const mp::data::DecodedImage grey = load("gradient_grey_progressive.jpg", 1);
  CHECK(grey.channels == 1);
  std::vector<uint8_t> green(png.hwc.size() / 3);
  for (size_t i = 0; i < green.size(); ++i) green[i] = png.hwc[3 * i + 1];
  CHECK(mean_abs_diff(grey.hwc, green) < 2.0);
}
