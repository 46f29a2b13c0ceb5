#include <catch2/catch.hpp>

#include <filesystem>

#include "data/datasets.h"
#include "data/image_folder.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
using mp::testing::write_file;
namespace fs = std::filesystem;

namespace {

// A w x h PNG whose every pixel is (v, v+1, v+2) (RGB) or v (grey).
void put_png(const fs::path& p, int w, int h, int comp, int v) {
  fs::create_directories(p.parent_path());
  std::vector<uint8_t> hwc(static_cast<size_t>(w) * h * comp);
  for (size_t i = 0; i < hwc.size(); ++i) hwc[i] = static_cast<uint8_t>(v + int(i % size_t(comp)));
  write_file(p, mp::testing::png_bytes(w, h, comp, hwc));
}

}  // namespace

TEST_CASE("image folder: classes in sorted order, files in name order, presplit train/test",
          "[data][folder]") {
  TempDir d;
  put_png(d / "train/dog/b.png", 4, 3, 3, 20);
  put_png(d / "train/dog/a.PNG", 4, 3, 3, 10);
  put_png(d / "train/cat/x.png", 4, 3, 3, 30);
  put_png(d / "test/dog/t.png", 4, 3, 3, 40);
  write_file(d / "train/cat/notes.txt", {'h'});  // ignored
  const data::DatasetPair p = data::load_image_folder(d.path().string());
  CHECK(p.train.class_names == std::vector<std::string>({"cat", "dog"}));
  CHECK(p.train.num_classes == 2);
  CHECK(p.train.n == 3);
  CHECK(p.train.c == 3);
  CHECK(p.train.h == 3);
  CHECK(p.train.w == 4);
  CHECK(p.train.labels == std::vector<int32_t>({0, 1, 1}));
  // CHW: channel 0 plane of image 1 (dog/a.PNG) is all 10, channel 2 all 12.
  CHECK(p.train.image(1)[0] == 10);
  CHECK(p.train.image(1)[2 * 12 + 5] == 12);
  CHECK(p.train.image(2)[0] == 20);
  CHECK(p.test.n == 1);
  CHECK(p.test.labels == std::vector<int32_t>({1}));
  REQUIRE(p.files_sha256.size() == 1);
  CHECK_THAT(p.files_sha256[0].first, Catch::Contains("(4 files)"));
  // load_dataset routes folder:PATH here.
  const data::DatasetPair q = data::load_dataset("folder:" + d.path().string(), "/nonexistent");
  CHECK(q.train.pixels == p.train.pixels);
}

TEST_CASE("image folder: sizes are resized-or-rejected", "[data][folder]") {
  TempDir d;
  put_png(d / "a/1.png", 4, 4, 1, 50);
  put_png(d / "b/1.png", 8, 6, 1, 60);
  CHECK_THROWS_WITH(data::load_image_folder(d.path().string()),
                    Catch::Contains("8x6") && Catch::Contains("4x4") &&
                        Catch::Contains("resized-or-rejected") && Catch::Contains("--resize"));
  data::ImageFolderOptions opt;
  opt.resize_w = 2;
  opt.resize_h = 3;
  opt.test_fraction = 0.0;
  const data::DatasetPair p = data::load_image_folder(d.path().string(), opt);
  CHECK(p.train.n == 2);
  CHECK(p.train.c == 1);
  CHECK(p.train.h == 3);
  CHECK(p.train.w == 2);
  CHECK(p.train.pixels == std::vector<uint8_t>({50, 50, 50, 50, 50, 50, 60, 60, 60, 60, 60, 60}));
  CHECK(p.test.n == 0);
  CHECK(p.test.h == 3);  // an empty split keeps the geometry
}

TEST_CASE("image folder: nearest-neighbour resize picks floor((x + 0.5) * src / dst)",
          "[data][folder]") {
  // 1 channel 2x4 (h=2, w=4) -> 3x2.
  const std::vector<uint8_t> src = {0, 1, 2, 3, 10, 11, 12, 13};
  std::vector<uint8_t> dst(6);
  data::resize_nearest(src.data(), 1, 2, 4, dst.data(), 3, 2);
  // rows: floor((y+.5)*2/3) = 0, 1, 1; cols: floor((x+.5)*4/2) = 1, 3.
  CHECK(dst == std::vector<uint8_t>({1, 3, 11, 13, 11, 13}));
  int w = 0, h = 0;
  CHECK(data::parse_resize("32x24", w, h));
  CHECK(w == 32);
  CHECK(h == 24);
  CHECK_FALSE(data::parse_resize("32", w, h));
  CHECK_FALSE(data::parse_resize("0x4", w, h));
  CHECK_FALSE(data::parse_resize("ax4", w, h));
}

