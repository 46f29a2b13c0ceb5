// Each file of a run (and summary.csv of a report) has one owner that spells its name, declares
// its columns, writes it and reads it back: rows round-trip through the owner, the writer's
// header is the one memprobe has always written, a missing or unknown column is refused naming
// the file and the column, files of older versions (and the committed results/) still read, and
// docs/formats.md lists exactly the owner's columns in the same order.
#include <catch2/catch.hpp>

#include "memprobe_version.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "apps/report/runs.h"
#include "apps/report/summary.h"
#include "apps/run/dynamics_results.h"
#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/phase_times.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_dir.h"
#include "apps/run/training_labels.h"
#include "apps/run/transfer_results.h"
#include "tensor/io/atomic_file.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::error_of;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const double kNaN = std::nan("");

std::string first_line(const fs::path& p) {
  const std::string text = mp::read_file_text(p.string());
  return text.substr(0, text.find('\n'));
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// A CSV owner as the tests see it: its format and its reader (rows discarded).
struct Owner {
  const FileFormat* format;
  std::function<void(const fs::path&)> read;
};

std::vector<Owner> csv_owners() {
  return {{&metrics_format(), [](const fs::path& p) { read_metrics_csv(p); }},
          {&labels_format(), [](const fs::path& p) { read_labels_csv(p); }},
          {&probes_format(), [](const fs::path& p) { read_probes_csv(p); }},
          {&transfer_format(), [](const fs::path& p) { read_transfer_csv(p); }},
          {&dynamics_format(), [](const fs::path& p) { read_dynamics_csv(p); }},
          {&timing_format(), [](const fs::path& p) { read_phase_times(p); }},
          {&summary_format(), [](const fs::path& p) { read_summary_csv(p); }}};
}

// The column names of the first table after "### <file>" in docs/formats.md: the backquoted name
// opening each row's first cell.
std::vector<std::string> documented_columns(const std::string& doc, const std::string& file) {
  const size_t section = doc.find("\n### " + file + "\n");
  REQUIRE(section != std::string::npos);
  size_t pos = doc.find("\n|", section);
  const size_t next_section = doc.find("\n#", section + 1);
  REQUIRE(pos < next_section);
  std::vector<std::string> names;
  const std::regex name(R"(^\| `([A-Za-z0-9_]+)` \|)");
  for (int line_no = 0; pos != std::string::npos && doc.compare(pos, 2, "\n|") == 0; ++line_no) {
    const size_t end = doc.find('\n', pos + 1);
    const std::string line = doc.substr(pos + 1, end - pos - 1);
    pos = end;
    if (line_no < 2) continue;  // the table's header row and its |---| separator
    std::smatch m;
    INFO(file << ": " << line);
    REQUIRE(std::regex_search(line, m, name));
    names.push_back(m[1]);
  }
  return names;
}

}  // namespace

TEST_CASE("run files: the run directory names each file by its owner", "[apps][runfiles]") {
  TempDir tmp;
  const RunDir d = RunDir::create(tmp / "run");
  CHECK(d.manifest_path().filename() == manifest_format().file);
  CHECK(d.metrics_csv().filename() == metrics_format().file);
  CHECK(d.labels_csv().filename() == labels_format().file);
  CHECK(d.probes_csv().filename() == probes_format().file);
  CHECK(d.transfer_csv().filename() == transfer_format().file);
  CHECK(d.dynamics_csv().filename() == dynamics_format().file);
  CHECK(d.timing_csv().filename() == timing_format().file);
  for (const Owner& o : csv_owners()) {
    INFO(o.format->file);
    CHECK(!o.format->columns.empty());
    for (const Column& c : o.format->columns) CHECK(std::string(c.doc).size() > 5);
  }
}

TEST_CASE("run files: manifest.json round-trips through its owner", "[apps][runfiles]") {
  TempDir tmp;
  const RunDir d = RunDir::create(tmp / "run");
  Manifest m;
  m.set_labels_sha256(std::string(64, 'a'));
  m.add_checkpoint(3, {RunDir::checkpoint_relpath(3), std::string(64, 'b')});
  d.write_manifest(m);
  CHECK(d.has_manifest());
  CHECK(d.read_manifest().json() == m.json());
  CHECK(RunDir::open(tmp / "run").root() == tmp / "run");
}

