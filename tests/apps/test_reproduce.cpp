// `memprobe reproduce` end to end on a tiny configuration (real MNIST, two levels, two epochs):
// the table, CSV and report files exist and hold the numbers the individual steps wrote, the
// individual commands reproduce them, and the emitted job list runs line by line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "apps/cli/commands.h"
#include "apps/run/manifest.h"
#include "tensor/io/csv.h"
#include "test_util.h"

namespace fs = std::filesystem;
using mp::testing::TempDir;

namespace {

int cli(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::ostringstream o, e;
  const int rc = mp::app::run_cli(args, o, e);
  if (out) *out = o.str();
  if (rc != 0) WARN("memprobe stderr: " << e.str());
  return rc;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The row of `t` whose `key` column equals `value`.
size_t row_where(const mp::CsvTable& t, const std::string& key, const std::string& value) {
  for (size_t i = 0; i < t.rows.size(); ++i)
    if (t.at(i, key) == value) return i;
  FAIL("no row with " << key << " = " << value << " in " << t.source);
  return 0;
}

const std::vector<std::string> kTiny = {"--max-epochs",  "2",   "--train-subset", "300",
                                        "--test-subset", "400", "--threads",      "2"};

}  // namespace

TEST_CASE("reproduce writes a summary consistent with every run's own files",
          "[apps][realdata][reproduce]") {
  if (mp::testing::real_data_dir("mnist").empty()) {
    WARN("MNIST not fetched (memprobe data fetch mnist): skipping");
    return;
  }
  TempDir tmp;
  const fs::path out = tmp / "study";
  std::vector<std::string> args = {"reproduce", "--preset",   "quick",     "--levels", "0,0.6",
                                   "--out",     out.string(), "--gnuplot", "none"};
  args.insert(args.end(), kTiny.begin(), kTiny.end());
  std::string printed;
  REQUIRE(cli(args, &printed) == 0);
  for (const char* f : {"summary.csv", "summary.md", "report.md", "report.html"})
    REQUIRE(fs::exists(out / f));

  mp::CsvTable summary = mp::read_csv((out / "summary.csv").string());
  REQUIRE(summary.rows.size() == 2);
  for (const std::string level : {"0", "0.6"}) {
    const size_t s = row_where(summary, "level", level);
    const std::string run = level == "0" ? "mnist-mlp-p0.00-s42" : "mnist-mlp-p0.60-s42";
    const fs::path dir = out / "runs" / run;
    // The model's test accuracy is the final row of the run's metrics.csv.
    mp::CsvTable metrics = mp::read_csv((dir / "metrics.csv").string());
    CHECK(summary.number(s, "model_test_acc") ==
          metrics.number(metrics.rows.size() - 1, "test_acc"));
    // The edited model's accuracy is the run's transfer.csv row.
    mp::CsvTable transfer = mp::read_csv((dir / "transfer.csv").string());
    CHECK(summary.number(s, "edited_test_acc") == transfer.number(0, "test_acc"));
    // The best-layer linear probe is the maximum over the run's probes.csv linear rows of the
    // hidden layers, and that row alone is marked best; the input layer's row is the baseline
    // column.
    mp::CsvTable probes = mp::read_csv((dir / "probes.csv").string());
    double best = -1;
    std::string best_layer;
    int marked = 0;
    for (size_t i = 0; i < probes.rows.size(); ++i) {
      if (probes.at(i, "probe") != "linear") continue;
      if (probes.at(i, "layer") == "input") {
        CHECK(summary.number(s, "linear_input") == probes.number(i, "test_acc"));
        CHECK(probes.at(i, "best") == "0");
        continue;
      }
      marked += probes.at(i, "best") == "1";
      if (probes.number(i, "test_acc") > best) {
        best = probes.number(i, "test_acc");
        best_layer = probes.at(i, "layer");
      }
    }
    CHECK(marked == 1);
    for (size_t i = 0; i < probes.rows.size(); ++i)
      if (probes.at(i, "probe") == "linear" && probes.at(i, "layer") == best_layer)
        CHECK(probes.at(i, "best") == "1");
    CHECK(summary.number(s, "linear") == best);
    CHECK(summary.at(s, "linear_layer") == best_layer);
    // Re-running the individual command gives the same number for that layer (deterministic).
    REQUIRE(cli({"probe", "--run", dir.string(), "--layers", best_layer, "--probes", "linear",
                 "--subspace", "corrupted", "--threads", "2"}) == 0);
    mp::CsvTable again = mp::read_csv((dir / "probes.csv").string());
    bool found = false;
    for (size_t i = 0; i < again.rows.size(); ++i)
      if (again.at(i, "probe") == "linear" && again.at(i, "layer") == best_layer) {
        CHECK(again.number(i, "test_acc") == best);
        found = true;
      }
    CHECK(found);
    // The dynamics file covers every checkpoint.
    mp::CsvTable dyn = mp::read_csv((dir / "dynamics.csv").string());
    std::set<std::string> epochs;
    for (size_t i = 0; i < dyn.rows.size(); ++i) epochs.insert(dyn.at(i, "epoch"));
    CHECK(epochs == std::set<std::string>({"0", "1", "2"}));
    // The input layer (the images themselves) is probed once and its rows copied to every
    // checkpoint: they must be what probing that layer gives, at every epoch.
    int input_rows = 0;
    for (size_t i = 0; i < dyn.rows.size(); ++i) {
      if (dyn.at(i, "layer") != "input" || dyn.at(i, "metric") != "test_acc") continue;
      const std::string probe = dyn.at(i, "probe");
      if (probe != "masc" && probe != "linear") continue;
      ++input_rows;
      bool matched = false;
      for (size_t j = 0; j < probes.rows.size(); ++j)
        if (probes.at(j, "layer") == "input" && probes.at(j, "probe") == probe &&
            probes.at(j, "subspace") == "corrupted") {
          INFO("epoch " << dyn.at(i, "epoch") << " " << probe);
          CHECK(dyn.number(i, "value") == probes.number(j, "test_acc"));
          matched = true;
        }
      CHECK(matched);
    }
    CHECK(input_rows == 2 * 3);  // masc and linear at each of the three checkpoints
    // At every checkpoint the edited model is the linear probe reported beside it at the last
    // hidden layer (the transfer writes that very probe into the output layer, zero bias): the
    // same three accuracies.
    int edited_rows = 0;
    for (size_t i = 0; i < dyn.rows.size(); ++i) {
      if (dyn.at(i, "probe") != "edited") continue;
      ++edited_rows;
      CHECK(dyn.at(i, "layer") == "fc4");
      bool matched = false;
      for (size_t j = 0; j < dyn.rows.size(); ++j)
        if (dyn.at(j, "probe") == "linear" && dyn.at(j, "layer") == "fc4" &&
            dyn.at(j, "epoch") == dyn.at(i, "epoch") &&
            dyn.at(j, "metric") == dyn.at(i, "metric")) {
          INFO("epoch " << dyn.at(i, "epoch") << " " << dyn.at(i, "metric"));
          CHECK(dyn.number(i, "value") == dyn.number(j, "value"));
          matched = true;
        }
      CHECK(matched);
    }
    CHECK(edited_rows == 3 * 3);
  }
  // The printed table and the Markdown summary name both levels.
  CHECK(printed.find("0.6") != std::string::npos);
  CHECK(slurp(out / "summary.md").find("0.6") != std::string::npos);
  CHECK(slurp(out / "report.html").find("<table") != std::string::npos);

  // A second reproduce reuses everything (nothing retrained): same summary bytes.
  const std::string before = slurp(out / "summary.csv");
  std::ostringstream again_out, again_log;
  REQUIRE(mp::app::run_cli(args, again_out, again_log) == 0);
  const std::string again = again_log.str();
  CHECK(slurp(out / "summary.csv") == before);
  // Its message says how to start a run over with this command (reproduce has no --force).
  const fs::path run0 = out / "runs" / "mnist-mlp-p0.00-s42";
  CHECK(again.find("not retraining it (remove " + run0.string() + " to start it over)") !=
        std::string::npos);
  CHECK(again.find("--force") == std::string::npos);

  // A result bundle (as the repository commits under results/: result files, no checkpoints)
  // is not a study to resume: reproduce into it says so, naming the run, and changes nothing.
  const fs::path bundle = tmp / "bundle";
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    const fs::path rel = fs::relative(e.path(), out);
    if (rel.string().find("checkpoints") != std::string::npos) continue;
    if (e.is_directory())
      fs::create_directories(bundle / rel);
    else
      fs::copy_file(e.path(), bundle / rel);
  }
  std::vector<std::string> into_bundle = args;
  *std::find(into_bundle.begin(), into_bundle.end(), out.string()) = bundle.string();
  std::ostringstream o, e;
  CHECK(mp::app::run_cli(into_bundle, o, e) != 0);
  CHECK(e.str().find((bundle / "runs" / "mnist-mlp-p0.00-s42").string() +
                     ": a finished run without checkpoints") != std::string::npos);
  CHECK(e.str().find("--out") != std::string::npos);
  CHECK(slurp(bundle / "summary.csv") == before);
}

