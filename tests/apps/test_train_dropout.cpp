// train --dropout: the CNN's and ResNet-18's dropout variants (docs/method.md §4) through the
// CLI on a tiny synthetic image folder (hand-written BMPs, no download): the option's errors,
// the manifest key only when set, a bit-identical rerun, a bit-identical interrupted-and-resumed
// run, and the commands that rebuild the model from the manifest.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "apps/report/published.h"
#include "apps/run/run_dir.h"
#include "apps/run/run_model.h"
#include "apps/run/train_config.h"
#include "apps/run/trainer.h"
#include "autograd/grad_mode.h"
#include "nn/dropout.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void put_u32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A 24-bit uncompressed BMP of side x side pixels (rows bottom-up, BGR, rows padded to 4 bytes).
void write_bmp(const fs::path& p, int side, const std::vector<uint8_t>& rgb) {
  const int row = (side * 3 + 3) / 4 * 4;
  std::vector<uint8_t> b(54 + static_cast<size_t>(row) * side, 0);
  b[0] = 'B';
  b[1] = 'M';
  put_u32(b, 2, static_cast<uint32_t>(b.size()));
  put_u32(b, 10, 54);
  put_u32(b, 14, 40);
  put_u32(b, 18, static_cast<uint32_t>(side));
  put_u32(b, 22, static_cast<uint32_t>(side));
  b[26] = 1;   // planes
  b[28] = 24;  // bits per pixel
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x)
      for (int c = 0; c < 3; ++c)
        b[54 + static_cast<size_t>(side - 1 - y) * row + x * 3 + (2 - c)] =
            rgb[(static_cast<size_t>(y) * side + x) * 3 + c];
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
}

// root/<class>/<i>.bmp: 4 classes of 10 16x16 RGB images, each class a brightness band with
// seeded noise (learnable, not trivially separable by one pixel).
fs::path make_folder(const fs::path& root) {
  Rng rng(3);
  for (int k = 0; k < 4; ++k) {
    const fs::path dir = root / ("class" + std::to_string(k));
    fs::create_directories(dir);
    for (int i = 0; i < 10; ++i) {
      std::vector<uint8_t> rgb(16 * 16 * 3);
      for (size_t j = 0; j < rgb.size(); ++j)
        rgb[j] = static_cast<uint8_t>(40 * k + rng.randint(100) + (j % 3 == 0 ? 20 : 0));
      write_bmp(dir / (std::to_string(i) + ".bmp"), 16, rgb);
    }
  }
  return root;
}

std::vector<std::string> train_args(const fs::path& data, const fs::path& out,
                                    const std::string& model, const std::string& dropout) {
  std::vector<std::string> a = {"train",
                                "--dataset",
                                "folder:" + data.string(),
                                "--model",
                                model,
                                "--corrupt",
                                "0.5",
                                "--max-epochs",
                                "3",
                                "--threads",
                                "1",
                                "--batch-size",
                                "8",
                                "--checkpoints",
                                "all",
                                "--keep-optim",
                                "all",
                                "--out",
                                out.string()};
  if (!dropout.empty()) {
    a.push_back("--dropout");
    a.push_back(dropout);
  }
  return a;
}

std::string sha(const fs::path& run, int epoch) {
  return mp::testing::file_sha256(RunDir::open(run).checkpoint_path(epoch));
}

}  // namespace

TEST_CASE("dropout option: validated, in the manifest only when set", "[apps][train]") {
  TrainConfig c;
  c.model = "cnn";
  c.dropout = 0.5;
  c.resolve_defaults();
  CHECK(c.to_json().at("dropout") == 0.5);
  CHECK(TrainConfig::from_json(c.to_json()).dropout == 0.5);
  TrainConfig none;
  none.model = "cnn";
  none.resolve_defaults();
  // A dropout-free config writes no key: older manifests and audits still match it.
  CHECK_FALSE(none.to_json().contains("dropout"));
  nlohmann::json old = none.to_json();
  CHECK(TrainConfig::from_json(old).dropout == 0.0);
  for (double bad : {-0.1, 1.0, 2.0}) {
    TrainConfig b;
    b.model = "cnn";
    b.dropout = bad;
    INFO("--dropout " << bad);
    CHECK_THROWS_WITH(b.resolve_defaults(), Catch::Contains("--dropout must be in [0, 1)"));
  }
  TrainConfig mlp;
  mlp.dropout = 0.3;
  CHECK_THROWS_WITH(mlp.resolve_defaults(), Catch::Contains("--dropout: the mlp has no dropout"));
}

TEST_CASE("train --dropout: bad values are one error line naming the flag", "[apps][train]") {
  TempDir tmp;
  const fs::path data = make_folder(tmp / "data");
  for (const std::string bad : {"1", "-0.2", "1.5"}) {
    INFO("--dropout " << bad);
    const auto r = mp::testing::run_cli_capture(train_args(data, tmp / "r", "cnn", bad));
    CHECK(r.rc != 0);
    CHECK(mp::testing::one_error_line(r.err));
    CHECK(r.err.find("--dropout") != std::string::npos);
  }
  std::vector<std::string> mlp = train_args(data, tmp / "m", "mlp", "0.5");
  const auto r = mp::testing::run_cli_capture(mlp);
  CHECK(r.rc != 0);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK(r.err.find("mlp has no dropout variant") != std::string::npos);
}

