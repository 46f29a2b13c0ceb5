#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/cifar_binary.h"
#include "data/datasets.h"
#include "data/idx_reader.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "tensor/io/sha256.h"
#include "test_util.h"

using namespace mp;
using mp::testing::TempDir;
using mp::testing::write_file;
namespace fs = std::filesystem;

namespace {

data::LoadOptions unpinned() {
  data::LoadOptions o;
  o.verify_sha256 = false;
  return o;
}

// A tiny MNIST-layout dataset: 6 train and 4 test images of 28x28; the label files gzipped.
void write_fake_mnist(const fs::path& dir, data::ImageSet& train, data::ImageSet& test) {
  fs::create_directories(dir);
  train = mp::testing::make_set(6, 1, 28, 28, 10, 1);
  test = mp::testing::make_set(4, 1, 28, 28, 10, 2);
  write_file(dir / "train-images-idx3-ubyte",
             data::encode_idx_images(6, 28, 28, train.pixels.data()));
  write_file(dir / "train-labels-idx1-ubyte.gz",
             mp::testing::gzip_bytes(data::encode_idx_labels(train.labels)));
  write_file(dir / "t10k-images-idx3-ubyte.gz",
             mp::testing::gzip_bytes(data::encode_idx_images(4, 28, 28, test.pixels.data())));
  write_file(dir / "t10k-labels-idx1-ubyte", data::encode_idx_labels(test.labels));
}

// Sets an environment variable for the scope, restoring the old value afterwards.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      had_ = true;
      old_ = old;
    }
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~EnvVar() {
    if (had_)
      setenv(name_.c_str(), old_.c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

}  // namespace

TEST_CASE("dataset table holds docs/data.md's geometry and pins", "[data][datasets]") {
  const data::DatasetInfo& m = data::dataset_info("mnist");
  CHECK(m.channels == 1);
  CHECK(m.height == 28);
  CHECK(m.n_train == 60000);
  CHECK(m.files.size() == 4);
  CHECK(m.files[0].sha256 == "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
  CHECK(m.npm_tarball_sha256 == "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed");
  const data::DatasetInfo& f = data::dataset_info("fashion-mnist");
  CHECK(f.files[3].sha256 == "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");
  CHECK(f.class_names[9] == "Ankle boot");
  const data::DatasetInfo& c = data::dataset_info("cifar10");
  CHECK(c.channels == 3);
  CHECK(c.width == 32);
  CHECK(c.n_train == 50000);
  CHECK(c.files[5].name == "test_batch.bin");
  CHECK(c.files[5].sha256 == "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b");
  CHECK(c.package_files.size() == 8);
  CHECK(c.class_names[0] == "airplane");
  CHECK_THROWS_WITH(data::dataset_info("mnsit"), Catch::Contains("known: mnist"));
}

TEST_CASE("default_data_dir follows MEMPROBE_DATA, then XDG_CACHE_HOME, then HOME",
          "[data][datasets]") {
  {
    EnvVar a("MEMPROBE_DATA", "/data/mp");
    CHECK(data::default_data_dir() == "/data/mp");
  }
  {
    EnvVar a("MEMPROBE_DATA", nullptr);
    EnvVar b("XDG_CACHE_HOME", "/xdg");
    CHECK(data::default_data_dir() == "/xdg/memprobe/datasets");
  }
  {
    EnvVar a("MEMPROBE_DATA", nullptr);
    EnvVar b("XDG_CACHE_HOME", nullptr);
    EnvVar c("HOME", "/home/u");
    CHECK(data::default_data_dir() == "/home/u/.cache/memprobe/datasets");
    CHECK(data::fetch_command("mnist", "/home/u/.cache/memprobe/datasets") ==
          "memprobe data fetch mnist");
    CHECK(data::fetch_command("cifar10", "/elsewhere") ==
          "memprobe data fetch cifar10 --data-dir /elsewhere");
  }
}

TEST_CASE("load_dataset reads the documented IDX layout, plain and .gz mixed", "[data][datasets]") {
  TempDir d;
  data::ImageSet train, test;
  write_fake_mnist(d / "mnist", train, test);
  const data::DatasetPair p = data::load_dataset("mnist", d.path().string(), unpinned());
  CHECK(p.name == "mnist");
  CHECK(p.train.pixels == train.pixels);
  CHECK(p.train.labels == train.labels);
  CHECK(p.test.pixels == test.pixels);
  CHECK(p.test.labels == test.labels);
  CHECK(p.train.class_names == data::dataset_info("mnist").class_names);
  REQUIRE(p.files_sha256.size() == 4);
  CHECK(p.files_sha256[1].first == "train-labels-idx1-ubyte.gz");
  // The recorded sha256 is that of the decompressed content.
  const std::vector<uint8_t> raw = data::encode_idx_labels(train.labels);
  CHECK(p.files_sha256[1].second == sha256_hex(raw.data(), raw.size()));
}

TEST_CASE("load_dataset refuses files whose sha256 is not the pinned one", "[data][datasets]") {
  TempDir d;
  data::ImageSet train, test;
  write_fake_mnist(d / "mnist", train, test);
  CHECK_THROWS_WITH(
      data::load_dataset("mnist", d.path().string()),
      Catch::Contains("train-images-idx3-ubyte") &&
          Catch::Contains("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db") &&
          Catch::Contains("memprobe data fetch mnist --data-dir"));
}

TEST_CASE("a missing dataset names the file and the fetch command", "[data][datasets]") {
  TempDir d;
  CHECK_THROWS_WITH(
      data::load_dataset("fashion-mnist", d.path().string()),
      Catch::Contains("'fashion-mnist' is missing") &&
          Catch::Contains("memprobe data fetch fashion-mnist --data-dir " + d.path().string()));
  data::ImageSet train, test;
  write_fake_mnist(d / "mnist", train, test);
  fs::remove(d / "t10k-labels-idx1-ubyte");
  fs::remove(d / "mnist" / "t10k-labels-idx1-ubyte");
  CHECK_THROWS_WITH(data::load_dataset("mnist", d.path().string(), unpinned()),
                    Catch::Contains("t10k-labels-idx1-ubyte[.gz] not found"));
  fs::create_directories(d / "cifar10");
  CHECK_THROWS_WITH(
      data::load_dataset("cifar10", d.path().string()),
      Catch::Contains("data_batch_1.png") && Catch::Contains("memprobe data fetch cifar10"));
  CHECK_THROWS_AS(data::load_dataset("imagenet", d.path().string()), mp::Error);
}

TEST_CASE("load_dataset reads CIFAR-10's binary form, and prefers it over PNG",
          "[data][datasets][cifar]") {
  TempDir d;
  const fs::path bin = data::cifar_binary_dir(d.path().string());
  fs::create_directories(bin);
  std::vector<data::ImageSet> parts;
  const char* names[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                          "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  for (int k = 0; k < 6; ++k) {
    parts.push_back(mp::testing::make_set(2, 3, 32, 32, 10, k));
    data::write_cifar_binary_batch((bin / names[k]).string(), parts.back(), 0, 2);
  }
  // A broken PNG form next to it is never touched.
  write_file(d / "cifar10" / "data_batch_1.png", {1, 2, 3});
  const data::DatasetPair p = data::load_dataset("cifar10", d.path().string(), unpinned());
  CHECK(p.train.n == 10);
  CHECK(p.test.n == 2);
  CHECK(std::equal(parts[2].pixels.begin(), parts[2].pixels.end(), p.train.image(4)));
  CHECK(p.test.pixels == parts[5].pixels);
  CHECK(p.train.labels[9] == parts[4].labels[1]);
  CHECK(p.files_sha256.size() == 6);
  // With pins on, the synthetic batch is refused by name.
  CHECK_THROWS_WITH(
      data::load_dataset("cifar10", d.path().string()),
      Catch::Contains("data_batch_1.bin") &&
          Catch::Contains("cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"));
}
