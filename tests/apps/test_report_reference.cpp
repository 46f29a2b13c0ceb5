// The published numbers beside memprobe's (apps/report/published.h): the compiled-in table is
// docs/reference_results.csv byte for byte, a run at the paper's settings is set beside the
// published values with the right difference, a run at other settings only gets the sentence
// saying why it is not comparable, and the level plot carries the published values.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <sstream>
#include <tuple>

#include "apps/report/published.h"
#include "apps/report/reference_results.h"
#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::FakeRun;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::ostringstream sink;  // the report's log, not needed here

ReportResult report_of(const fs::path& root, const std::vector<FakeRun>& runs) {
  for (const FakeRun& r : runs)
    mp::testing::write_fake_run(root / "runs" / mp::testing::fake_run_name(r), r);
  ReportOptions o = mp::testing::report_options(root / "runs", root / "out");
  return write_report(o, sink);
}

const ComparedValue& compared(const PublishedComparison& c, const std::string& metric,
                              const std::string& subspace) {
  for (const auto& v : c.rows)
    if (v.metric == metric && v.subspace == subspace) return v;
  FAIL("no compared row for " << metric << " " << subspace);
  throw std::logic_error("unreachable");
}

FakeRun paper_run(double level) {
  FakeRun r;  // the fixture's defaults are the paper's MLP recipe on the full data
  r.level = level;
  return r;
}

Manifest manifest_with(nlohmann::json config) {
  return Manifest(nlohmann::json{{"config", std::move(config)}});
}

}  // namespace

TEST_CASE("published table: the compiled-in copy is docs/reference_results.csv byte for byte",
          "[apps][report]") {
  const std::string file = mp::read_file_text(
      (fs::path(MEMPROBE_SOURCE_DIR) / "docs" / "reference_results.csv").string());
  CHECK(std::string(published_results_csv()) == file);

  const auto& table = published_results();
  // Model and MASC: 5 model-datasets x 2 metrics x 6 levels; true-label MASC 8; linear probe
  // 25 and edited model 15; baselines 2 x 5 probes x 5 levels; the tau ablation 5.
  CHECK(table.size() == 60 + 8 + 25 + 15 + 50 + 5);
  std::set<std::tuple<std::string, std::string, int64_t, std::string, std::string>> keys;
  for (const auto& v : table) {
    CHECK(keys.insert({v.dataset, v.model, v.level_micro(), v.metric, v.subspace}).second);
    CHECK((v.aggregation == "3-run mean" || v.aggregation == "run 1" ||
           v.aggregation == "not stated"));
    CHECK(v.source.find("arXiv") != std::string::npos);
  }
  const PublishedValue* model = find_published(table, "mnist", "mlp", 0.8, "model", "");
  REQUIRE(model != nullptr);
  CHECK(model->value == 31.16);
  CHECK(model->aggregation == "3-run mean");
  const PublishedValue* masc = find_published(table, "mnist", "mlp", 0.0, "masc", "corrupted");
  REQUIRE(masc != nullptr);
  CHECK(masc->display() == "97.20 (fc3)");  // as published, trailing zero kept
  const PublishedValue* edited = find_published(table, "cifar10", "cnn", 0.8, "edited", "");
  REQUIRE(edited != nullptr);
  CHECK(edited->display() == "22.91 (fc3)");
  CHECK(edited->aggregation == "run 1");
  // p = 1: the best layer is not named (it may be the input layer).
  const PublishedValue* p1 = find_published(table, "mnist", "mlp", 1.0, "masc", "corrupted");
  REQUIRE(p1 != nullptr);
  CHECK(p1->display() == "10.17");
  CHECK(find_published(table, "mnist", "mlp", 1.0, "linear", "corrupted") == nullptr);
  CHECK(has_published(table, "fashion-mnist", "cnn"));
  CHECK_FALSE(has_published(table, "cifar10", "resnet18"));
}