TEST_CASE(
    "train --dropout: the same command twice is bit-identical, and so is a run interrupted "
    "and resumed",
    "[apps][train]") {
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path data = make_folder(tmp / "data");
  for (const fs::path& out : {tmp / "a", tmp / "b"}) {
    const auto r = mp::testing::run_cli_capture(train_args(data, out, "cnn", "0.5"));
    INFO(r.err);
    REQUIRE(r.rc == 0);
  }
  for (int e = 0; e <= 3; ++e) CHECK(sha(tmp / "a", e) == sha(tmp / "b", e));
  const Manifest m = RunDir::open(tmp / "a").read_manifest();
  CHECK(m.config_num("dropout", 0) == 0.5);
  // The report lists it among the settings that differ from the paper's.
  bool listed = false;
  for (const std::string& d : paper_setting_deviations(m)) listed |= d.find("dropout 0.5") == 0;
  CHECK(listed);

  // Dropout changes training: the plain model's epoch-3 weights differ (its epoch-0 weights
  // are the same tensors; only the checkpoint metadata names the dropout).
  const auto plain = mp::testing::run_cli_capture(train_args(data, tmp / "plain", "cnn", ""));
  REQUIRE(plain.rc == 0);
  const Manifest mplain = RunDir::open(tmp / "plain").read_manifest();
  CHECK_FALSE(mplain.json().at("config").contains("dropout"));
  for (const std::string& d : paper_setting_deviations(mplain))
    CHECK(d.find("dropout") == std::string::npos);
  {
    OpenedRun pa = open_run(tmp / "plain", "0"), da = open_run(tmp / "a", "0");
    const nn::NamedTensors sp = pa.model->state_dict(), sd = da.model->state_dict();
    REQUIRE(sp.size() == sd.size());
    for (size_t i = 0; i < sp.size(); ++i)
      CHECK(sp[i].second.to_vector() == sd[i].second.to_vector());
    OpenedRun p3 = open_run(tmp / "plain", "3"), d3 = open_run(tmp / "a", "3");
    CHECK(p3.model->state_dict()[0].second.to_vector() !=
          d3.model->state_dict()[0].second.to_vector());
    // Rebuilt from the manifest with its dropout layers (three after fc1..fc3 of the CNN).
    CHECK(nn::reseed_dropout(*d3.model, 1) == 3);
    CHECK(nn::reseed_dropout(*p3.model, 1) == 0);
  }

  // Interrupted after epoch 1 (epochs 2 and 3 lost) and resumed: every later checkpoint equals
  // the uninterrupted run's, so the masks of epochs 2 and 3 were drawn again exactly.
  const RunDir b = RunDir::open(tmp / "b");
  for (int e : {2, 3}) {
    fs::remove(b.checkpoint_path(e));
    fs::remove(b.optim_path(e));
  }
  {
    RunDir d = RunDir::open(tmp / "b");
    Manifest mb = d.read_manifest();
    mb.json()["status"] = "interrupted";
    d.write_manifest(mb);
  }
  std::vector<std::string> resume = train_args(data, tmp / "b", "cnn", "0.5");
  resume.push_back("--resume");
  const auto r = mp::testing::run_cli_capture(resume);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  for (int e : {2, 3}) CHECK(sha(tmp / "b", e) == sha(tmp / "a", e));
  // A resume with another rate is refused as another configuration.
  std::vector<std::string> other = train_args(data, tmp / "a", "cnn", "0.25");
  other.push_back("--resume");
  const auto o = mp::testing::run_cli_capture(other);
  CHECK(o.rc != 0);
  CHECK(o.err.find("dropout") != std::string::npos);
}

TEST_CASE("a resnet18 dropout run is probed, evaluated and edited from its manifest",
          "[apps][train]") {
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  const fs::path data = make_folder(tmp / "data");
  std::vector<std::string> args = train_args(data, tmp / "r", "resnet18", "0.5");
  args[8] = "1";  // --max-epochs 1
  const auto t = mp::testing::run_cli_capture(args);
  INFO(t.err);
  REQUIRE(t.rc == 0);
  const std::string run = (tmp / "r").string();
  const auto p = mp::testing::run_cli_capture(
      {"probe", "--run", run, "--layers", "l0_2,pool", "--probes", "masc,linear"});
  INFO(p.err);
  CHECK(p.rc == 0);
  const std::string probes = mp::testing::read_text(tmp / "r" / "probes.csv");
  CHECK(probes.find(",l0_2,") != std::string::npos);
  CHECK(probes.find(",pool,") != std::string::npos);
  const auto e = mp::testing::run_cli_capture({"eval", "--run", run});
  CHECK(e.rc == 0);
  const auto x = mp::testing::run_cli_capture({"transfer", "--run", run});
  INFO(x.err);
  CHECK(x.rc == 0);
  // The rebuilt model has the dropout layer and is deterministic in evaluation.
  OpenedRun o = open_run(tmp / "r");
  CHECK(nn::reseed_dropout(*o.model, 9) == 1);
  o.model->eval();
  ag::NoGradGuard ng;
  const ag::Var in(mp::testing::uniform_tensor({2, 3, 16, 16}, 1));
  CHECK(o.model->forward(in).data().to_vector() == o.model->forward(in).data().to_vector());
}
