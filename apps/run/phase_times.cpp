#include "apps/run/phase_times.h"

#include "memprobe_version.h"
#include "tensor/io/csv.h"

namespace mp::app {

const FileFormat& timing_format() {
  static const FileFormat f = {
      "timing.csv",
      "wall time of every analysis phase (probe, transfer, dynamics), one row per step",
      {{"phase", "activations | probe | transfer | dynamics, or dynamics:<step> inside one"},
       {"epoch", "the checkpoint analysed"},
       {"layer", "the layer (activations: the layers of the pass; empty when not per layer)"},
       {"probe", "masc/corrupted | masc/true | linear | ncm | logreg (transfer: the bias)"},
       {"seconds", "wall time (s)"},
       {"commit", "the memprobe commit that computed the step (memprobe --version)", true}}};
  return f;
}

void record_phase_times(const std::filesystem::path& csv, const std::vector<PhaseTime>& rows) {
  std::vector<std::vector<std::string>> cells;
  for (const PhaseTime& p : rows)
    cells.push_back({p.phase, std::to_string(p.epoch), p.layer, p.probe, csv_number(p.seconds),
                     MEMPROBE_GIT_COMMIT});
  upsert_format(csv, timing_format(), 4, cells);
}

std::vector<PhaseTime> read_phase_times(const std::filesystem::path& csv) {
  std::vector<PhaseTime> out;
  std::error_code ec;
  if (!std::filesystem::exists(csv, ec)) return out;
  const CsvTable t = read_format(csv, timing_format());
  for (size_t r = 0; r < t.rows.size(); ++r) {
    PhaseTime p;
    p.phase = t.at(r, "phase");
    p.epoch = static_cast<int>(integer_cell(t, r, "epoch"));
    p.layer = t.at(r, "layer");
    p.probe = t.at(r, "probe");
    p.seconds = t.number(r, "seconds");
    p.commit = text_cell(t, r, "commit");
    out.push_back(p);
  }
  return out;
}

PhaseCosts phase_costs(const std::vector<EpochMetrics>& metrics,
                       const std::vector<PhaseTime>& times) {
  PhaseCosts c;
  for (const EpochMetrics& m : metrics) {
    c.train += m.train_s;
    c.eval += m.eval_s;
    c.checkpoint += m.checkpoint_s;
  }
  for (const PhaseTime& p : times) {
    if (p.phase == "activations")
      c.activations += p.seconds;
    else if (p.phase == "probe")
      c.probes += p.seconds;
    else if (p.phase == "transfer")
      c.transfer += p.seconds;
    else if (p.phase == "dynamics")
      c.dynamics += p.seconds;
  }
  return c;
}

}  // namespace mp::app