TEST_CASE("published comparison: a paper-settings mnist mlp run at p 0.8 stands beside 31.16",
          "[apps][report]") {
  TempDir tmp;
  const ReportResult res = report_of(tmp.path(), {paper_run(0.8)});
  const PublishedComparison& c = res.published;
  CHECK(c.not_comparable.empty());
  // model, MASC corrupted and true, linear, edited, NCM, logreg are all published at p = 0.8.
  CHECK(c.rows.size() == 7);

  // Fixture: model = 0.95 - 0.3*0.8 - 0.01 = 0.70 -> 70.00 - 31.16 = +38.84 points.
  const ComparedValue& model = compared(c, "model", "");
  REQUIRE(model.published != nullptr);
  CHECK(model.published->value == 31.16);
  CHECK(model.ours.mean == Approx(0.70).margin(1e-12));
  CHECK(model.difference == Approx(38.84).margin(1e-9));
  CHECK(model.epochs == "3");

  // MASC (corrupted) at the best hidden layer fc3: 0.70 + 0.12 - 0.24 - 0.01 = 0.57 against
  // 80.40 (fc3); the input layer (0.70 - 0.25 = 0.45) is shown beside it, not compared.
  const ComparedValue& masc = compared(c, "masc", "corrupted");
  CHECK(masc.ours.layer == "fc3");
  CHECK(masc.difference == Approx(57.0 - 80.40).margin(1e-9));
  REQUIRE(masc.ours_input.computed());
  CHECK(masc.ours_input.mean == Approx(0.45).margin(1e-12));
  // Edited model: seed 1's linear best (fc4, 0.68 + 0.11 - 0.25 = 0.54) - 0.005, against 82.11.
  CHECK(compared(c, "edited", "").difference == Approx(53.5 - 82.11).margin(1e-9));

  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  const std::string html = mp::read_file_text((tmp / "out" / "report.html").string());
  CHECK(md.find("## Published numbers beside ours") != std::string::npos);
  CHECK(md.find("| mnist | mlp | 0.8 | 1 | model test accuracy | 70.00 |  | 3 | 31.16 | "
                "3-run mean | +38.84 |") != std::string::npos);
  CHECK(md.find("| 57.00 (fc3) | 45.00 | 3 | 80.40 (fc3) | 3-run mean | -23.40 |") !=
        std::string::npos);
  CHECK(md.find("Differences beyond 2 points (7 of 7)") != std::string::npos);
  CHECK(html.find("Published numbers beside ours") != std::string::npos);
  CHECK(html.find("80.40 (fc3)") != std::string::npos);
  // The summary table is unchanged beside it.
  CHECK(md.find("| dataset | model | level | seeds | model test |") != std::string::npos);
}

TEST_CASE("published grid: one row per level, a column per measure, * beyond the tolerance",
          "[apps][report]") {
  // Hand-built comparison: p = 0.6 has the model (0.4 points off) and MASC (2.5 off); p = 1 has
  // the model only and its MASC is not computed by memprobe.
  PublishedValue pm6{"mnist", "mlp", 0.6, "model", "", "", "3-run mean", "52.89", 52.89, "s"};
  PublishedValue pc6{"mnist", "mlp",        0.6,     "masc", "corrupted",
                     "fc3",   "3-run mean", "93.67", 93.67,  "s"};
  PublishedValue pm1{"mnist", "mlp", 1.0, "model", "", "", "3-run mean", "10.21", 10.21, "s"};
  PublishedValue pc1{"mnist", "mlp",        1.0,     "masc", "corrupted",
                     "",      "3-run mean", "10.17", 10.17,  "s"};
  auto row = [](const PublishedValue& p, const std::string& measure, std::vector<double> ours) {
    ComparedValue v;
    v.dataset = p.dataset, v.model = p.model, v.level = p.level, v.n_seeds = 1;
    v.metric = p.metric, v.subspace = p.subspace, v.measure = measure;
    v.ours = mean_sd(ours);
    v.published = &p;
    v.difference = v.ours.computed() ? 100.0 * v.ours.mean - p.value : std::nan("");
    return v;
  };
  PublishedComparison c;
  c.rows = {row(pc6, "MASC best layer (corrupted)", {0.9117}),
            row(pm6, "model test accuracy", {0.5329}), row(pm1, "model test accuracy", {0.1050}),
            row(pc1, "MASC best layer (corrupted)", {})};
  const std::string md = comparison_grid(c, 2.0).to_markdown();
  INFO(md);
  // Columns in the measures' fixed order, whatever order the rows come in.
  CHECK(md.find("| dataset | model | p | model test accuracy | MASC best layer (corrupted) |") !=
        std::string::npos);
  CHECK(md.find("| mnist | mlp | 0.6 | 53.29 / 52.89 | 91.17 / 93.67 * |") != std::string::npos);
  CHECK(md.find("| mnist | mlp | 1 | 10.50 / 10.21 | - / 10.17 |") != std::string::npos);
}

