#include "apps/report/experiments.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace fs = std::filesystem;

std::optional<std::vector<CleanControlRow>> read_clean_control(const fs::path& run) {
  const fs::path p = run / clean_control_format().file;
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  return read_clean_control_csv(p);
}

std::optional<RelabelSummary> read_relabel_summary(const fs::path& run) {
  const fs::path p = run / "relabel" / "summary.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file_text(p.string()));
    RelabelSummary s;
    s.layer = j.at("layer").get<std::string>();
    s.stop_reason = j.at("stop_reason").get<std::string>();
    s.best_epoch = j.at("best_epoch").get<int>();
    s.epochs_trained = j.at("epochs_trained").get<int>();
    s.heldout_n = j.at("heldout_n").get<long>();
    s.eval_n = j.at("eval_n").get<long>();
    s.retrained_eval_acc = j.at("retrained_eval_acc").get<double>();
    s.model_eval_acc = j.at("model_eval_acc").get<double>();
    s.masc_eval_acc = j.at("masc_eval_acc").get<double>();
    // null when no training label was wrong (p = 0): nothing to correct.
    const nlohmann::json& c = j.at("corrected_share");
    s.corrected_share = c.is_null() ? std::nan("") : c.get<double>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    MP_FAIL(p.string() << ": " << e.what());
  }
  return std::nullopt;  // not reached: MP_FAIL throws
}

Table clean_control_table(const std::vector<CleanControlRow>& rows,
                          const std::vector<std::pair<std::string, double>>& own) {
  Table t({"layer", "MASC on the p = 0 model, this run's labels (%)", "this run's MASC (%)"});
  for (const CleanControlRow& r : rows) {
    std::string mine = "-";
    for (const auto& [layer, acc] : own)
      if (layer == r.layer) mine = format_percent(acc);
    t.add_row({r.layer + (r.best ? " *" : ""), format_percent(r.test_acc), mine});
  }
  return t;
}

Table relabel_table(const RelabelSummary& s) {
  Table t({"MASC layer", "retrained: best epoch (of)", "retrained model (%)",
           "this run's model (%)", "MASC (%)", "wrong labels corrected (%)"});
  t.add_row({s.layer,
             std::to_string(s.best_epoch) + " (" + std::to_string(s.epochs_trained) + ", " +
                 s.stop_reason + ")",
             format_percent(s.retrained_eval_acc), format_percent(s.model_eval_acc),
             format_percent(s.masc_eval_acc),
             std::isnan(s.corrected_share) ? "-" : format_percent(s.corrected_share)});
  return t;
}

}  // namespace mp::app