TEST_CASE("image folder: the first image's channel count is forced on the others",
          "[data][folder]") {
  TempDir d;
  put_png(d / "a/1.png", 2, 2, 1, 100);  // grey first -> 1-channel set
  put_png(d / "b/1.png", 2, 2, 3, 80);   // RGB converted to grey by stb
  data::ImageFolderOptions opt;
  opt.test_fraction = 0.0;
  const data::DatasetPair p = data::load_image_folder(d.path().string(), opt);
  CHECK(p.train.c == 1);
  CHECK(p.train.pixels.size() == 8);
  CHECK(p.train.image(0)[0] == 100);
  CHECK(p.train.image(1)[0] >= 80);
  CHECK(p.train.image(1)[0] <= 82);
}

TEST_CASE("image folder: seeded 80/20 split per class", "[data][folder]") {
  TempDir d;
  for (int k = 0; k < 10; ++k) put_png(d / "a" / (std::to_string(k) + ".png"), 1, 1, 1, k);
  for (int k = 0; k < 5; ++k) put_png(d / "b" / (std::to_string(k) + ".png"), 1, 1, 1, 100 + k);
  const data::DatasetPair p = data::load_image_folder(d.path().string());
  CHECK(p.train.n == 12);
  CHECK(p.test.n == 3);
  CHECK(data::class_counts(p.test.labels, 2) == std::vector<int64_t>({2, 1}));
  // Deterministic for a seed, different for another.
  CHECK(data::load_image_folder(d.path().string()).test.pixels == p.test.pixels);
  data::ImageFolderOptions other;
  other.split_seed = 7;
  const data::DatasetPair q = data::load_image_folder(d.path().string(), other);
  CHECK(q.test.n == 3);
  // Train and test never share an image.
  for (uint8_t v : p.test.pixels)
    CHECK(std::find(p.train.pixels.begin(), p.train.pixels.end(), v) == p.train.pixels.end());
}

TEST_CASE("image folder: a top-down BMP (negative height) loads at its true size, top row first",
          "[data][folder]") {
  // 2 x 2, 24-bit, height stored as -2 (rows top to bottom). stb's header reader reports the
  // stored -2; memprobe once sized the pixel buffer from it (fuzz_image_folder).
  auto le32 = [](std::vector<uint8_t>& b, int32_t v) {
    for (int i = 0; i < 4; ++i)
      b.push_back(static_cast<uint8_t>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff));
  };
  std::vector<uint8_t> bmp = {'B', 'M'};
  le32(bmp, 14 + 40 + 16);                   // file size
  le32(bmp, 0);                              // reserved
  le32(bmp, 14 + 40);                        // pixel data offset
  le32(bmp, 40);                             // BITMAPINFOHEADER
  le32(bmp, 2);                              // width
  le32(bmp, -2);                             // height: negative = top-down
  bmp.insert(bmp.end(), {1, 0, 24, 0});      // planes 1, 24 bits per pixel
  for (int i = 0; i < 6; ++i) le32(bmp, 0);  // no compression, sizes, resolution, palette
  // Rows of 2 BGR pixels padded to 8 bytes: top row red, white; bottom row green, black.
  bmp.insert(bmp.end(), {0, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0});
  TempDir d;
  fs::create_directories(d / "a");
  write_file(d / "a/top_down.bmp", bmp);
  data::ImageFolderOptions opt;
  opt.test_fraction = 0.0;
  const data::DatasetPair p = data::load_image_folder(d.path().string(), opt);
  REQUIRE(p.train.n == 1);
  CHECK(p.train.c == 3);
  CHECK(p.train.h == 2);
  CHECK(p.train.w == 2);
  // CHW: the red plane reads (255 255 / 0 0): red and white on top, green and black below.
  CHECK(std::vector<uint8_t>(p.train.pixels.begin(), p.train.pixels.begin() + 4) ==
        std::vector<uint8_t>{255, 255, 0, 0});
  CHECK(std::vector<uint8_t>(p.train.pixels.begin() + 4, p.train.pixels.begin() + 8) ==
        std::vector<uint8_t>{0, 255, 255, 0});
}

TEST_CASE("image folder: missing or empty directories are clear errors", "[data][folder]") {
  TempDir d;
  CHECK_THROWS_WITH(data::load_image_folder((d / "nope").string()),
                    Catch::Contains("nope") && Catch::Contains("missing"));
  CHECK_THROWS_WITH(data::load_image_folder(d.path().string()),
                    Catch::Contains("no class folders"));
  fs::create_directories(d / "empty_class");
  put_png(d / "full/1.png", 2, 2, 1, 1);
  CHECK_THROWS_WITH(data::load_image_folder(d.path().string()), Catch::Contains("empty_class"));
  TempDir e;
  put_png(e / "train/a/1.png", 2, 2, 1, 1);
  put_png(e / "test/zzz/1.png", 2, 2, 1, 1);
  CHECK_THROWS_WITH(data::load_image_folder(e.path().string()), Catch::Contains("zzz"));
  TempDir f;
  fs::create_directories(f / "a");
  write_file(f / "a/broken.png", {0x89, 'P', 'N', 'G', 1, 2});
  CHECK_THROWS_WITH(data::load_image_folder(f.path().string()), Catch::Contains("broken.png"));
}
