#include <catch2/catch.hpp>

#include <cstdio>
#include <map>

#include "data/tar_reader.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TarMember;
using mp::testing::TempDir;
using mp::testing::write_file;

namespace {

std::vector<TarMember> sample_members() {
  std::vector<uint8_t> big(1300);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31);
  return {
      {"package/", {}, '5', ""},
      {"package/a.txt", {'h', 'i'}, '0', ""},
      {"package/empty", {}, '0', ""},
      {"link", {}, '2', ""},
      {"big.bin", big, '0', "package/data"},  // name split into ustar prefix + name
      {"package/pad512", std::vector<uint8_t>(512, 7), '0', ""},
  };
}

std::map<std::string, std::vector<uint8_t>> read_all(const std::string& path) {
  std::map<std::string, std::vector<uint8_t>> got;
  data::read_tar(
      path, [](const data::TarEntry&) { return true; },
      [&](const data::TarEntry& e, std::vector<uint8_t>&& b) { got[e.name] = std::move(b); });
  return got;
}

}  // namespace

TEST_CASE("tar reader: regular files of a hand-built ustar archive, plain and gzip",
          "[data][tar]") {
  TempDir d;
  const std::vector<TarMember> ms = sample_members();
  const std::vector<uint8_t> tar = mp::testing::tar_bytes(ms);
  write_file(d / "a.tar", tar);
  write_file(d / "a.tgz", mp::testing::gzip_bytes(tar));
  for (const char* name : {"a.tar", "a.tgz"}) {
    const auto got = read_all((d / name).string());
    REQUIRE(got.size() == 4);  // directory and symlink skipped
    CHECK(got.at("package/a.txt") == std::vector<uint8_t>({'h', 'i'}));
    CHECK(got.at("package/empty").empty());
    CHECK(got.at("package/data/big.bin") == ms[4].data);
    CHECK(got.at("package/pad512") == ms[5].data);
  }
  const std::vector<data::TarEntry> list = data::list_tar((d / "a.tgz").string());
  REQUIRE(list.size() == 4);
  CHECK(list[2].name == "package/data/big.bin");
  CHECK(list[2].size == 1300);
}

TEST_CASE("tar reader: only wanted members are handed out", "[data][tar]") {
  TempDir d;
  write_file(d / "a.tar", mp::testing::tar_bytes(sample_members()));
  std::vector<std::string> seen;
  const int64_t files = data::read_tar(
      (d / "a.tar").string(), [](const data::TarEntry& e) { return e.name == "package/pad512"; },
      [&](const data::TarEntry& e, std::vector<uint8_t>&& b) {
        seen.push_back(e.name);
        CHECK(b.size() == 512);
      });
  CHECK(files == 4);
  CHECK(seen == std::vector<std::string>({"package/pad512"}));
}

TEST_CASE("tar reader: truncated archives and corrupt headers are errors", "[data][tar]") {
  TempDir d;
  const std::vector<uint8_t> tar = mp::testing::tar_bytes(sample_members());
  // Cut inside big.bin's data (header 4 starts at 512*3 + 512 for a.txt's data block).
  const size_t cut = 512 * 5 + 700;
  write_file(d / "cut.tar", std::vector<uint8_t>(tar.begin(), tar.begin() + cut));
  CHECK_THROWS_WITH(read_all((d / "cut.tar").string()),
                    Catch::Contains("truncated") && Catch::Contains("big.bin"));
  // Cut inside a header.
  write_file(d / "cuth.tar", std::vector<uint8_t>(tar.begin(), tar.begin() + 512 + 100));
  CHECK_THROWS_WITH(read_all((d / "cuth.tar").string()), Catch::Contains("inside header"));
  // Truncated gzip stream.
  const std::vector<uint8_t> gz = mp::testing::gzip_bytes(tar);
  write_file(d / "cut.tgz", std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size() / 2));
  CHECK_THROWS_AS(read_all((d / "cut.tgz").string()), mp::Error);
  // One flipped byte in a header name breaks its checksum.
  std::vector<uint8_t> bad = tar;
  bad[512 + 3] ^= 1;
  write_file(d / "bad.tar", bad);
  CHECK_THROWS_WITH(read_all((d / "bad.tar").string()), Catch::Contains("checksum"));
  // A size field that is not octal (checksum recomputed, so the size parser is what objects).
  std::vector<uint8_t> badsize = mp::testing::tar_bytes({{"x", {1}, '0', ""}});
  badsize[124] = '9';
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : badsize[i];
  std::snprintf(reinterpret_cast<char*>(&badsize[148]), 8, "%06o", sum);
  badsize[155] = ' ';
  write_file(d / "badsize.tar", badsize);
  CHECK_THROWS_WITH(read_all((d / "badsize.tar").string()), Catch::Contains("not octal"));
  CHECK_THROWS_WITH(read_all((d / "missing.tar").string()), Catch::Contains("missing.tar"));
}