TEST_CASE("summary.md: the published numbers beside ours for paper-settings runs only",
          "[apps][report]") {
  TempDir tmp;
  report_of(tmp.path() / "paper", {paper_run(0.8)});
  const std::string sm = mp::read_file_text((tmp / "paper" / "out" / "summary.md").string());
  INFO(sm);
  // Fixture values (see the p = 0.8 case above): model 70.00, MASC (corrupted) 57.00.
  CHECK(sm.find("Beside the authors' published numbers: memprobe / published") !=
        std::string::npos);
  CHECK(sm.find("| mnist | mlp | 0.8 | 70.00 / 31.16 * | 57.00 / 80.40 * |") != std::string::npos);

  FakeRun quick = paper_run(0.8);
  quick.train_subset = 1000;
  report_of(tmp.path() / "subset", {quick});
  const std::string sub = mp::read_file_text((tmp / "subset" / "out" / "summary.md").string());
  CHECK(sub.find("| dataset | model | level |") != std::string::npos);
  CHECK(sub.find("published") == std::string::npos);
}

TEST_CASE("published comparison: subset runs only get the not-comparable sentence",
          "[apps][report]") {
  TempDir tmp;
  FakeRun quick = paper_run(0.8);
  quick.train_subset = 1000;
  quick.test_subset = 2000;
  quick.lr = 0.01;
  const ReportResult res = report_of(tmp.path(), {quick});
  CHECK(res.published.rows.empty());
  REQUIRE(res.published.not_comparable.size() == 1);
  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  const std::string sentence =
      "These numbers are not comparable to the published ones, which were measured at the "
      "paper's settings: mnist/mlp at p = 0.8 (a 1000-image training subset, a 2000-image test "
      "subset, lr 0.01 instead of the paper's 0.001).";
  CHECK(not_comparable_sentence(res.published) == sentence);
  CHECK(md.find(sentence) != std::string::npos);
  CHECK(md.find("31.16") == std::string::npos);
  CHECK(md.find("difference (points)") == std::string::npos);
  const mp::CsvTable t = mp::read_csv((tmp / "out" / "plots" / "levels_mnist_mlp.csv").string());
  CHECK(t.at(0, "published_model_test_acc").empty());
  const std::string gp =
      mp::read_file_text((tmp / "out" / "plots" / "levels_mnist_mlp.gp").string());
  CHECK(gp.find("published") == std::string::npos);  // no series without a value
}

TEST_CASE("published comparison: comparable rows are shown and the others named with why",
          "[apps][report]") {
  TempDir tmp;
  FakeRun eval_stop = paper_run(0.2);
  eval_stop.stop_on = "eval";
  FakeRun resnet = paper_run(0.2);
  resnet.dataset = "cifar10";
  resnet.model = "resnet18";
  const ReportResult res = report_of(tmp.path(), {paper_run(0.8), eval_stop, resnet});
  CHECK(res.published.rows.size() == 7);  // only p = 0.8 of mnist/mlp
  CHECK(not_comparable_sentence(res.published) ==
        "Left out as not comparable to the published numbers: cifar10/resnet18 at p = 0.2 (no "
        "published numbers for this dataset and model); mnist/mlp at p = 0.2 (stopping on the "
        "after-epoch evaluation pass instead of the paper's running training accuracy).");
  const std::string md = mp::read_file_text((tmp / "out" / "report.md").string());
  CHECK(md.find("| 31.16 |") != std::string::npos);
  CHECK(md.find("Left out as not comparable") != std::string::npos);
}

