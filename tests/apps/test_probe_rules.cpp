// The tau ablation (issue 20, docs/method.md §8): several MASC component rules in one pass. The
// rule flags parse and round-trip, bad values are one error line naming the flag, a real run gets
// one masc row per rule, and the one-rule readers (the summary) ignore the extra rules.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "apps/report/runs.h"
#include "apps/report/summary.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_dir.h"
#include "apps/run/trainer.h"
#include "apps/study/probe_flags.h"
#include "test_report_fixture.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::CliResult;
using mp::testing::run_cli_capture;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

ProbeFlags parse_flags(const std::vector<std::string>& args) {
  CLI::App app;
  ProbeFlags f;
  add_probe_flags(&app, f, true);
  std::vector<std::string> rev(args.rbegin(), args.rend());
  app.parse(rev);
  return f;
}

std::vector<std::string> rule_names(const mp::probes::ProbeSpec& s) {
  std::vector<std::string> out;
  for (const auto& r : mp::probes::masc_rules(s.masc)) out.push_back(mp::probes::rule_name(r));
  return out;
}

}  // namespace

TEST_CASE("probe rules: --tau and --k lists become rules, the default first", "[apps][probe]") {
  CHECK(rule_names(make_spec(ProbeFlags())) == std::vector<std::string>{"tau=0.99"});
  CHECK(rule_names(make_spec(parse_flags({"--tau", "0.5"}))) ==
        std::vector<std::string>{"tau=0.5"});
  CHECK(rule_names(make_spec(parse_flags({"--k", "3"}))) == std::vector<std::string>{"k=3"});
  CHECK(rule_names(make_spec(parse_flags({"--tau", "1.0"}))) == std::vector<std::string>{"tau=1"});
  const ProbeFlags all = parse_flags({"--tau", "0.25,0.5,0.75,0.99", "--k", "1"});
  // tau 0.99 is the primary (what the summary reads) though listed last.
  CHECK(rule_names(make_spec(all)) ==
        std::vector<std::string>{"tau=0.99", "tau=0.25", "tau=0.5", "tau=0.75", "k=1"});
  CHECK(rule_names(make_spec(parse_flags({"--tau", "0.5,0.9", "--k", "2,4"}))) ==
        std::vector<std::string>{"tau=0.5", "tau=0.9", "k=2", "k=4"});
  // The job line of reproduce carries the lists back into equal flags.
  const std::vector<std::string> args = all.to_args();
  CHECK(args == std::vector<std::string>{"--tau", "0.25,0.5,0.75,0.99", "--k", "1"});
  CHECK(parse_flags(args) == all);
  CHECK(ProbeFlags().to_args().empty());
}

TEST_CASE("probe rules: a bad --tau or --k is one error naming the flag", "[apps][probe]") {
  const std::map<std::string, std::vector<std::string>> bad = {
      {"--tau", {"0", "1.5", "abc", "0.5,x", ","}}, {"--k", {"0", "1.5", "two"}}};
  for (const auto& [flag, values] : bad) {
    for (const std::string& v : values) {
      INFO(flag << " " << v);
      const std::string msg = mp::testing::error_of([&] { make_spec(parse_flags({flag, v})); });
      CHECK(msg.find(flag) != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
      // The command line says the same in one line, before touching the run.
      const CliResult r = run_cli_capture({"probe", "--run", "/nonexistent/run", flag, v});
      INFO(r.err);
      CHECK(r.rc != 0);
      CHECK(mp::testing::one_error_line(r.err));
      CHECK(r.err.find(flag) != std::string::npos);
    }
  }
}

TEST_CASE("probe rules: extra tau=0.25 rows leave the summary unchanged", "[apps][probe]") {
  TempDir tmp;
  mp::testing::write_standard_tree(tmp.path());
  write_summary_csv(tmp / "before.csv", summarize(load_runs({tmp.path()}).runs));
  // Every masc row again as tau=0.25, at a test accuracy that would win every best layer.
  size_t added = 0;
  for (const fs::path& dir : find_runs(tmp.path())) {
    std::vector<ProbeRow> extra;
    for (ProbeRow p : read_probes_csv(dir / "probes.csv")) {
      if (p.probe != "masc") continue;
      p.rule = "tau=0.25";
      p.test_acc = 1.0;
      extra.push_back(p);
    }
    write_probes_csv(dir / "probes.csv", extra);
    added += extra.size();
  }
  REQUIRE(added > 0);
  write_summary_csv(tmp / "after.csv", summarize(load_runs({tmp.path()}).runs));
  CHECK(mp::testing::read_text(tmp / "after.csv") == mp::testing::read_text(tmp / "before.csv"));
}

TEST_CASE("probe rules: probe --tau 0.25,0.99 --k 1 writes three masc rows per layer and subspace",
          "[apps][probe][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  TrainConfig cfg = mp::testing::small_config(data_root);
  cfg.max_epochs = 2;
  std::ostringstream log;
  train_run(cfg, run, {}, log);
  const CliResult d = run_cli_capture({"probe", "--run", run.string(), "--layers", "fc3,fc4",
                                       "--probes", "masc,linear", "--threads", "2"});
  INFO(d.err);
  REQUIRE(d.rc == 0);
  const std::vector<ProbeRow> plain = read_probes_csv(run / "probes.csv");
  REQUIRE(plain.size() == 6);  // 2 layers x (masc corrupted, masc true, linear)
  const CliResult a =
      run_cli_capture({"probe", "--run", run.string(), "--layers", "fc3,fc4", "--probes",
                       "masc,linear", "--tau", "0.25,0.99", "--k", "1", "--threads", "2"});
  INFO(a.err);
  REQUIRE(a.rc == 0);
  const std::vector<ProbeRow> rows = read_probes_csv(run / "probes.csv");
  std::map<std::string, std::vector<std::string>> rules;  // "layer/subspace" -> rules
  for (const ProbeRow& p : rows)
    if (p.probe == "masc") rules[p.layer + "/" + p.subspace].push_back(p.rule);
  REQUIRE(rules.size() == 4);
  for (const auto& [key, r] : rules) {
    INFO(key);
    CHECK(r == std::vector<std::string>{"tau=0.99", "tau=0.25", "k=1"});
  }
  for (const ProbeRow& p : rows) {
    if (p.probe == "masc" && p.rule == "k=1") CHECK(p.k_per_class == "1 1 1 1 1 1 1 1 1 1");
  }
  // The default rule's rows and the linear probe's are those of the plain run, to the digit:
  // tau 0.99 keeps the most components, so it decided the decomposition both times.
  CHECK(primary_rule_rows(rows) == plain);
  CHECK(rows.size() == 14);  // 6 plain rows + 2 extra rules x 2 layers x 2 subspaces
  CHECK(a.out.find("tau=0.25") != std::string::npos);  // the console table names the rules
}
