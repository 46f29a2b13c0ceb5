#include <catch2/catch.hpp>

#include "data/idx_reader.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
using mp::testing::write_file;

using mp::testing::error_of;

namespace {

struct IdxFiles {
  std::vector<uint8_t> images, labels;
  data::ImageSet set;
};

IdxFiles small_idx(int64_t n = 5, int rows = 3, int cols = 4) {
  IdxFiles f;
  f.set = mp::testing::make_set(n, 1, rows, cols);
  f.images = data::encode_idx_images(n, rows, cols, f.set.pixels.data());
  f.labels = data::encode_idx_labels(f.set.labels);
  return f;
}

}  // namespace

TEST_CASE("IDX encoder writes the big-endian header byte for byte", "[data][idx]") {
  const std::vector<uint8_t> px = {1, 2, 3, 4, 5, 6};
  const std::vector<uint8_t> im = data::encode_idx_images(1, 2, 3, px.data());
  const std::vector<uint8_t> head = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
  REQUIRE(im.size() == 22);
  CHECK(std::vector<uint8_t>(im.begin(), im.begin() + 16) == head);
  CHECK(std::vector<uint8_t>(im.begin() + 16, im.end()) == px);
  const std::vector<uint8_t> lb = data::encode_idx_labels({7, 0, 300 % 256});
  CHECK(lb == std::vector<uint8_t>({0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 44}));
}

TEST_CASE("read_idx_pair reads plain IDX files", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(5, 3, 4);
  write_file(d / "im", f.images);
  write_file(d / "lb", f.labels);
  const data::ImageSet s = data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10);
  CHECK(s.n == 5);
  CHECK(s.c == 1);
  CHECK(s.h == 3);
  CHECK(s.w == 4);
  CHECK(s.pixels == f.set.pixels);
  CHECK(s.labels == f.set.labels);
  CHECK(s.class_names.size() == 10);
  CHECK(s.class_names[3] == "3");
}

TEST_CASE("read_idx_pair reads gzip IDX files (detected by magic, not by name)", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(4, 5, 2);
  write_file(d / "images.bin", mp::testing::gzip_bytes(f.images));
  write_file(d / "labels.gz", mp::testing::gzip_bytes(f.labels));
  const data::ImageSet s =
      data::read_idx_pair((d / "images.bin").string(), (d / "labels.gz").string(), 10);
  CHECK(s.pixels == f.set.pixels);
  CHECK(s.labels == f.set.labels);
}

TEST_CASE("read_maybe_gzip joins concatenated gzip members", "[data][idx]") {
  TempDir d;
  const std::vector<uint8_t> a = {1, 2, 3}, b = {4, 5};
  std::vector<uint8_t> both = mp::testing::gzip_bytes(a);
  const std::vector<uint8_t> gb = mp::testing::gzip_bytes(b);
  both.insert(both.end(), gb.begin(), gb.end());
  write_file(d / "x", both);
  CHECK(data::read_maybe_gzip((d / "x").string()) == std::vector<uint8_t>({1, 2, 3, 4, 5}));
}