TEST_CASE("run files: metrics.csv rows round-trip with the historical header", "[apps][runfiles]") {
  TempDir tmp;
  std::vector<EpochMetrics> rows(3);
  for (int e = 0; e < 3; ++e) {
    EpochMetrics& m = rows[static_cast<size_t>(e)];
    m.epoch = e;
    m.loss = 2.3 / (e + 1);
    m.train_acc_running = e == 0 ? EpochMetrics::kNotMeasured : 0.1 * e;
    m.train_acc_corrupted = e == 1 ? EpochMetrics::kNotMeasured : 0.3 + 0.01 * e;
    m.train_acc_true = e == 1 ? EpochMetrics::kNotMeasured : 0.2 + 0.01 * e;
    m.test_acc = 0.9 - 1.0 / 3 * 0.01 * e;
    m.samples_per_s = 1234.5;
    m.epoch_s = 1.0 / 7;
    m.wall_s = 10.0 * e;
    m.train_s = 0.5 * e;
    m.eval_s = 0.25;
    m.checkpoint_s = e == 2 ? 0 : 0.125;
  }
  const fs::path p = tmp / "metrics.csv";
  write_metrics_csv(p, rows);
  CHECK(first_line(p) ==
        "epoch,loss,train_acc_running,train_acc_corrupted,train_acc_true,test_acc,samples_per_s,"
        "epoch_s,wall_s,train_s,eval_s,checkpoint_s");
  const std::vector<EpochMetrics> back = read_metrics_csv(p);
  REQUIRE(back.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    const EpochMetrics &a = rows[i], &b = back[i];
    CHECK(a.epoch == b.epoch);
    CHECK(a.loss == b.loss);
    CHECK(same_number(a.train_acc_running, b.train_acc_running));
    CHECK(same_number(a.train_acc_corrupted, b.train_acc_corrupted));
    CHECK(same_number(a.train_acc_true, b.train_acc_true));
    CHECK(a.test_acc == b.test_acc);
    CHECK(a.samples_per_s == b.samples_per_s);
    CHECK(a.epoch_s == b.epoch_s);
    CHECK(a.wall_s == b.wall_s);
    CHECK(a.train_s == b.train_s);
    CHECK(a.eval_s == b.eval_s);
    CHECK(a.checkpoint_s == b.checkpoint_s);
  }
  // The text of a re-written file is the same bytes.
  const std::string text = mp::read_file_text(p.string());
  write_metrics_csv(tmp / "again.csv", back);
  CHECK(mp::read_file_text((tmp / "again.csv").string()) == text);
  CHECK(read_metrics_csv(tmp / "absent.csv").empty());
}

TEST_CASE("run files: probes.csv rows round-trip and replace their key", "[apps][runfiles]") {
  TempDir tmp;
  const fs::path p = tmp / "probes.csv";
  auto result = [](const char* layer, const char* probe, double test, double train_corrupted,
                   double train_true, std::vector<int> k) {
    mp::probes::ProbeResult r;
    r.layer = layer;
    r.probe = probe;
    r.subspace = "corrupted";
    r.test_acc = test;
    r.train_acc_corrupted = train_corrupted;
    r.train_acc_true = train_true;
    r.k_per_class = std::move(k);
    return r;
  };
  const std::vector<mp::probes::ProbeResult> res = {
      result("input", "masc", 0.5, 0.4, 0.3, {1, 2, 3}),
      result("fc1", "masc", 0.75, 1.0 / 3, 0.25, {4, 5, 6}),
      result("fc1", "linear", 0.625, 0.5, kNaN, {})};
  const std::vector<ProbeRow> rows = probe_rows(7, res);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].k_per_class == "4 5 6");
  CHECK(rows[1].best);  // the hidden layer beats the input baseline
  CHECK_FALSE(rows[0].best);
  write_probes_csv(p, rows);
  CHECK(first_line(p) ==
        "epoch,layer,probe,subspace,rule,test_acc,train_acc_corrupted,train_acc_true,k_per_class,"
        "best,params");
  CHECK(probes_csv_header() == probes_format().header());
  CHECK(read_probes_csv(p) == rows);

  // The same (epoch, layer, probe, subspace, rule) again replaces its row; the others stay.
  ProbeRow again = rows[2];
  again.test_acc = 0.875;
  write_probes_csv(p, {again});
  const std::vector<ProbeRow> back = read_probes_csv(p);
  REQUIRE(back.size() == 3);
  CHECK(back[0] == rows[0]);
  CHECK(back[1] == rows[1]);
  CHECK(back[2] == again);
  CHECK(read_probes_csv(tmp / "absent.csv").empty());
}

