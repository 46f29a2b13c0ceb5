// CIFAR-100's official binary form, the user-supplied tarball (md5 from RFC 1321 checked by
// fetch and verify), and Tiny ImageNet's folder layout; every file is small and synthetic.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "data/cifar_binary.h"
#include "data/datasets.h"
#include "data/fetch.h"
#include "data/image_folder.h"
#include "data/md5.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// write_file, creating the parent folders first.
void put(const fs::path& p, const std::vector<uint8_t>& bytes) {
  fs::create_directories(p.parent_path());
  mp::testing::write_file(p, bytes);
}

// n records: coarse label (i % 20), fine label (7 * i + salt) % 100, pixel j = (i + j + salt).
std::vector<uint8_t> cifar100_records(int n, int salt) {
  std::vector<uint8_t> b;
  for (int i = 0; i < n; ++i) {
    b.push_back(static_cast<uint8_t>(i % 20));
    b.push_back(static_cast<uint8_t>((7 * i + salt) % 100));
    for (int j = 0; j < 3072; ++j) b.push_back(static_cast<uint8_t>(i + j + salt));
  }
  return b;
}

std::vector<uint8_t> cifar100_tarball(const std::vector<uint8_t>& train,
                                      const std::vector<uint8_t>& test) {
  std::vector<mp::testing::TarMember> ms = {
      {"cifar-100-binary/coarse_label_names.txt", {'x', '\n'}, '0', ""},
      {"cifar-100-binary/train.bin", train, '0', ""},
      {"cifar-100-binary/test.bin", test, '0', ""}};
  return mp::testing::gzip_bytes(mp::testing::tar_bytes(ms));
}

std::string md5_of(const std::vector<uint8_t>& b) {
  return data::md5_hex(b.data(), b.size());
}

}  // namespace

