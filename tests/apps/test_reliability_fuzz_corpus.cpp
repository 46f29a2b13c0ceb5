// Replays the seed corpora of the data-reader fuzzers (fuzz/corpus/fuzz_{idx,cifar_binary,
// png_sprite,json_labels,image_folder,manifest}) through the same readers in the ordinary test
// build (and so under the sanitizer build too): the valid seeds load with the expected
// geometry, the invalid ones are refused with an mp::Error naming the input - never a crash.
// Crash inputs found by fuzzing are added to these corpora and so become regression tests here.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "apps/run/manifest.h"
#include "apps/run/train_config.h"
#include "data/cifar_binary.h"
#include "data/cifar_png.h"
#include "data/idx_reader.h"
#include "data/image_folder.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::vector<uint8_t>> corpus(const std::string& target) {
  std::map<std::string, std::vector<uint8_t>> out;
  const fs::path dir = fs::path(MEMPROBE_SOURCE_DIR) / "fuzz" / "corpus" / target;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = mp::testing::read_file(e.path());
  return out;
}

// Runs `f`; returns "" on success, else the mp::Error message (anything else fails the test).
template <class F>
std::string outcome(F f) {
  try {
    f();
  } catch (const mp::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("fuzz corpus replay: IDX, plain and gzip", "[apps][reliability][fuzz]") {
  const std::set<std::string> valid_images = {"images_2x3x2", "images_empty", "images_gz"};
  const std::set<std::string> valid_labels = {"labels_3", "labels_gz", "labels_gz_two_members"};
  const auto seeds = corpus("fuzz_idx");
  REQUIRE(seeds.size() >= 10);
  for (const auto& [name, bytes] : seeds) {
    INFO(name);
    std::vector<uint8_t> content = bytes;
    std::string err;
    if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
      err = outcome([&] { content = data::gunzip(bytes, "seed:" + name); });
    if (!err.empty()) {
      CHECK_THAT(err, Catch::Contains("seed:" + name));
      CHECK((valid_images.count(name) + valid_labels.count(name)) == 0);
      continue;
    }
    data::IdxImages im;
    std::vector<int32_t> labels;
    const std::string ei = outcome(
        [&] { im = data::parse_idx_images(std::vector<uint8_t>(content), "seed:" + name); });
    const std::string el =
        outcome([&] { labels = data::parse_idx_labels(content, "seed:" + name); });
    if (ei.empty())
      CHECK(data::encode_idx_images(im.n, im.rows, im.cols, im.pixels.data()) == content);
    if (el.empty()) CHECK(data::encode_idx_labels(labels) == content);
    CHECK(ei.empty() == (valid_images.count(name) == 1));
    CHECK(el.empty() == (valid_labels.count(name) == 1));
    if (!ei.empty()) CHECK_THAT(ei, Catch::Contains("seed:" + name));
    if (!el.empty()) CHECK_THAT(el, Catch::Contains("seed:" + name));
  }
}

TEST_CASE("fuzz corpus replay: CIFAR-10 binary batches and PNG sprites",
          "[apps][reliability][fuzz]") {
  for (const auto& [name, bytes] : corpus("fuzz_cifar_binary")) {
    INFO(name);
    const bool valid = name == "one_record" || name == "two_records";
    data::ImageSet set;
    const std::string e =
        outcome([&, &b = bytes, &n = name] { set = data::parse_cifar_binary(b, "seed:" + n); });
    CHECK(e.empty() == valid);
    if (e.empty()) CHECK(data::encode_cifar_binary(set, 0, set.n) == bytes);
    if (!valid) CHECK_THAT(e, Catch::Contains("seed:" + name));
  }
  const auto sprites = corpus("fuzz_png_sprite");
  std::map<std::string, data::ImageSet> decoded;
  for (const auto& [name, bytes] : sprites) {
    INFO(name);
    const bool valid =
        name == "sprite_1_row" || name == "sprite_2_rows" || name == "sprite_empty_idat";
    const std::string e = outcome(
        [&, &b = bytes, &n = name] { decoded[n] = data::decode_cifar_png(b, "seed:" + n); });
    CHECK(e.empty() == valid);
    if (valid) CHECK(decoded[name].n == (name == "sprite_2_rows" ? 2 : 1));
    if (!valid) CHECK_THAT(e, Catch::Contains("seed:" + name));
  }
  // Regression (fuzz_png_sprite): a JPEG whose SOI follows 0xFF fill bytes, with an oversized
  // Huffman table, reached stb's table builder through the header probe.
  CHECK_THAT(outcome([&] { data::decode_cifar_png(sprites.at("crash_jpeg_fill_soi_dht"), "x"); }),
             Catch::Contains("corrupt JPEG (a Huffman table declares"));
  // Regression (fuzz_png_sprite): a zero-length IDAT whose CRC the end of the file cuts off
  // reached stb's memcpy into a null buffer (undefined behaviour); now a clean error.
  CHECK_THAT(outcome([&] { data::decode_cifar_png(sprites.at("crash_empty_idat_cut_crc"), "x"); }),
             Catch::StartsWith("x: "));
  // Regression (fuzz_png_sprite): an IDAT declaring 1.3 GB in a 72-byte file made stb allocate
  // 2 GB before noticing the bytes were missing.
  CHECK_THAT(
      outcome([&] { data::decode_cifar_png(sprites.at("crash_idat_length_beyond_file"), "x"); }),
      Catch::Contains("x: corrupt or truncated PNG (chunk 'IDAT' at byte 49 declares"));
  // Regression (fuzz_png_sprite): a zero-length IDAT chunk is legal and changes nothing.
  REQUIRE(decoded.count("sprite_empty_idat"));
  CHECK(decoded["sprite_empty_idat"].pixels == decoded["sprite_1_row"].pixels);
}

TEST_CASE("fuzz corpus replay: CIFAR-10 label JSON and run manifests",
          "[apps][reliability][fuzz]") {
  TempDir tmp;
  for (const auto& [name, bytes] : corpus("fuzz_json_labels")) {
    INFO(name);
    const fs::path p = tmp / name;
    mp::testing::write_file(p, bytes);
    std::vector<int32_t> labels;
    const std::string e =
        outcome([&, &path = p] { labels = data::read_label_json(path.string(), 10); });
    const bool valid = name == "valid" || name == "empty_array";
    CHECK(e.empty() == valid);
    if (name == "valid") CHECK(labels == std::vector<int32_t>{6, 9, 9, 4, 1, 1, 2, 7, 8, 3});
    if (!valid) CHECK_THAT(e, Catch::Contains(p.string()));
  }
  for (const auto& [name, bytes] : corpus("fuzz_manifest")) {
    INFO(name);
    const fs::path p = tmp / (name + ".json");
    mp::testing::write_file(p, bytes);
    app::Manifest m;
    const std::string e = outcome([&, &path = p] { m = app::Manifest::load(path.string()); });
    const bool loads = name != "wrong_type" && name != "checkpoint_without_file" &&
                       name != "not_object" && name != "crash_number_overflow";
    // Regression (fuzz_manifest): a number beyond double's range escaped as a JSON library
    // exception instead of an mp::Error naming the file.
    if (name == "crash_number_overflow") CHECK_THAT(e, Catch::Contains("not valid JSON"));
    CHECK(e.empty() == loads);
    if (!loads) {
      CHECK_THAT(e, Catch::Contains(p.string()));
      continue;
    }
    if (!m.json().contains("config")) continue;
    const std::string ce = outcome([&, &mm = m] {
      app::TrainConfig c = app::TrainConfig::from_json(mm.json().at("config"));
      c.resolve_defaults();
    });
    CHECK(ce.empty() == (name == "finished_run"));
    // A float where an integer belongs is refused, not converted (1e300 -> uint32 would be UB).
    if (name == "config_huge_seed") CHECK_THAT(ce, Catch::Contains("seed should be an integer"));
  }
}

TEST_CASE("fuzz corpus replay: image folders", "[apps][reliability][fuzz]") {
  static const char* const kExt[] = {"png", "jpg", "bmp", "jpeg"};
  for (const auto& [name, bytes] : corpus("fuzz_image_folder")) {
    INFO(name);
    REQUIRE(bytes.size() >= 3);
    const size_t n1 =
        std::min<size_t>(bytes.size() - 3, size_t(bytes[1]) | (size_t(bytes[2]) << 8));
    TempDir tmp;
    fs::create_directories(tmp / "a");
    fs::create_directories(tmp / "b");
    mp::testing::write_file(tmp / "a" / (std::string("0.") + kExt[(bytes[0] >> 1) & 3]),
                            std::vector<uint8_t>(bytes.begin() + 3, bytes.begin() + 3 + n1));
    mp::testing::write_file(tmp / "b" / (std::string("0.") + kExt[(bytes[0] >> 3) & 3]),
                            std::vector<uint8_t>(bytes.begin() + 3 + n1, bytes.end()));
    data::ImageFolderOptions opt;
    if (bytes[0] & 1) opt.resize_w = 5, opt.resize_h = 3;
    opt.test_fraction = 0.0;
    data::DatasetPair p;
    const std::string e = outcome([&] { p = data::load_image_folder(tmp.path().string(), opt); });
    const bool valid = name == "grey_png_pair" || name == "grey_then_rgb" ||
                       name == "size_mismatch_resized" || name == "bmp_pair" ||
                       name == "jpeg_resized";
    CHECK(e.empty() == valid);
    if (valid) {
      CHECK(p.train.n == 2);
      CHECK(p.train.labels == std::vector<int32_t>{0, 1});
      CHECK(p.train.c == (name == "bmp_pair" ? 3 : 1));
    }
    // Both hand-made JPEGs decode; only their sizes differ (8x8 and 16x8, no resize).
    if (name == "jpeg_pair") CHECK_THAT(e, Catch::Contains("is 16x8 but the first image"));
    if (name == "size_mismatch") CHECK_THAT(e, Catch::Contains("resized-or-rejected"));
    // Regression (fuzz_image_folder): a JPEG Huffman table of more than 256 codes overran
    // stb_image 2.27's tables; it is refused before stb sees it.
    // Regression (fuzz_image_folder, a timeout): a 160-byte BMP declaring 16187139x2 pixels.
    if (name == "timeout_huge_bmp") CHECK_THAT(e, Catch::Contains("16187139x2, more than"));
    // Regression (fuzz_image_folder, UBSan): a BMP that stb decodes to an image without rows;
    // resizing it indexed row -1.
    if (name == "crash_bmp_zero_rows") CHECK_THAT(e, Catch::Contains("pixels (empty)"));
    // Regression (fuzz_image_folder, std::length_error): a top-down BMP, whose height stb's
    // header reader returns negative, passed the pixel-count check as a negative count and sized
    // the pixel buffer from it; its decoded size (3 x 16777214) is now what is checked.
    if (name == "crash_bmp_negative_height")
      CHECK_THAT(e, Catch::Contains("3x16777214, more than"));
    if (name == "crash_jpeg_dht_overflow" || name == "crash_jpeg_dht_header_only")
      CHECK_THAT(e, Catch::Contains("corrupt JPEG (a Huffman table declares"));
    // Regression (fuzz_image_folder): a baseline scan decoding with AC table 0, which no DHT
    // defined, made stb read past the uninitialised table's maxcode[].
    if (name == "crash_jpeg_undefined_huffman_table")
      CHECK_THAT(e, Catch::Contains("corrupt JPEG (a scan uses Huffman table AC 0, which no DHT"));
  }
}