TEST_CASE("IDX: wrong magic is rejected with the magic in the message", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx();
  write_file(d / "im", f.images);
  write_file(d / "lb", f.labels);
  // Labels file given as images, and images as labels.
  std::string msg =
      error_of([&] { data::read_idx_pair((d / "lb").string(), (d / "im").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("IDX magic 0x801") && Catch::Contains("expected 0x803"));
  std::vector<uint8_t> bad = f.images;
  bad[2] = 0x0d;  // float data type
  write_file(d / "bad", bad);
  msg = error_of([&] { data::read_idx_pair((d / "bad").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("0xd03"));
}

TEST_CASE("IDX: a truncated plain file is an error, not a shorter dataset", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(5, 3, 4);
  std::vector<uint8_t> cut(f.images.begin(), f.images.end() - 1);
  write_file(d / "im", cut);
  write_file(d / "lb", f.labels);
  std::string msg =
      error_of([&] { data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("truncated") && Catch::Contains("5 images of 3x4"));
  // Header cut in the middle.
  write_file(d / "im", std::vector<uint8_t>(f.images.begin(), f.images.begin() + 10));
  msg = error_of([&] { data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("too short"));
  // Truncated labels.
  write_file(d / "im", f.images);
  write_file(d / "lb", std::vector<uint8_t>(f.labels.begin(), f.labels.end() - 2));
  msg = error_of([&] { data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("5 labels") && Catch::Contains("truncated"));
  // Extra bytes are refused too.
  std::vector<uint8_t> padded = f.images;
  padded.push_back(0);
  write_file(d / "im", padded);
  write_file(d / "lb", f.labels);
  CHECK_THROWS_AS(data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10), mp::Error);
}

TEST_CASE("IDX: a truncated gzip stream is detected", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(20, 8, 8);
  const std::vector<uint8_t> gz = mp::testing::gzip_bytes(f.images);
  write_file(d / "im.gz", std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() / 2));
  const std::string msg = error_of([&] { data::read_maybe_gzip((d / "im.gz").string()); });
  CHECK_THAT(msg, Catch::Contains("truncated") && Catch::Contains("im.gz"));
  // Lost only the 8-byte trailer (CRC + size): still truncated.
  write_file(d / "im.gz", std::vector<uint8_t>(gz.begin(), gz.end() - 8));
  CHECK_THROWS_WITH(data::read_maybe_gzip((d / "im.gz").string()), Catch::Contains("truncated"));
  // Corrupt deflate data.
  std::vector<uint8_t> bad = gz;
  for (size_t i = 12; i < 40 && i < bad.size(); ++i) bad[i] ^= 0x5a;
  write_file(d / "im.gz", bad);
  CHECK_THROWS_AS(data::read_maybe_gzip((d / "im.gz").string()), mp::Error);
}

TEST_CASE("IDX: image and label counts must agree", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(5);
  IdxFiles g = small_idx(4);
  write_file(d / "im", f.images);
  write_file(d / "lb", g.labels);
  const std::string msg =
      error_of([&] { data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("holds 5 images") && Catch::Contains("4 labels"));
}

TEST_CASE("IDX: a label outside 0..K-1 is rejected", "[data][idx]") {
  TempDir d;
  IdxFiles f = small_idx(5);
  write_file(d / "im", f.images);
  write_file(d / "lb", data::encode_idx_labels({0, 1, 2, 10, 4}));
  const std::string msg =
      error_of([&] { data::read_idx_pair((d / "im").string(), (d / "lb").string(), 10); });
  CHECK_THAT(msg, Catch::Contains("label 10 of item 3") && Catch::Contains("[0, 10)"));
  // The same file is fine with 11 classes.
  CHECK(data::read_idx_pair((d / "im").string(), (d / "lb").string(), 11).labels[3] == 10);
}

TEST_CASE("IDX: a missing file names the path", "[data][idx]") {
  TempDir d;
  CHECK_THROWS_WITH(data::read_maybe_gzip((d / "nope").string()), Catch::Contains("nope"));
  CHECK_THROWS_AS(data::read_maybe_gzip(d.path().string()), mp::Error);  // a directory
}

TEST_CASE("gzip: a forged length trailer is an error, not a huge allocation", "[data][idx]") {
  TempDir d;
  std::vector<uint8_t> gz = mp::testing::gzip_bytes({1, 2, 3, 4});
  gz[gz.size() - 1] = 0xff;  // ISIZE claims ~4 GB
  write_file(d / "x.gz", gz);
  CHECK_THROWS_WITH(data::read_maybe_gzip((d / "x.gz").string()),
                    Catch::Contains("x.gz") && Catch::Contains("corrupt gzip"));
  std::vector<uint8_t> trailing = mp::testing::gzip_bytes({1, 2, 3, 4});
  trailing.push_back(0);
  trailing.push_back(0);
  write_file(d / "y.gz", trailing);
  CHECK_THROWS_WITH(data::read_maybe_gzip((d / "y.gz").string()), Catch::Contains("garbage"));
}