TEST_CASE("md5: the RFC 1321 test suite and a file read in chunks", "[data][cifar100]") {
  auto md5s = [](const std::string& s) { return data::md5_hex(s.data(), s.size()); };
  CHECK(md5s("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5s("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(md5s("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5s("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(md5s("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(md5s("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(md5s("1234567890123456789012345678901234567890123456789012345678901234567890123456789"
             "0") == "57edf4a22be3c955ac49da2e2107b67a");
  TempDir d;
  std::vector<uint8_t> big(3u << 20);  // spans several 1 MiB reads and ends mid-block
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31 + (i >> 11));
  big.resize(big.size() - 13);
  put(d / "big", big);
  CHECK(data::md5_file((d / "big").string()) == md5_of(big));
  CHECK_THROWS_WITH(data::md5_file((d / "none").string()), Catch::Contains("none"));
}

TEST_CASE("CIFAR-100 binary: fine labels, CHW pixels, the 100 class names", "[data][cifar100]") {
  const std::vector<uint8_t> b = cifar100_records(3, 5);
  const data::ImageSet s = data::parse_cifar100_binary(b, "train.bin");
  REQUIRE(s.n == 3);
  CHECK(s.c == 3);
  CHECK(s.h == 32);
  CHECK(s.w == 32);
  CHECK(s.num_classes == 100);
  CHECK(s.labels == std::vector<int32_t>({5, 12, 19}));  // the fine byte, not the coarse one
  CHECK(s.image(2)[0] == 2 + 0 + 5);
  CHECK(s.image(2)[2047] == static_cast<uint8_t>(2 + 2047 + 5));  // a green-plane byte
  const std::vector<std::string>& names = data::cifar100_class_names();
  REQUIRE(names.size() == 100);
  CHECK(names.front() == "apple");
  CHECK(names[30] == "dolphin");
  CHECK(names.back() == "worm");
  CHECK(std::is_sorted(names.begin(), names.end()));  // the official list is alphabetical
  CHECK(s.class_names == names);
}

TEST_CASE("CIFAR-100 binary: wrong sizes and labels name the file", "[data][cifar100]") {
  TempDir d;
  std::vector<uint8_t> b = cifar100_records(2, 0);
  put(d / "cut.bin", std::vector<uint8_t>(b.begin(), b.end() - 1));
  CHECK_THROWS_WITH(data::read_cifar100_binary((d / "cut.bin").string()),
                    Catch::Contains("cut.bin") && Catch::Contains("3074-byte CIFAR-100 record") &&
                        Catch::Contains("truncated"));
  // A CIFAR-10 batch (3073-byte records) is not a CIFAR-100 file.
  put(d / "c10.bin", std::vector<uint8_t>(3 * 3073, 0));
  CHECK_THROWS_WITH(data::read_cifar100_binary((d / "c10.bin").string()),
                    Catch::Contains("c10.bin") && Catch::Contains("not a positive multiple"));
  std::vector<uint8_t> fine = b;
  fine[3074 + 1] = 100;
  CHECK_THROWS_WITH(data::parse_cifar100_binary(fine, "f.bin"),
                    Catch::Contains("f.bin: record 1 has fine label 100, outside [0, 100)"));
  std::vector<uint8_t> coarse = b;
  coarse[0] = 20;
  CHECK_THROWS_WITH(data::parse_cifar100_binary(coarse, "c.bin"),
                    Catch::Contains("record 0 has coarse label 20, outside [0, 20)"));
}

TEST_CASE("load_dataset cifar100 reads cifar-100-binary, or says where to put it",
          "[data][cifar100]") {
  TempDir d;
  const std::string dir = d.path().string();
  CHECK_THROWS_WITH(data::load_dataset("cifar100", dir),
                    Catch::Contains("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz") &&
                        Catch::Contains("03b5dce01913d631647c71ecec9e9cb8") &&
                        Catch::Contains((d / "cifar100" / "cifar-100-binary.tar.gz").string()));
  put(d / "cifar100" / "cifar-100-binary.tar.gz", {1, 2, 3});
  CHECK_THROWS_WITH(
      data::load_dataset("cifar100", dir),
      Catch::Contains("memprobe data fetch cifar100") && Catch::Contains("train.bin not found"));
  const std::vector<uint8_t> train = cifar100_records(4, 1), test = cifar100_records(2, 9);
  put(d / "cifar100" / "cifar-100-binary" / "train.bin", train);
  put(d / "cifar100" / "cifar-100-binary" / "test.bin", test);
  const data::DatasetPair p = data::load_dataset("cifar100", dir);
  CHECK(p.train.n == 4);
  CHECK(p.test.n == 2);
  CHECK(p.test.labels == std::vector<int32_t>({9, 16}));
  CHECK(p.train.num_classes == 100);
  REQUIRE(p.files_sha256.size() == 2);
  CHECK(p.files_sha256[0].first == "train.bin");
  CHECK(p.files_sha256[0].second == sha256_hex(train.data(), train.size()));
  CHECK(p.files_sha256[1].first == "test.bin");
  const data::DatasetInfo& info = data::dataset_info("cifar100");
  CHECK(info.num_classes == 100);
  CHECK(info.n_train == 50000);
  CHECK(info.tarball_md5 == "03b5dce01913d631647c71ecec9e9cb8");
}

TEST_CASE("fetch cifar100: the tarball's md5 decides, then train.bin and test.bin unpack",
          "[data][cifar100][fetch]") {
  TempDir d;
  const std::string dir = d.path().string();
  std::ostringstream log;
  CHECK_THROWS_WITH(data::fetch_dataset("cifar100", dir, log),
                    Catch::Contains("cannot download CIFAR-100") &&
                        Catch::Contains("03b5dce01913d631647c71ecec9e9cb8"));
  const std::vector<uint8_t> train = cifar100_records(3, 2), test = cifar100_records(1, 4);
  const std::vector<uint8_t> tgz = cifar100_tarball(train, test);
  const fs::path tgz_path = d / "cifar100" / "cifar-100-binary.tar.gz";
  put(tgz_path, tgz);
  // A synthetic tarball is not the official one: refused, nothing unpacked.
  CHECK_THROWS_WITH(data::fetch_dataset("cifar100", dir, log),
                    Catch::Contains("md5 mismatch for " + tgz_path.string()) &&
                        Catch::Contains("expected 03b5dce01913d631647c71ecec9e9cb8") &&
                        Catch::Contains("got " + md5_of(tgz)));
  CHECK_FALSE(fs::exists(d / "cifar100" / "cifar-100-binary" / "train.bin"));
  // With its own md5 as the expected one, the members are unpacked byte for byte.
  data::FetchOptions opt;
  opt.cifar100_md5 = md5_of(tgz);
  std::ostringstream log2;
  data::fetch_dataset("cifar100", dir, log2, opt);
  CHECK_THAT(log2.str(), Catch::Contains("verified; unpacking"));
  CHECK(mp::read_file_bytes((d / "cifar100" / "cifar-100-binary" / "train.bin").string()) == train);
  CHECK(mp::read_file_bytes((d / "cifar100" / "cifar-100-binary" / "test.bin").string()) == test);
  CHECK(data::load_dataset("cifar100", dir).train.n == 3);
  std::ostringstream log3;
  data::fetch_dataset("cifar100", dir, log3);  // idempotent: present, the tarball not re-read
  CHECK_THAT(log3.str(), Catch::Contains("nothing to do"));
}

TEST_CASE("fetch cifar100 refuses a member that is not CIFAR-100 records",
          "[data][cifar100][fetch]") {
  TempDir d;
  const std::vector<uint8_t> bad(3073, 0);  // a CIFAR-10 record
  const std::vector<uint8_t> tgz = cifar100_tarball(cifar100_records(1, 0), bad);
  put(d / "cifar100" / "cifar-100-binary.tar.gz", tgz);
  data::FetchOptions opt;
  opt.cifar100_md5 = md5_of(tgz);
  std::ostringstream log;
  CHECK_THROWS_WITH(data::fetch_dataset("cifar100", d.path().string(), log, opt),
                    Catch::Contains("cifar-100-binary/test.bin") &&
                        Catch::Contains("3074-byte CIFAR-100 record"));
  CHECK_FALSE(fs::exists(d / "cifar100" / "cifar-100-binary" / "test.bin"));
}

TEST_CASE("verify cifar100 needs the official tarball and unpacked files equal to it",
          "[data][cifar100][fetch]") {
  TempDir d;
  const std::string dir = d.path().string();
  put(d / "cifar100" / "cifar-100-binary" / "train.bin", cifar100_records(1, 0));
  put(d / "cifar100" / "cifar-100-binary" / "test.bin", cifar100_records(1, 0));
  std::ostringstream log;
  CHECK_FALSE(data::verify_dataset("cifar100", dir, log));
  CHECK_THAT(log.str(), Catch::Contains("missing   cifar-100-binary.tar.gz") &&
                            Catch::Contains("unchecked") && Catch::Contains("NOT OK"));
  const std::vector<uint8_t> tgz = cifar100_tarball(cifar100_records(1, 0), {});
  put(d / "cifar100" / "cifar-100-binary.tar.gz", tgz);
  std::ostringstream log2;
  CHECK_FALSE(data::verify_dataset("cifar100", dir, log2));
  CHECK_THAT(log2.str(), Catch::Contains("MISMATCH") &&
                             Catch::Contains("expected md5 03b5dce01913d631647c71ecec9e9cb8") &&
                             Catch::Contains("got " + md5_of(tgz)));
}

TEST_CASE("folder: Tiny ImageNet layout, train/<wnid>/images and val_annotations.txt",
          "[data][folder]") {
  TempDir d;
  auto jpg = [&](const fs::path& p, int v) {
    fs::create_directories(p.parent_path());
    put(p, mp::testing::jpg_bytes(8, 8, 3, std::vector<uint8_t>(8 * 8 * 3, uint8_t(v))));
  };
  for (const char* w : {"n02", "n01", "n03"}) {
    jpg(d / "train" / w / "images" / (std::string(w) + "_1.JPEG"), 40);
    jpg(d / "train" / w / "images" / (std::string(w) + "_0.JPEG"), 80);
    put(d / "train" / w / (std::string(w) + "_boxes.txt"), {'0'});
  }
  jpg(d / "val" / "images" / "val_0.JPEG", 10);
  jpg(d / "val" / "images" / "val_1.JPEG", 20);
  jpg(d / "val" / "images" / "val_2.JPEG", 30);
  const std::string ann =
      "val_0.JPEG\tn03\t0\t0\t7\t7\nval_1.JPEG\tn01\t1\t1\t6\t6\r\n"
      "val_2.JPEG\tn03\t2\t2\t5\t5\n";
  put(d / "val" / "val_annotations.txt", std::vector<uint8_t>(ann.begin(), ann.end()));
  jpg(d / "test" / "images" / "test_0.JPEG", 50);  // unlabelled: ignored
  CHECK(data::image_folder_class_count(d.path().string()) == 3);
  const data::DatasetPair p = data::load_image_folder(d.path().string());
  CHECK(p.train.class_names == std::vector<std::string>({"n01", "n02", "n03"}));
  CHECK(p.train.n == 6);
  CHECK(p.train.labels == std::vector<int32_t>({0, 0, 1, 1, 2, 2}));
  CHECK(p.train.h == 8);
  CHECK(p.train.c == 3);
  CHECK(p.test.n == 3);
  CHECK(p.test.labels == std::vector<int32_t>({0, 2, 2}));  // by class, then file name
  CHECK(std::abs(int(p.test.image(0)[0]) - 20) <= 3);       // val_1 (n01), JPEG-lossy
  // An annotation naming a class train/ lacks, and a listed file that is missing.
  const std::string bad = "val_0.JPEG\tn09\t0\t0\t7\t7\n";
  put(d / "val" / "val_annotations.txt", std::vector<uint8_t>(bad.begin(), bad.end()));
  CHECK_THROWS_WITH(data::load_image_folder(d.path().string()),
                    Catch::Contains("val_annotations.txt line 1") && Catch::Contains("'n09'"));
  const std::string gone = "val_9.JPEG\tn01\t0\t0\t7\t7\n";
  put(d / "val" / "val_annotations.txt", std::vector<uint8_t>(gone.begin(), gone.end()));
  CHECK_THROWS_WITH(data::load_image_folder(d.path().string()),
                    Catch::Contains("val_9.JPEG") && Catch::Contains("is missing"));
}
