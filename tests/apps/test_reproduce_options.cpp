// Options travel once: every option of `reproduce` given on its command line reaches each job
// that --emit-jobs writes, because the job's arguments come from the same struct that parsed
// them (ReproduceOptions::job_args, add_reproduce_options).
#include <catch2/catch.hpp>

#include <CLI/CLI.hpp>

#include "apps/run/train_config.h"
#include "apps/study/reproduce.h"

using namespace mp::app;

namespace {

// Parses `args` (without the program and subcommand names) as `reproduce` does.
ReproduceOptions parse(const std::vector<std::string>& args) {
  CLI::App app;
  ReproduceOptions o;
  app.add_option("--preset", o.preset);
  add_reproduce_options(&app, o);
  std::vector<std::string> rev(args.rbegin(), args.rend());
  app.parse(rev);
  return o;
}

}  // namespace

TEST_CASE("reproduce: a job's arguments parse back into the options that made them",
          "[apps][reproduce][options]") {
  ReproduceOptions o;
  o.preset = "mnist-cnn";
  o.out = "/tmp/sweep/job";
  o.levels = {0.4};
  o.seeds = {7};
  o.label_seed = 9;
  o.data_dir = "/data/sets";
  o.max_epochs = 12;
  o.train_subset = 500;
  o.test_subset = 300;
  o.dropout = 0.25;
  o.probe.layers = "fc2,fc3";
  o.probe.probes = "masc,linear";
  o.probe.subspace = "corrupted";
  o.probe.tau = 0.75;
  o.probe.k = 3;
  o.probe.qda_reg = 1e-3 / 3;  // not a short decimal: the job line must carry all 17 digits
  o.dynamics = false;
  o.train_only = true;
  o.gnuplot = "none";

  std::vector<std::string> line = {"--preset", o.preset, "--levels", "0.4",
                                   "--seeds",  "7",      "--out",    o.out.string()};
  const std::vector<std::string> rest = o.job_args();
  line.insert(line.end(), rest.begin(), rest.end());
  const ReproduceOptions back = parse(line);
  CHECK(back == o);
  // Every field was set away from its default, so each one has its flag in the job.
  CHECK(rest.size() == 2 * 13 + 2);  // 13 valued options, 2 switches

  // Defaults give no arguments, and parse back into the defaults.
  CHECK(ReproduceOptions().job_args().empty());
  CHECK(parse({}) == ReproduceOptions());
}

TEST_CASE("reproduce: the dropout variant gets its own output folder and run names",
          "[apps][reproduce][options]") {
  ReproduceOptions o;
  o.preset = "cifar-cnn";
  // Under runs/, never results/ (where the repository commits its own result bundles).
  CHECK(o.out_dir() == std::filesystem::path("runs") / "cifar-cnn");
  o.dropout = 0.5;
  CHECK(o.out_dir() == std::filesystem::path("runs") / "cifar-cnn-dropout0.5");
  o.out = "/tmp/mine";
  CHECK(o.out_dir() == std::filesystem::path("/tmp/mine"));  // --out always wins

  TrainConfig c;
  c.model = "cnn";
  c.dataset = "cifar10";
  c.corrupt = 0.8;
  CHECK(run_name(c) == "cifar10-cnn-p0.80-s42");
  c.dropout = 0.5;
  CHECK(run_name(c) == "cifar10-cnn-p0.80-s42-dropout0.5");
}

TEST_CASE(
    "reproduce --dropout: refused for a preset whose model has no dropout variant, and "
    "outside 0 to 1, naming the flag",
    "[apps][reproduce][options]") {
  ReproduceOptions o;
  o.preset = "cifar-cnn";
  o.dropout = 0.5;
  CHECK_NOTHROW(o.check());
  o.dropout = 1.0;
  CHECK_THROWS_WITH(o.check(), Catch::Contains("--dropout must be in [0, 1), got 1"));
  o.preset = "mnist-mlp";
  o.dropout = 0.5;
  CHECK_THROWS_WITH(o.check(), Catch::Contains("preset mnist-mlp trains the mlp"));
  o.dropout = 0;
  CHECK_NOTHROW(o.check());
}