TEST_CASE("run files: transfer.csv and dynamics.csv rows round-trip", "[apps][runfiles]") {
  TempDir tmp;
  const std::vector<TransferRow> t = {
      {4, "zero", 0.9, 0.8, 0.7, 0.9, "transfer/epoch_0004-bias_zero.safetensors"},
      {4, "keep", 0.85, 1.0 / 3, 0.5, 0.9, ""}};
  write_transfer_csv(tmp / "transfer.csv", t);
  CHECK(first_line(tmp / "transfer.csv") ==
        "epoch,bias,test_acc,train_acc_corrupted,train_acc_true,probe_test_acc,checkpoint");
  CHECK(read_transfer_csv(tmp / "transfer.csv") == t);

  const std::vector<DynamicsRow> d = {{0, "output", "model", "test_acc", 0.1},
                                      {0, "fc1", "masc", "test_acc", 1.0 / 7},
                                      {2, "fc4", "edited", "train_acc_true", 0.5}};
  write_dynamics_csv(tmp / "dynamics.csv", d);
  CHECK(first_line(tmp / "dynamics.csv") == "epoch,layer,probe,metric,value");
  CHECK(read_dynamics_csv(tmp / "dynamics.csv") == d);
  CHECK(read_transfer_csv(tmp / "absent.csv").empty());
  CHECK(read_dynamics_csv(tmp / "absent.csv").empty());
}

TEST_CASE("run files: timing.csv and labels.csv rows round-trip", "[apps][runfiles]") {
  TempDir tmp;
  const std::vector<PhaseTime> times = {{"activations", 3, "fc1 fc2", "", 1.5},
                                        {"probe", 3, "fc1", "masc/corrupted", 1.0 / 3},
                                        {"dynamics", 0, "", "", 12.25}};
  record_phase_times(tmp / "timing.csv", times);
  CHECK(first_line(tmp / "timing.csv") == "phase,epoch,layer,probe,seconds,commit");
  const std::vector<PhaseTime> back = read_phase_times(tmp / "timing.csv");
  REQUIRE(back.size() == times.size());
  for (size_t i = 0; i < times.size(); ++i) {
    CHECK(back[i].phase == times[i].phase);
    CHECK(back[i].epoch == times[i].epoch);
    CHECK(back[i].layer == times[i].layer);
    CHECK(back[i].probe == times[i].probe);
    CHECK(back[i].seconds == times[i].seconds);
    CHECK(back[i].commit == MEMPROBE_GIT_COMMIT);  // every step names the code that computed it
  }
  // A timing.csv from before the commit column reads (commit ""), and a new row brings the file
  // to the current header without touching the old rows.
  mp::write_file_atomic((tmp / "old_timing.csv").string(),
                        "phase,epoch,layer,probe,seconds\nprobe,3,fc1,linear,0.5\n");
  REQUIRE(read_phase_times(tmp / "old_timing.csv").size() == 1);
  CHECK(read_phase_times(tmp / "old_timing.csv")[0].commit.empty());
  record_phase_times(tmp / "old_timing.csv", {{"transfer", 3, "fc4", "zero", 2.0}});
  const std::vector<PhaseTime> mixed = read_phase_times(tmp / "old_timing.csv");
  REQUIRE(mixed.size() == 2);
  CHECK(mixed[0].commit.empty());
  CHECK(mixed[1].commit == MEMPROBE_GIT_COMMIT);

  const std::vector<LabelRow> labels = {{0, 5, 5}, {3, 1, 7}, {59999, 9, 0}};
  const std::string text = labels_csv_text(labels);
  CHECK(text == "index,true_label,corrupted_label\n0,5,5\n3,1,7\n59999,9,0\n");
  mp::write_file_atomic((tmp / "labels.csv").string(), text);
  CHECK(read_labels_csv(tmp / "labels.csv") == labels);
}

