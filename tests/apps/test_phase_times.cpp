// timing.csv: rows round-trip, a recomputed step replaces its row (so sittings sum correctly),
// and phase_costs() adds training (metrics.csv) and analysis (timing.csv) without counting the
// steps inside a dynamics checkpoint twice.
#include <catch2/catch.hpp>

#include "apps/run/phase_times.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::TempDir;

TEST_CASE("timing.csv round-trips and a recomputed step replaces its own row", "[apps][timing]") {
  TempDir tmp;
  const auto csv = tmp / "timing.csv";
  record_phase_times(csv, {{"activations", 4, "fc1 fc2", "", 1.5},
                           {"probe", 4, "fc1", "masc/corrupted", 2.25},
                           {"probe", 4, "fc1", "linear", 0.125}});
  record_phase_times(csv, {{"probe", 4, "fc1", "masc/corrupted", 3.0},  // the same step again
                           {"transfer", 4, "fc4", "zero", 0.5}});
  const std::vector<PhaseTime> rows = read_phase_times(csv);
  REQUIRE(rows.size() == 4);
  double masc = -1;
  for (const PhaseTime& p : rows)
    if (p.phase == "probe" && p.probe == "masc/corrupted") masc = p.seconds;
  CHECK(masc == 3.0);
  CHECK(read_phase_times(tmp / "absent.csv").empty());

  // A file with other columns is refused, naming the file and the first missing column.
  mp::testing::write_text(tmp / "bad.csv", "phase,seconds\nprobe,1\n");
  CHECK_THROWS_WITH(record_phase_times(tmp / "bad.csv", {{"probe", 1, "fc1", "ncm", 1.0}}),
                    Catch::Contains("bad.csv") && Catch::Contains("no column 'epoch'"));
}

TEST_CASE("phase costs add training and analysis, the dynamics breakdown counted once",
          "[apps][timing]") {
  std::vector<EpochMetrics> m(3);
  for (int e = 0; e < 3; ++e) {
    m[e].epoch = e;
    m[e].train_s = e == 0 ? 0 : 10;
    m[e].eval_s = 1;
    m[e].checkpoint_s = 0.5;
  }
  const std::vector<PhaseTime> t = {
      {"activations", 2, "fc1", "", 2},          {"probe", 2, "fc1", "masc/corrupted", 3},
      {"transfer", 2, "fc4", "zero", 1},         {"dynamics", 0, "", "", 4},
      {"dynamics:probe", 0, "fc1", "linear", 3}, {"dynamics", 2, "", "", 4}};
  const PhaseCosts c = phase_costs(m, t);
  CHECK(c.train == 20);
  CHECK(c.eval == 3);
  CHECK(c.checkpoint == 1.5);
  CHECK(c.activations == 2);
  CHECK(c.probes == 3);
  CHECK(c.transfer == 1);
  CHECK(c.dynamics == 8);
  CHECK(c.total() == 38.5);
  CHECK(c.overhead() == Approx(18.5 / 20));
}