TEST_CASE("paper settings: the recipe is checked against the preset's for model and dataset",
          "[apps][report]") {
  const nlohmann::json cnn_mnist = {{"dataset", "mnist"},
                                    {"model", "cnn"},
                                    {"corrupt", 0.4},
                                    {"corruption_mode", "random"},
                                    {"optimizer", "adam"},
                                    {"lr", 0.0002},
                                    {"momentum", 0.0},
                                    {"batch_size", 128},
                                    {"target_train_acc", 0.999},
                                    {"stop_on", "running"},
                                    {"shuffle", false},
                                    {"train_subset", 0},
                                    {"test_subset", 0}};
  CHECK(paper_setting_deviations(manifest_with(cnn_mnist)).empty());

  nlohmann::json cifar = cnn_mnist;
  cifar["dataset"] = "cifar10";  // the CNN's paper batch on CIFAR-10 is 32, its target 100 %
  const auto why = paper_setting_deviations(manifest_with(cifar));
  REQUIRE(why.size() == 2);
  CHECK(why[0] == "batch size 128 instead of the paper's 32");
  CHECK(why[1] == "target training accuracy 0.999 instead of the paper's 1");

  nlohmann::json shuffled = cnn_mnist;
  shuffled["corruption_mode"] = "shuffle";
  shuffled["shuffle"] = true;
  shuffled.erase("stop_on");  // written before the running count: stopped on the eval pass
  CHECK(paper_setting_deviations(manifest_with(shuffled)).size() == 3);

  nlohmann::json stepped = cnn_mnist;  // the quick preset's kind of schedule
  stepped["lr_steps"] = "50:0.003,80:0.001";
  const auto steps = paper_setting_deviations(manifest_with(stepped));
  REQUIRE(steps.size() == 1);
  CHECK(steps[0] == "the learning-rate steps 50:0.003,80:0.001 (the paper keeps one rate)");
}

TEST_CASE("plot data: the level plot carries the published values as points", "[apps][report]") {
  TempDir tmp;
  FakeRun other = paper_run(0.3);  // a level the authors did not publish
  report_of(tmp.path(), {paper_run(0.8), other});
  const mp::CsvTable t = mp::read_csv((tmp / "out" / "plots" / "levels_mnist_mlp.csv").string());
  REQUIRE(t.rows.size() == 2);
  CHECK(t.at(0, "level") == "0.3");
  CHECK(t.at(0, "published_model_test_acc").empty());
  CHECK(t.at(1, "level") == "0.8");
  CHECK(t.number(1, "published_model_test_acc") == Approx(0.3116).margin(1e-12));
  CHECK(t.number(1, "published_masc_corrupted") == Approx(0.8040).margin(1e-12));
  CHECK(t.at(1, "published_linear") == "0.844");  // 84.40 as a fraction, no binary residue
  CHECK(t.number(1, "published_edited_test_acc") == Approx(0.8211).margin(1e-12));
  const std::string gp =
      mp::read_file_text((tmp / "out" / "plots" / "levels_mnist_mlp.gp").string());
  CHECK(gp.find("using 1:($11*100) with points") != std::string::npos);
  CHECK(gp.find("title 'model, published'") != std::string::npos);
  CHECK(gp.find("title 'edited model, published'") != std::string::npos);
}