TEST_CASE("run files: summary.csv rows round-trip through its owner", "[apps][runfiles]") {
  TempDir tmp;
  SummaryRow r;
  r.dataset = "mnist";
  r.model = "mlp";
  r.level = 0.4;
  r.n_seeds = 2;
  r.model_test_acc = mean_sd({0.9, 0.8});
  r.masc_corrupted = mean_sd({0.7, 0.75});
  r.masc_corrupted.layer = "fc3";
  r.linear = mean_sd({0.6, kNaN});
  r.linear.layer = "fc4";
  r.edited_test_acc = mean_sd({0.65, 0.66});
  r.train_acc_corrupted = mean_sd({1.0, 0.99});
  r.masc_input = mean_sd({0.3, 0.31});
  r.masc_true = r.ncm = r.logreg = r.linear_input = mean_sd({});
  write_summary_csv(tmp / "summary.csv", {r});
  CHECK(first_line(tmp / "summary.csv") == join(summary_format().header(), ","));
  const std::vector<SummaryRow> back = read_summary_csv(tmp / "summary.csv");
  REQUIRE(back.size() == 1);
  const SummaryRow& b = back[0];
  CHECK(b.dataset == r.dataset);
  CHECK(b.model == r.model);
  CHECK(b.level == r.level);
  CHECK(b.n_seeds == r.n_seeds);
  const std::pair<const Stat*, const Stat*> stats[] = {{&r.model_test_acc, &b.model_test_acc},
                                                       {&r.masc_corrupted, &b.masc_corrupted},
                                                       {&r.masc_true, &b.masc_true},
                                                       {&r.linear, &b.linear},
                                                       {&r.ncm, &b.ncm},
                                                       {&r.logreg, &b.logreg},
                                                       {&r.edited_test_acc, &b.edited_test_acc},
                                                       {&r.masc_input, &b.masc_input},
                                                       {&r.linear_input, &b.linear_input}};
  for (const auto& [w, g] : stats) {
    CHECK(same_number(w->mean, g->mean));
    CHECK(same_number(w->sd, g->sd));
    CHECK(w->layer == g->layer);
    CHECK(g->n == (w->computed() ? 2 : 0));  // the file holds no per-value count
  }
  CHECK(b.train_acc_corrupted.mean == r.train_acc_corrupted.mean);
  // Re-written from what was read, the file is the same bytes.
  write_summary_csv(tmp / "again.csv", back);
  CHECK(mp::read_file_text((tmp / "again.csv").string()) ==
        mp::read_file_text((tmp / "summary.csv").string()));
}

TEST_CASE("run files: a missing column is refused naming the file and the column",
          "[apps][runfiles]") {
  TempDir tmp;
  for (const Owner& o : csv_owners()) {
    for (const Column& dropped : o.format->columns) {
      if (dropped.optional) continue;
      std::vector<std::string> header;
      for (const Column& c : o.format->columns)
        if (&c != &dropped) header.push_back(c.name);
      const fs::path p = tmp / o.format->file;
      mp::write_file_atomic(p.string(), join(header, ",") + "\n");
      INFO(o.format->file << " without " << dropped.name);
      const std::string err = error_of([&] { o.read(p); });
      CHECK_THAT(err, Catch::Contains(p.string()) &&
                          Catch::Contains("no column '" + std::string(dropped.name) + "'"));
    }
  }
}

TEST_CASE("run files: an unknown column is refused naming the file and the column",
          "[apps][runfiles]") {
  TempDir tmp;
  for (const Owner& o : csv_owners()) {
    const fs::path p = tmp / o.format->file;
    mp::write_file_atomic(p.string(), join(o.format->header(), ",") + ",my_note\n");
    INFO(o.format->file);
    const std::string err = error_of([&] { o.read(p); });
    CHECK_THAT(err, Catch::Contains(p.string()) && Catch::Contains("unknown column 'my_note'"));
  }
  // A bad cell names the file, the line and the column too.
  mp::write_file_atomic(
      (tmp / "probes.csv").string(),
      join(probes_format().header(), ",") + "\n-1,fc1,masc,corrupted,tau=0.99,1,1,1,,0,\n");
  CHECK_THAT(error_of([&] { read_probes_csv(tmp / "probes.csv"); }),
             Catch::Contains("probes.csv: line 2: epoch '-1'"));
}

