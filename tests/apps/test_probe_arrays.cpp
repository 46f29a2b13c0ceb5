// `memprobe probe-arrays`: probes.csv, JSON, predictions and the saved probe from .npy files; every
// bad input refused with one error line naming the file, and nothing written; and, on a real
// (small) MNIST run, the same probes.csv rows as `memprobe probe` on the activations that
// `memprobe activations` exported.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <sstream>

#include "apps/run/probe_results.h"
#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "probes/layer_probes.h"
#include "probes/probe_file.h"
#include "tensor/io/csv.h"
#include "tensor/io/npy.h"
#include "tensor/rng.h"
#include "test_train_fixture.h"
#include "test_util.h"

using mp::testing::CliResult;
using mp::testing::run_cli_capture;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// K classes, each a noisy non-negative cluster around its own direction (post-ReLU-like), with
// every fifth training label moved to the next class (the "corrupted" labels).
struct Arrays {
  int64_t n = 0, m = 0, d = 0;
  std::vector<float> train, test;
  std::vector<int32_t> y_true, y_corrupt, y_test;
};

Arrays make_arrays(int64_t n, int64_t m, int64_t d, int K, uint32_t seed) {
  mp::Rng rng(seed);
  std::vector<double> centre(static_cast<size_t>(K * d));
  for (double& c : centre) c = std::abs(rng.normal());
  Arrays a;
  a.n = n;
  a.m = m;
  a.d = d;
  auto fill = [&](int64_t rows, std::vector<float>& x, std::vector<int32_t>& y) {
    x.resize(static_cast<size_t>(rows * d));
    y.resize(static_cast<size_t>(rows));
    for (int64_t i = 0; i < rows; ++i) {
      const int c = static_cast<int>(rng.randint(static_cast<uint32_t>(K)));
      y[static_cast<size_t>(i)] = c;
      for (int64_t j = 0; j < d; ++j)
        x[static_cast<size_t>(i * d + j)] = static_cast<float>(
            std::max(0.0, centre[static_cast<size_t>(c * d + j)] + 0.7 * rng.normal()));
    }
  };
  fill(n, a.train, a.y_true);
  fill(m, a.test, a.y_test);
  a.y_corrupt = a.y_true;
  for (size_t i = 0; i < a.y_corrupt.size(); i += 5) a.y_corrupt[i] = (a.y_corrupt[i] + 1) % K;
  return a;
}

struct Files {
  std::string train, test, y_corrupt, y_true, y_test, out, json, probe, preds;
};

Files write_arrays(const TempDir& tmp, const Arrays& a) {
  Files f{(tmp / "train.npy").string(),   (tmp / "test.npy").string(),
          (tmp / "yc.npy").string(),      (tmp / "yt.npy").string(),
          (tmp / "ytest.npy").string(),   (tmp / "probes.csv").string(),
          (tmp / "probes.json").string(), (tmp / "probe.safetensors").string(),
          (tmp / "pred").string()};
  mp::save_npy_f32(f.train, a.train.data(), {a.n, a.d});
  mp::save_npy_f32(f.test, a.test.data(), {a.m, a.d});
  mp::save_npy_i32(f.y_corrupt, a.y_corrupt.data(), {a.n});
  mp::save_npy_i32(f.y_true, a.y_true.data(), {a.n});
  mp::save_npy_i32(f.y_test, a.y_test.data(), {a.m});
  return f;
}

std::vector<std::string> base_args(const Files& f) {
  return {"probe-arrays", "--train",        f.train,     "--test",
          f.test,         "--train-labels", f.y_corrupt, "--train-true-labels",
          f.y_true,       "--test-labels",  f.y_test,    "--out",
          f.out,          "--threads",      "2"};
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// rc 1, exactly one error line (after the header) naming `file` and containing `what`, and no
// output file written.
void check_refused(const CliResult& r, const Files& f, const std::string& file,
                   const std::string& what) {
  INFO(r.err);
  CHECK(r.rc == 1);
  CHECK(mp::testing::one_error_line(r.err));
  const std::vector<std::string> e = mp::testing::error_lines(r.err);
  REQUIRE(e.size() == 1);
  CHECK(e[0].rfind("memprobe probe-arrays: error: ", 0) == 0);
  CHECK(e[0].find(file) != std::string::npos);
  CHECK(e[0].find(what) != std::string::npos);
  for (const std::string& o : {f.out, f.json, f.probe, f.preds}) CHECK_FALSE(fs::exists(o));
}

}  // namespace