TEST_CASE(
    "report: a dropout variant's runs are a model of their own, never averaged with the "
    "plain model's and never set beside the paper's numbers",
    "[apps][report]") {
  TempDir tmp;
  FakeRun plain = paper_run(0.2);
  FakeRun dropout = paper_run(0.2);
  dropout.dropout = 0.5;
  dropout.seed = 2;  // a different seed too: grouping by level alone would average the two
  const ReportResult r = report_of(tmp.path(), {plain, dropout});
  REQUIRE(r.summary.size() == 2);
  std::set<std::string> models;
  for (const SummaryRow& row : r.summary) {
    CHECK(row.n_seeds == 1);
    models.insert(row.model);
  }
  CHECK(models == std::set<std::string>{"mlp", "mlp-dropout0.5"});
  // The plain run is compared with the paper; the variant only named as not comparable.
  REQUIRE_FALSE(r.published.rows.empty());
  for (const ComparedValue& v : r.published.rows) CHECK(v.model == "mlp");
  REQUIRE(r.published.not_comparable.size() == 1);
  CHECK(r.published.not_comparable[0].find("mlp-dropout0.5 at p = 0.2") != std::string::npos);
}

TEST_CASE("published comparison: differences.csv notes stand beside the differences beyond 2",
          "[apps][report]") {
  TempDir tmp;
  fs::create_directories(tmp.path() / "runs");
  mp::write_file_atomic(
      (tmp.path() / "runs" / "differences.csv").string(),
      "dataset,model,level,metric,subspace,status,note\n"
      "mnist,mlp,0.8,model,,explained,the fixture's model is made 38.84 points off\n"
      "mnist,mlp,0.8,masc,corrupted,open,not yet measured against the twin\n"
      "mnist,mlp,0.4,logreg,corrupted,explained,a note for a run this report does not hold\n");
  const ReportResult res = report_of(tmp.path(), {paper_run(0.8)});
  const std::vector<std::string> large = large_differences(res.published, kLargeDifference);
  REQUIRE(large.size() == 7);
  int explained = 0, open_noted = 0, open_bare = 0;
  for (const std::string& l : large) {
    explained += l.find("explained: the fixture's model is made") != std::string::npos;
    open_noted += l.find("open: not yet measured against the twin") != std::string::npos;
    open_bare += l.find("open: no note in differences.csv") != std::string::npos;
  }
  CHECK(explained == 1);
  CHECK(open_noted == 1);
  CHECK(open_bare == 5);  // every difference beyond 2 points says something
  const std::string md = mp::read_file_text((tmp.path() / "out" / "report.md").string());
  CHECK(md.find("model test accuracy: +38.84") != std::string::npos);
  CHECK(md.find("explained: the fixture's model is made 38.84 points off") != std::string::npos);
  // The note on p = 0.4 matches nothing here: a warning says so, naming the file.
  REQUIRE(res.loaded.warnings.size() == 1);
  CHECK(res.loaded.warnings[0].find("differences.csv") != std::string::npos);
  CHECK(res.loaded.warnings[0].find("matches no difference beyond 2 points") != std::string::npos);
  CHECK(md.find("## Warnings") != std::string::npos);
}

TEST_CASE("differences.csv: a bad status or an empty note is refused naming the file and line",
          "[apps][report]") {
  TempDir tmp;
  const fs::path p = tmp.path() / "differences.csv";
  mp::write_file_atomic(p.string(),
                        "dataset,model,level,metric,subspace,status,note\n"
                        "mnist,mlp,0.8,model,,fixed,tuned until it matched\n");
  const std::string err = mp::testing::error_of([&] { read_difference_notes(p); });
  CHECK(err.find(p.string() + " line 2") != std::string::npos);
  CHECK(err.find("'explained' or 'open'") != std::string::npos);
  mp::write_file_atomic(p.string(),
                        "dataset,model,level,metric,subspace,status,note\n"
                        "mnist,mlp,0.8,model,,open,\n");
  CHECK(mp::testing::error_of([&] { read_difference_notes(p); }).find("empty note") !=
        std::string::npos);
  mp::write_file_atomic(p.string(),
                        "dataset,model,level,metric,status,note\nmnist,mlp,0.8,model,open,x\n");
  CHECK(mp::testing::error_of([&] { read_difference_notes(p); }).find("subspace") !=
        std::string::npos);
  // docs/formats.md lists the same columns in the same order.
  CHECK(mp::testing::formats_doc_columns("differences.csv") == difference_notes_format().header());
}
