#include "apps/report/ablation.h"

#include <cstdio>

namespace mp::app {

std::string published_ablation_metric(const std::string& rule) {
  if (rule == "k=1") return "masc_tau_1_component";
  if (rule.rfind("tau=", 0) == 0) return "masc_tau_" + rule.substr(4);
  return "";
}

std::vector<AblationRow> masc_ablation(const RunData& run, int epoch,
                                       const std::vector<PublishedValue>& published) {
  std::vector<AblationRow> out;
  for (const ProbeRow& p : run.masc_rules) {
    if (p.epoch != epoch || p.subspace != "corrupted") continue;
    AblationRow* row = nullptr;
    for (AblationRow& r : out)
      if (r.rule == p.rule) row = &r;
    if (!row) {
      out.push_back({p.rule, "", -1, "", nullptr, false});
      row = &out.back();
    }
    // The layer probes.csv marks best for this rule (a hidden layer, docs/method.md §11); in a
    // file without marks, the highest test accuracy, the first in file order on a tie.
    const bool marked_before = !row->layer.empty() && row->marked;
    if (!marked_before && (p.best || p.test_acc > row->test_acc)) {
      row->marked = p.best;
      row->layer = p.layer;
      row->test_acc = p.test_acc;
      row->k_per_class = p.k_per_class;
    }
  }
  if (out.size() < 2) return {};
  for (AblationRow& r : out) {
    const std::string metric = published_ablation_metric(r.rule);
    if (!metric.empty())
      r.published = find_published(published, run.key.dataset, run.key.model, run.key.level, metric,
                                   "corrupted");
  }
  return out;
}

Table ablation_table(const std::vector<AblationRow>& rows) {
  Table t({"rule", "best layer", "MASC test acc (%)", "components per class", "published (%)",
           "difference (points)"});
  for (const AblationRow& r : rows) {
    std::string pub = "-", diff = "-";
    if (r.published) {
      pub = r.published->text;
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.2f", 100.0 * r.test_acc - r.published->value);
      diff = buf;
    }
    t.add_row({r.rule, r.layer, format_percent(r.test_acc), r.k_per_class, pub, diff});
  }
  return t;
}

}  // namespace mp::app