TEST_CASE("run files: files of older versions without the optional columns still read",
          "[apps][runfiles]") {
  TempDir tmp;
  // metrics.csv as the first version wrote it: no running accuracy, no phase times.
  mp::write_file_atomic(
      (tmp / "metrics.csv").string(),
      "epoch,loss,train_acc_corrupted,train_acc_true,test_acc,samples_per_s,"
      "epoch_s,wall_s\n0,2.3,0.1,0.1,0.1,0,1.5,1.5\n1,1.2,0.5,0.4,0.6,900,2,3.5\n");
  const std::vector<EpochMetrics> m = read_metrics_csv(tmp / "metrics.csv");
  REQUIRE(m.size() == 2);
  CHECK(m[1].epoch == 1);
  CHECK(m[1].test_acc == 0.6);
  CHECK(m[1].wall_s == 3.5);
  CHECK(std::isnan(m[1].train_acc_running));
  CHECK(m[1].train_s == 0);
  CHECK(m[1].eval_s == 0);
  CHECK(m[1].checkpoint_s == 0);

  // summary.csv before the input-layer baseline columns.
  std::vector<std::string> old;
  for (const Column& c : summary_format().columns)
    if (!c.optional) old.push_back(c.name);
  REQUIRE(old.size() + 4 == summary_format().columns.size());
  std::string row = "mnist,mlp,0.2,1,0.9,";
  for (int i = 0; i < 5; ++i) row += ",0.5,,fc1";
  row += ",0.8,,1";
  mp::write_file_atomic((tmp / "summary.csv").string(), join(old, ",") + "\n" + row + "\n");
  const std::vector<SummaryRow> s = read_summary_csv(tmp / "summary.csv");
  REQUIRE(s.size() == 1);
  CHECK(s[0].level == 0.2);
  CHECK(s[0].linear.mean == 0.5);
  CHECK(s[0].linear.layer == "fc1");
  CHECK(std::isnan(s[0].model_test_acc.sd));
  CHECK_FALSE(s[0].masc_input.computed());
  CHECK_FALSE(s[0].linear_input.computed());
}

TEST_CASE("run files: new rows go into an older probes.csv, which gains the params column",
          "[apps][runfiles]") {
  TempDir tmp;
  const fs::path p = tmp / "probes.csv";
  // As every version before the params column wrote it (a run a previous binary started).
  mp::write_file_atomic(p.string(),
                        "epoch,layer,probe,subspace,test_acc,train_acc_corrupted,train_acc_true,"
                        "k_per_class,best\n5,fc1,masc,corrupted,0.5,0.25,0.75,1 2,1\n");
  ProbeRow lda;
  lda.epoch = 5;
  lda.layer = "fc1";
  lda.probe = "lda";
  lda.subspace = "corrupted";
  lda.test_acc = 0.625;
  lda.train_acc_corrupted = 0.5;
  lda.train_acc_true = 0.5;
  lda.params = "within_rank=6 rank=2";
  write_probes_csv(p, {lda});
  CHECK(first_line(p) == join(probes_format().header(), ","));
  const std::vector<ProbeRow> back = read_probes_csv(p);
  REQUIRE(back.size() == 2);
  CHECK(back[0].probe == "masc");  // the old row is kept, its params empty
  CHECK(back[0].k_per_class == "1 2");
  CHECK(back[0].params.empty());
  CHECK(back[1] == lda);
}