TEST_CASE("probe-arrays: probes.csv, JSON, predictions and the saved probe from npy files",
          "[apps][probe-arrays]") {
  TempDir tmp;
  const Arrays a = make_arrays(240, 90, 12, 4, 3);
  const Files f = write_arrays(tmp, a);
  const CliResult r = run_cli_capture(
      with(base_args(f), {"--json", f.json, "--save-probe", f.probe, "--predictions", f.preds,
                          "--layer", "penult", "--epoch", "7"}));
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.out.find("written to " + f.out) != std::string::npos);

  // probes.csv: the run directory's columns, one row per probe (MASC on both labellings).
  const mp::CsvTable t = mp::read_csv(f.out);
  CHECK(t.header == mp::app::probes_csv_header());
  REQUIRE(t.rows.size() == 5);
  std::map<std::string, size_t> row;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    CHECK(t.at(i, "epoch") == "7");
    CHECK(t.at(i, "layer") == "penult");
    CHECK(t.at(i, "best") == "1");  // the only layer
    row[t.at(i, "probe") + "/" + t.at(i, "subspace")] = i;
  }
  for (const char* k :
       {"masc/corrupted", "masc/true", "linear/corrupted", "ncm/corrupted", "logreg/corrupted"})
    CHECK(row.count(k) == 1);

  // The same numbers as probe_layer on the same data in memory (the one implementation).
  mp::probes::Matrix X(a.n, a.d), T(a.m, a.d);
  X.data = a.train;
  T.data = a.test;
  mp::probes::FittedProbes fitted;
  const auto direct =
      mp::probes::probe_layer("penult",
                              mp::probes::LayerViews{mp::probes::view_of(X), mp::probes::view_of(T),
                                                     &a.y_corrupt, &a.y_true, &a.y_test, 4},
                              mp::probes::ProbeSpec{}, &fitted);
  for (const auto& p : direct) {
    const size_t i = row.at(p.probe + "/" + p.subspace);
    CHECK(t.at(i, "test_acc") == mp::csv_number(p.test_acc));
    CHECK(t.at(i, "train_acc_corrupted") == mp::csv_number(p.train_acc_corrupted));
    CHECK(t.at(i, "train_acc_true") == mp::csv_number(p.train_acc_true));
    CHECK(t.at(i, "k_per_class") == mp::app::join_ints(p.k_per_class));
  }
  CHECK(t.number(row.at("linear/corrupted"), "test_acc") > 0.6);  // chance is 0.25

  // The saved probe is the fitted one, bit for bit, with its metadata.
  const mp::probes::SavedProbe s = mp::probes::load_probe_file(f.probe);
  CHECK(s.k == fitted.masc.at("corrupted").k);
  for (int c = 0; c < 4; ++c)
    CHECK(mp::testing::arrays_equal(s.basis[c], fitted.masc.at("corrupted").basis[c]));
  CHECK(mp::testing::arrays_equal(s.linear_weight, fitted.linear->W));
  CHECK(s.k_true == fitted.masc.at("true").k);
  CHECK(s.metadata.at("tau") == "0.98999999999999999");
  CHECK(s.metadata.at("rule") == "tau");
  CHECK(s.metadata.at("labels_sha256") == mp::testing::file_sha256(f.y_corrupt));
  CHECK(s.metadata.at("K") == "4");
  CHECK(s.metadata.at("d") == "12");
  CHECK(s.metadata.at("layer") == "penult");

  // Predictions: the linear probe's test predictions are argmax_c W_c . x of the saved W.
  const std::vector<int64_t> lin =
      mp::npy_to_i64(mp::load_npy((fs::path(f.preds) / "linear_corrupted_test.npy").string()));
  REQUIRE(static_cast<int64_t>(lin.size()) == a.m);
  for (int64_t i = 0; i < a.m; ++i) {
    int best = 0;
    double best_s = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < 4; ++c) {
      double sc = 0;
      for (int64_t j = 0; j < a.d; ++j)
        sc += s.linear_weight[static_cast<size_t>(c * a.d + j)] *
              static_cast<double>(a.test[static_cast<size_t>(i * a.d + j)]);
      if (sc > best_s) best_s = sc, best = c;
    }
    CHECK(lin[static_cast<size_t>(i)] == best);
  }
  for (const char* p :
       {"masc_true_train.npy", "ncm_corrupted_test.npy", "logreg_corrupted_train.npy"})
    CHECK(fs::exists(fs::path(f.preds) / p));

  // JSON: the same results, inputs named with the labels' sha256.
  const auto j = nlohmann::json::parse(mp::testing::read_text(f.json));
  CHECK(j["num_classes"] == 4);
  CHECK(j["train"]["rows"] == 240);
  CHECK(j["train"]["dtype"] == "<f4");
  CHECK(j["train_labels"]["sha256"] == mp::testing::file_sha256(f.y_corrupt));
  REQUIRE(j["results"].size() == 5);
  for (const auto& x : j["results"])
    if (x["probe"] == "linear")
      CHECK(x["test_acc"].get<double>() == t.number(row.at("linear/corrupted"), "test_acc"));
}