TEST_CASE("reproduce --emit-jobs writes one runnable command per level and seed",
          "[apps][realdata][reproduce]") {
  if (mp::testing::real_data_dir("mnist").empty()) {
    WARN("MNIST not fetched (memprobe data fetch mnist): skipping");
    return;
  }
  const fs::path memprobe = fs::path(MEMPROBE_BINARY_DIR) / "memprobe";
  if (!fs::exists(memprobe)) {
    WARN("memprobe binary not built at " << memprobe << ": skipping");
    return;
  }
  TempDir tmp;
  const fs::path jobs = tmp / "jobs.txt";
  std::string cmd =
      memprobe.string() + " reproduce --preset quick --levels 0,0.8 --seeds 1,2 --out " +
      (tmp / "sweep").string() + " --emit-jobs " + jobs.string() +
      " --max-epochs 1 --train-subset 100 --test-subset 100 --no-dynamics --threads 1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream f(jobs);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);)
    if (!l.empty()) lines.push_back(l);
  REQUIRE(lines.size() == 4);  // 2 levels x 2 seeds
  for (const std::string& l : lines) {
    CHECK(l.find(" reproduce ") != std::string::npos);
    CHECK(l.find("--threads 1") != std::string::npos);  // given explicitly: passed on
    REQUIRE(std::system(("bash -c " + mp::app::shell_quote(l)).c_str()) == 0);
  }
  {
    // Without --threads each job takes the CPUs of the machine it runs on, not the emitter's.
    const fs::path jobs2 = tmp / "jobs2.txt";
    std::string cmd2 = memprobe.string() + " reproduce --preset quick --levels 0 --out " +
                       (tmp / "sweep2").string() + " --emit-jobs " + jobs2.string();
    REQUIRE(std::system(cmd2.c_str()) == 0);
    std::ifstream f2(jobs2);
    std::string l2;
    REQUIRE(std::getline(f2, l2));
    CHECK(l2.find("--threads") == std::string::npos);
  }
  // The gathered runs make one report with both levels, two seeds each.
  std::string printed;
  REQUIRE(cli({"report", "--runs", (tmp / "sweep").string(), "--gnuplot", "none"}, &printed) == 0);
  mp::CsvTable s = mp::read_csv((tmp / "sweep" / "summary.csv").string());
  REQUIRE(s.rows.size() == 2);
  CHECK(s.at(0, "n_seeds") == "2");
  CHECK(s.at(1, "n_seeds") == "2");
}
