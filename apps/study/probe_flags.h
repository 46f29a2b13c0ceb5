#pragma once
// The probe options every probing command shares (--probes, --subspace, --tau, --k, --qda-reg
// and, on a run directory, --layers), declared once so `probe`, `dynamics` and `probe-arrays` read
// alike.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "probes/layer_probes.h"

namespace mp::app {

struct ProbeFlags {
  std::string layers = "all";
  std::string probes = "masc,linear,ncm,logreg";
  std::string subspace = "corrupted,true";
  double tau = 0.99;
  int k = 0;
  double qda_reg = 0.0;
  bool operator==(const ProbeFlags& o) const;
  bool operator!=(const ProbeFlags& o) const { return !(*this == o); }
  // The flags whose values differ from the defaults, as command-line arguments that
  // add_probe_flags() parses back into an equal ProbeFlags (used by reproduce's job lines, so a
  // new flag added here and to add_probe_flags travels without a second edit).
  std::vector<std::string> to_args() const;
};

// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(const std::string& s);

// with_layers: --layers (a run's layer names); with_probes: --probes and --subspace.
void add_probe_flags(CLI::App* cmd, ProbeFlags& f, bool with_probes, bool with_layers = true);

// The validated ProbeSpec (mp::Error naming a bad probe, subspace, --tau or --k).
probes::ProbeSpec make_spec(const ProbeFlags& f);

}  // namespace mp::app
