// The MASC component-rule ablation in the report (apps/report/ablation.h): a run probed with
// several --tau/--k rules gets one row per rule, at the best layer of that rule, beside the
// authors' published PCA-threshold ablation where it exists (MLP-MNIST, p = 0.8); a run with one
// rule gets no such table, and the summary keeps reading tau 0.99 either way.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/report/ablation.h"
#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::FakeRun;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Cell {
  const char* layer;
  const char* probe;
  const char* rule;
  double test_acc;
  const char* k;
  int best = 0;  // probes.csv's mark (a hidden layer); 0 everywhere = a file without marks
};

// probes.csv written by hand in the documented columns (docs/formats.md), final epoch 3.
void write_probes(const fs::path& run, const std::vector<Cell>& cells) {
  std::string s =
      "epoch,layer,probe,subspace,rule,test_acc,train_acc_corrupted,train_acc_true,k_per_class,"
      "best,params\n";
  for (const Cell& c : cells)
    s += std::string("3,") + c.layer + "," + c.probe + ",corrupted," + c.rule + "," +
         mp::testing::num(c.test_acc) + ",0.5,0.5," + c.k + "," + std::to_string(c.best) + ",\n";
  mp::testing::write_text(run / "probes.csv", s);
}

fs::path ablation_run(const fs::path& root, double level) {
  FakeRun r;
  r.level = level;
  r.seed = 42;
  r.with_probes = false;
  const fs::path dir = root / "runs" / mp::testing::fake_run_name(r);
  mp::testing::write_fake_run(dir, r);
  write_probes(dir, {{"fc1", "masc", "tau=0.99", 0.80, "5 5"},
                     {"fc2", "masc", "tau=0.99", 0.82, "7 7"},
                     {"fc3", "masc", "tau=0.99", 0.81, "9 9"},
                     // The input scores higher, but the file marks fc1 (hidden layers only).
                     {"input", "masc", "k=1", 0.95, "1 1"},
                     {"fc1", "masc", "k=1", 0.85, "1 1", 1},
                     {"fc2", "masc", "k=1", 0.84, "1 1"},
                     {"fc1", "masc", "tau=0.5", 0.90, "2 2"},
                     {"fc3", "masc", "tau=0.5", 0.93, "3 3"},
                     {"fc2", "masc", "tau=0.3", 0.70, "1 2"},
                     {"fc2", "linear", "", 0.75, ""}});
  return dir;
}

}  // namespace

TEST_CASE("report ablation: one row per MASC rule at its best layer beside the published value",
          "[apps][report]") {
  TempDir tmp;
  const RunData run = load_run(ablation_run(tmp.path(), 0.8));
  // The tables read one rule: tau 0.99, whose best is fc2.
  for (const ProbeRow& p : run.probes)
    if (p.probe == "masc") CHECK(p.rule == "tau=0.99");
  const std::vector<AblationRow> rows = masc_ablation(run, 3, published_results());
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].rule == "tau=0.99");
  CHECK(rows[0].layer == "fc2");
  CHECK(rows[0].test_acc == 0.82);
  CHECK(rows[0].k_per_class == "7 7");
  CHECK(rows[1].rule == "k=1");
  CHECK(rows[1].layer == "fc1");
  CHECK(rows[1].test_acc == 0.85);
  CHECK(rows[2].rule == "tau=0.5");
  CHECK(rows[2].layer == "fc3");
  CHECK(rows[2].test_acc == 0.93);
  // Published (docs/reference_results.csv): 0.99 -> 80.35, 1 component -> 84.40, 0.5 -> 92.48;
  // nothing for 0.3.
  REQUIRE(rows[0].published);
  CHECK(rows[0].published->text == "80.35");
  REQUIRE(rows[1].published);
  CHECK(rows[1].published->text == "84.40");
  REQUIRE(rows[2].published);
  CHECK(rows[2].published->text == "92.48");
  CHECK(rows[3].published == nullptr);

  const Table t = ablation_table(rows);
  REQUIRE(t.rows() == 4);
  CHECK(t.data()[0] ==
        std::vector<std::string>{"tau=0.99", "fc2", "82.00", "7 7", "80.35", "+1.65"});
  CHECK(t.data()[1][5] == "+0.60");  // 85.00 - 84.40
  CHECK(t.data()[2][5] == "+0.52");  // 93.00 - 92.48
  CHECK(t.data()[3][4] == "-");      // tau=0.3: not published
}

TEST_CASE("report ablation: the page shows the rules table only for a run with several rules",
          "[apps][report]") {
  TempDir tmp;
  ablation_run(tmp.path(), 0.8);
  FakeRun single;  // the fixture's probes.csv: one rule (no rule column, read as tau=0.99)
  single.level = 0.2;
  single.seed = 42;
  mp::testing::write_fake_run(tmp / "runs" / mp::testing::fake_run_name(single), single);
  std::ostringstream log;
  write_report(mp::testing::report_options(tmp / "runs", tmp / "out"), log);
  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  const std::string heading = "MASC component rules (epoch 3";
  const size_t at = md.find(heading);
  REQUIRE(at != std::string::npos);
  CHECK(md.find(heading, at + 1) == std::string::npos);  // once: the p = 0.2 run has one rule
  // It stands in the p = 0.8 run's section.
  const size_t section = md.rfind("\n### ", at);
  REQUIRE(section != std::string::npos);
  CHECK(md.substr(section + 5, 23) == "mnist/mlp p=0.8 seed 42");
  CHECK(md.find("| tau=0.5 | fc3 | 93.00 | 3 3 | 92.48 | +0.52 |") != std::string::npos);
  const std::string html = mp::read_file_text((tmp / "out" / "report.html").string());
  CHECK(html.find("MASC component rules (epoch 3") != std::string::npos);
}

TEST_CASE("report ablation: rule names map to the published metric names", "[apps][report]") {
  CHECK(published_ablation_metric("tau=0.25") == "masc_tau_0.25");
  CHECK(published_ablation_metric("tau=0.99") == "masc_tau_0.99");
  CHECK(published_ablation_metric("k=1") == "masc_tau_1_component");
  CHECK(published_ablation_metric("k=3") == "");
  CHECK(published_ablation_metric("") == "");
}