TEST_CASE("probe-arrays: float64 activations and text labels give the float32 results",
          "[apps][probe-arrays]") {
  TempDir tmp;
  const Arrays a = make_arrays(150, 60, 8, 3, 9);
  const Files f = write_arrays(tmp, a);
  REQUIRE(run_cli_capture(with(base_args(f), {"--probes", "masc,linear,ncm"})).rc == 0);
  // The same values exactly (float32 -> float64 is exact), labels as one-column CSV.
  std::vector<double> tr(a.train.begin(), a.train.end()), te(a.test.begin(), a.test.end());
  const std::string tr64 = (tmp / "train64.npy").string(), te64 = (tmp / "test64.npy").string();
  mp::save_npy_f64(tr64, tr.data(), {a.n, a.d});
  mp::save_npy_f64(te64, te.data(), {a.m, a.d});
  std::string text = "corrupted_label\n";
  for (int32_t y : a.y_corrupt) text += std::to_string(y) + "\n";
  mp::testing::write_text(tmp / "yc.csv", text);
  const std::string out2 = (tmp / "probes64.csv").string();
  const CliResult r =
      run_cli_capture({"probe-arrays", "--train", tr64, "--test", te64, "--train-labels",
                       (tmp / "yc.csv").string(), "--train-true-labels", f.y_true, "--test-labels",
                       f.y_test, "--out", out2, "--probes", "masc,linear,ncm"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.err.find("is float64, rounded once to float32") != std::string::npos);
  CHECK(mp::testing::read_text(out2) == mp::testing::read_text(f.out));
}

TEST_CASE("probe-arrays: an empty class is named in a warning and gets k = 0",
          "[apps][probe-arrays]") {
  TempDir tmp;
  Arrays a = make_arrays(120, 40, 6, 3, 21);
  for (auto* y : {&a.y_corrupt, &a.y_true, &a.y_test})
    for (int32_t& v : *y) v = v == 1 ? 3 : v;  // K = 4, class 1 never used
  const Files f = write_arrays(tmp, a);
  const CliResult r = run_cli_capture(with(base_args(f), {"--probes", "masc,linear"}));
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.err.find("warning: class 1 has no rows in the training labels " + f.y_corrupt) !=
        std::string::npos);
  CHECK(r.err.find("warning: class 1 has no rows in the true training labels " + f.y_true) !=
        std::string::npos);
  const mp::CsvTable t = mp::read_csv(f.out);
  for (size_t i = 0; i < t.rows.size(); ++i)
    if (t.at(i, "probe") == "masc") CHECK(t.at(i, "k_per_class").rfind(" 0 ") != std::string::npos);
  // --classes larger than the labels: the extra classes are empty too.
  const CliResult r5 = run_cli_capture(with(base_args(f), {"--probes", "masc", "--classes", "6"}));
  CHECK(r5.rc == 0);
  CHECK(r5.err.find("warning: classes 1, 4, 5 have no rows") != std::string::npos);
}

