#pragma once
// The MASC component-rule ablation of one run (`probe --tau 0.25,0.5,0.75,0.99 --k 1`): for each
// rule, the best layer's test accuracy with corrupted-label subspaces, set beside the authors'
// published PCA-threshold ablation (docs/reference_results.csv, metrics masc_tau_<tau>) where
// they published one for the run's dataset, model and level. The summary and the per-layer
// tables read one rule (tau 0.99); this table is where the other rules are seen.
#include <string>
#include <vector>

#include "apps/report/reference_results.h"
#include "apps/report/runs.h"
#include "apps/run/console.h"

namespace mp::app {

struct AblationRow {
  std::string rule;                           // "tau=0.5", "k=1" (probes.csv's rule column)
  std::string layer;                          // the best layer under this rule
  double test_acc = 0;                        // its test accuracy (fraction)
  std::string k_per_class;                    // components kept per class at that layer
  const PublishedValue* published = nullptr;  // the authors' number for this rule, if any
  bool marked = false;                        // `layer` is the one probes.csv marks best
};

// The published metric a rule is compared with: "tau=0.5" -> "masc_tau_0.5", "k=1" ->
// "masc_tau_1_component" (the authors' "1 component"); "" for a rule they did not publish.
std::string published_ablation_metric(const std::string& rule);

// One row per MASC rule of the run's probes.csv at `epoch` (corrupted-label subspaces), in
// file order; empty when the run holds a single rule (no ablation to show).
std::vector<AblationRow> masc_ablation(const RunData& run, int epoch,
                                       const std::vector<PublishedValue>& published);

// rule | best layer | test acc % | k per class | published % | difference (points).
Table ablation_table(const std::vector<AblationRow>& rows);

}  // namespace mp::app