TEST_CASE("run files: probes.csv keys masc rows by rule, best per rule", "[apps][runfiles]") {
  TempDir tmp;
  const fs::path p = tmp / "probes.csv";
  auto masc = [](const std::string& layer, const std::string& rule, double test) {
    mp::probes::ProbeResult r;
    r.layer = layer;
    r.probe = "masc";
    r.subspace = "corrupted";
    r.rule = rule;
    r.test_acc = test;
    r.train_acc_corrupted = 0.5;
    r.train_acc_true = 0.25;
    r.k_per_class = {1, 2};
    return r;
  };
  // fc1 wins at tau 0.99, fc2 at tau 0.25: each rule has its own best layer.
  const std::vector<ProbeRow> rows =
      probe_rows(3, {masc("fc1", "tau=0.99", 0.75), masc("fc1", "tau=0.25", 0.5),
                     masc("fc2", "tau=0.99", 0.625), masc("fc2", "tau=0.25", 0.875)});
  CHECK(rows[0].best);
  CHECK_FALSE(rows[1].best);
  CHECK_FALSE(rows[2].best);
  CHECK(rows[3].best);
  write_probes_csv(p, rows);
  CHECK(read_probes_csv(p) == rows);
  // Rewriting one rule's row replaces only that row (the new row goes last).
  ProbeRow again = rows[1];
  again.test_acc = 0.375;
  write_probes_csv(p, {again});
  std::vector<ProbeRow> back = read_probes_csv(p);
  REQUIRE(back.size() == 4);
  CHECK(back[0] == rows[0]);
  CHECK(back[1] == rows[2]);
  CHECK(back[2] == rows[3]);
  CHECK(back[3] == again);
  // One-rule readers see the default rule only.
  CHECK(primary_rule(back) == "tau=0.99");
  const std::vector<ProbeRow> primary = primary_rule_rows(back);
  REQUIRE(primary.size() == 2);
  CHECK(primary[0] == rows[0]);
  CHECK(primary[1] == rows[2]);
  // Without tau=0.99 the file's first masc rule is the one.
  CHECK(primary_rule({rows[1], rows[3]}) == "tau=0.25");
  CHECK(primary_rule({}).empty());
}

TEST_CASE(
    "run files: an older probes.csv without the rule column reads as tau=0.99 and is upgraded",
    "[apps][runfiles]") {
  TempDir tmp;
  const fs::path p = tmp / "probes.csv";
  mp::write_file_atomic(p.string(),
                        "epoch,layer,probe,subspace,test_acc,train_acc_corrupted,train_acc_true,"
                        "k_per_class,best,params\n"
                        "5,fc1,masc,corrupted,0.5,0.25,0.75,1 2,1,\n"
                        "5,fc1,linear,corrupted,0.5,0.25,0.75,,1,\n");
  const std::vector<ProbeRow> old = read_probes_csv(p);
  REQUIRE(old.size() == 2);
  CHECK(old[0].rule == "tau=0.99");
  CHECK(old[1].rule.empty());
  // A default re-probe of the same layer replaces the old masc row (same key once upgraded), and
  // an ablation row is added beside it.
  ProbeRow redo = old[0];
  redo.test_acc = 0.625;
  ProbeRow extra = old[0];
  extra.rule = "tau=0.25";
  extra.test_acc = 0.375;
  write_probes_csv(p, {redo, extra});
  CHECK(first_line(p) == join(probes_format().header(), ","));
  const std::vector<ProbeRow> back = read_probes_csv(p);
  REQUIRE(back.size() == 3);
  CHECK(back[0] == old[1]);
  CHECK(back[1] == redo);
  CHECK(back[2] == extra);
}

TEST_CASE("run files: the committed results read through the owners", "[apps][runfiles]") {
  const fs::path results = fs::path(MEMPROBE_SOURCE_DIR) / "results";
  REQUIRE(fs::is_directory(results));
  size_t runs = 0;
  for (const fs::path& dir : find_runs(results)) {
    INFO(dir.string());
    const RunData r = load_run(dir);
    for (const std::string& note : r.notes) CHECK(note.find("unreadable") == std::string::npos);
    CHECK(r.has.at(metrics_format().file));
    CHECK(!r.metrics.empty());
    ++runs;
  }
  CHECK(runs > 0);
  for (const auto& e : fs::directory_iterator(results)) {
    const fs::path s = e.path() / summary_format().file;
    if (!fs::exists(s)) continue;
    INFO(s.string());
    CHECK(!read_summary_csv(s).empty());
  }
}

TEST_CASE("run files: docs/formats.md lists each owner's columns in file order",
          "[apps][runfiles][docs]") {
  const std::string doc =
      mp::read_file_text((fs::path(MEMPROBE_SOURCE_DIR) / "docs" / "formats.md").string());
  for (const Owner& o : csv_owners()) {
    INFO(o.format->file);
    CHECK(documented_columns(doc, o.format->file) == o.format->header());
  }
  // manifest.json is JSON, documented by example: its section exists.
  CHECK(doc.find(std::string("\n### ") + manifest_format().file + "\n") != std::string::npos);
}