TEST_CASE("probe-arrays: without true labels train_acc_true is nan and --subspace true refused",
          "[apps][probe-arrays]") {
  TempDir tmp;
  const Arrays a = make_arrays(100, 30, 5, 3, 4);
  const Files f = write_arrays(tmp, a);
  std::vector<std::string> args = {
      "probe-arrays",  "--train", f.train, "--test", f.test,     "--train-labels", f.y_corrupt,
      "--test-labels", f.y_test,  "--out", f.out,    "--probes", "masc,linear"};
  const CliResult r = run_cli_capture(args);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  const mp::CsvTable t = mp::read_csv(f.out);
  REQUIRE(t.rows.size() == 2);  // MASC on the corrupted labels only
  for (size_t i = 0; i < t.rows.size(); ++i) {
    CHECK(t.at(i, "subspace") == "corrupted");
    CHECK(t.at(i, "train_acc_true") == "nan");
  }
  fs::remove(f.out);
  const CliResult u = run_cli_capture(with(args, {"--subspace", "corrupted,true"}));
  CHECK(u.rc == 2);
  CHECK(u.err.find("--subspace true needs the true training labels") != std::string::npos);
  CHECK_FALSE(fs::exists(f.out));
}

TEST_CASE("probe-arrays: each bad input is refused naming the file, and nothing is written",
          "[apps][probe-arrays]") {
  TempDir tmp;
  const Arrays a = make_arrays(50, 20, 6, 3, 8);
  const Files f = write_arrays(tmp, a);
  const auto args =
      with(base_args(f), {"--json", f.json, "--save-probe", f.probe, "--predictions", f.preds});
  const std::string bad = (tmp / "bad.npy").string();
  auto replace = [&args](const std::string& flag, const std::string& value) {
    std::vector<std::string> out = args;
    for (size_t i = 0; i + 1 < out.size(); ++i)
      if (out[i] == flag) out[i + 1] = value;
    return out;
  };

  SECTION("labels and activations of different lengths") {
    mp::save_npy_i32(bad, a.y_corrupt.data(), {a.n - 1});
    check_refused(run_cli_capture(replace("--train-labels", bad)), f, bad,
                  "holds 49 labels but the activations " + f.train + " have 50 rows");
  }
  SECTION("train and test of different width") {
    mp::save_npy_f32(bad, a.test.data(), {a.m * a.d / 4, 4});
    check_refused(run_cli_capture(replace("--test", bad)), f, bad,
                  "have d = 6 columns but the test activations");
  }
  SECTION("labels outside 0..K-1") {
    std::vector<int32_t> y = a.y_test;
    y[7] = 5;
    mp::save_npy_i32(bad, y.data(), {a.m});
    check_refused(run_cli_capture(with(replace("--test-labels", bad), {"--classes", "3"})), f, bad,
                  "1 of 20 labels are outside 0..2 (first: row 7 has label 5)");
    y[7] = -1;
    mp::save_npy_i32(bad, y.data(), {a.m});
    check_refused(run_cli_capture(replace("--test-labels", bad)), f, bad,
                  "outside 0..2 (first: row 7 has label -1)");
  }
  SECTION("NaN and Inf rows") {
    std::vector<float> x = a.train;
    x[13 * 6 + 2] = std::numeric_limits<float>::quiet_NaN();
    x[40 * 6 + 0] = std::numeric_limits<float>::infinity();
    mp::save_npy_f32(bad, x.data(), {a.n, a.d});
    check_refused(run_cli_capture(replace("--train", bad)), f, bad,
                  "2 of 50 rows contain NaN or Inf (first: row 13)");
  }
  SECTION("Fortran order") {
    mp::NpyArray fo;
    fo.dtype = "<f4";
    fo.shape = {a.m, a.d};
    fo.fortran_order = true;
    fo.bytes.resize(static_cast<size_t>(a.m * a.d) * 4);
    mp::save_npy(bad, fo);
    check_refused(run_cli_capture(replace("--test", bad)), f, bad, "Fortran (column-major)");
  }
  SECTION("unsupported dtype") {
    std::vector<int64_t> xi(static_cast<size_t>(a.n * a.d), 1);
    mp::save_npy_i64(bad, xi.data(), {a.n, a.d});
    check_refused(run_cli_capture(replace("--train", bad)), f, bad, "unsupported dtype '<i8'");
    std::vector<double> yf(static_cast<size_t>(a.n), 1.0);
    mp::save_npy_f64(bad, yf.data(), {a.n});
    check_refused(run_cli_capture(replace("--train-labels", bad)), f, bad,
                  "labels must be integers");
  }
  SECTION("an output directory that does not exist, before any work") {
    const std::string nowhere = (tmp / "no" / "probes.csv").string();
    const CliResult r = run_cli_capture(replace("--out", nowhere));
    CHECK(r.rc == 1);
    CHECK(r.err.find("--out " + nowhere + ": directory") != std::string::npos);
    for (const std::string& o : {f.json, f.probe, f.preds}) CHECK_FALSE(fs::exists(o));
  }
}

