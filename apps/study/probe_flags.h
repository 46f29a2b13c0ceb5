#pragma once
// The probe options every probing command shares (--probes, --subspace, --tau, --k, --qda-reg
// and, on a run directory, --layers), declared once so `probe`, `dynamics` and `probe-arrays` read
// alike.
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "probes/layer_probes.h"

namespace mp::app {

// --tau / --k as given: a comma list of numbers, checked by make_spec() (so a bad value is one
// error naming the flag). Assignable from one number, as the flags were before they took lists.
struct NumberList {
  std::string text;  // empty: the flag was not given
  NumberList() = default;
  NumberList(std::string list) : text(std::move(list)) {}  // NOLINT: implicit, like the number
  NumberList(double v);                                    // NOLINT
  bool operator==(const NumberList& o) const { return text == o.text; }
  bool operator!=(const NumberList& o) const { return text != o.text; }
};

struct ProbeFlags {
  std::string layers = "all";
  std::string probes = "masc,linear,ncm,logreg";
  std::string subspace = "corrupted,true";
  // MASC component rules (docs/method.md §8): every --tau and every --k is a rule, all scored
  // from one decomposition. Neither given: tau 0.99. Only --k given: those counts only.
  NumberList tau;
  NumberList k;
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

// The validated ProbeSpec (mp::Error naming a bad probe, subspace, --tau or --k). Its primary
// MASC rule (spec.masc.tau / fixed_k: the one the summary, audit, dynamics and --save-probe use)
// is tau 0.99 when listed, else the first --tau, else the first --k; the others go to
// spec.masc.more_rules in the order given, taus before counts.
probes::ProbeSpec make_spec(const ProbeFlags& f);

}  // namespace mp::app