TEST_CASE("probe-arrays gives the numbers of probe on what the activations command exports",
          "[apps][probe-arrays][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  mp::app::TrainConfig cfg = mp::testing::small_config(data_root);
  cfg.max_epochs = 2;
  std::ostringstream log;
  mp::app::train_run(cfg, run, {}, log);
  const std::string layer = "fc3";
  for (const char* split : {"train", "test"}) {
    const CliResult e =
        run_cli_capture({"activations", "--run", run.string(), "--layer", layer, "--split", split,
                         "--out", (tmp / (std::string(split) + ".npy")).string()});
    INFO(e.err);
    REQUIRE(e.rc == 0);
  }
  // Labels as a user would export them: training labels from the run's labels.csv, test labels
  // from the dataset (the run's test subset).
  const mp::CsvTable lab = mp::read_csv((run / "labels.csv").string());
  std::vector<int32_t> yc, yt;
  for (size_t i = 0; i < lab.rows.size(); ++i) {
    yc.push_back(static_cast<int32_t>(lab.number(i, "corrupted_label")));
    yt.push_back(static_cast<int32_t>(lab.number(i, "true_label")));
  }
  mp::app::OpenedRun opened = mp::app::open_run(run);
  const std::vector<int32_t>& ytest = opened.data.test.labels;
  const int epoch = opened.epoch;
  mp::save_npy_i32((tmp / "yc.npy").string(), yc.data(), {static_cast<int64_t>(yc.size())});
  mp::save_npy_i32((tmp / "yt.npy").string(), yt.data(), {static_cast<int64_t>(yt.size())});
  mp::save_npy_i64((tmp / "ytest.npy").string(),
                   std::vector<int64_t>(ytest.begin(), ytest.end()).data(),
                   {static_cast<int64_t>(ytest.size())});

  const CliResult p =
      run_cli_capture({"probe", "--run", run.string(), "--layers", layer, "--threads", "2"});
  INFO(p.err);
  REQUIRE(p.rc == 0);
  const std::string out = (tmp / "arrays.csv").string();
  const CliResult q =
      run_cli_capture({"probe-arrays", "--train", (tmp / "train.npy").string(), "--test",
                       (tmp / "test.npy").string(), "--train-labels", (tmp / "yc.npy").string(),
                       "--train-true-labels", (tmp / "yt.npy").string(), "--test-labels",
                       (tmp / "ytest.npy").string(), "--layer", layer, "--epoch",
                       std::to_string(epoch), "--out", out, "--threads", "2"});
  INFO(q.err);
  REQUIRE(q.rc == 0);
  const mp::CsvTable a = mp::read_csv((run / "probes.csv").string());
  const mp::CsvTable b = mp::read_csv(out);
  CHECK(a.header == b.header);
  REQUIRE(a.rows.size() == 5);
  CHECK(a.rows == b.rows);  // every cell, accuracies to the last digit
}

TEST_CASE("the PyTorch example: export with a hook, probe, edit the last layer",
          "[apps][probe-arrays][torch]") {
  const std::string bin = mp::testing::memprobe_binary();
  if (bin.empty()) {
    WARN("the memprobe binary is not built: skipping the PyTorch example");
    return;
  }
  std::string python;
  for (const char* py : {"python3", "/usr/bin/python3"}) {
    const std::string cmd = std::string(py) + " -c 'import torch, numpy' >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) {
      python = py;
      break;
    }
  }
  if (python.empty()) {
    WARN("python3 with torch and numpy not found (apt-get install python3-torch): skipping");
    return;
  }
  TempDir tmp;
  const std::string log = (tmp / "log.txt").string();
  const std::string cmd = python + " " + MEMPROBE_SOURCE_DIR +
                          "/bench/probe_any_network.py --memprobe " + bin + " --work " +
                          tmp.path().string() + " > " + log + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string text = mp::testing::read_text(log);
  INFO(text);
  CHECK(rc == 0);
  CHECK(text.find("edited model == linear probe") != std::string::npos);
}
