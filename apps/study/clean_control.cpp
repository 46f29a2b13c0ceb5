#include "apps/study/clean_control.h"

#include "apps/run/console.h"
#include "apps/run/metrics_log.h"
#include "probes/layer_probes.h"
#include "probes/model_eval.h"

namespace mp::app {

namespace fs = std::filesystem;

void check_control_pair(const OpenedRun& clean, const TrainConfig& noisy_cfg,
                        const StudyData& noisy, const std::string& noisy_dir) {
  const std::string c = clean.dir.root().string();
  MP_CHECK(clean.config.corrupt == 0.0,
           c << " was trained at corruption " << clean.config.corrupt
             << "; the clean-model control needs the run trained at p = 0");
  MP_CHECK(clean.config.dataset == noisy_cfg.dataset, c << " (" << clean.config.dataset << ") and "
                                                        << noisy_dir << " (" << noisy_cfg.dataset
                                                        << ") are runs on different datasets");
  MP_CHECK(clean.config.model == noisy_cfg.model, c << " (" << clean.config.model << ") and "
                                                    << noisy_dir << " (" << noisy_cfg.model
                                                    << ") are runs of different models");
  MP_CHECK(clean.data.train_index == noisy.train_index && clean.data.train_true == noisy.train_true,
           c << " and " << noisy_dir << " train on different images (--train-subset, "
             << "--subset-mode or --label-seed differ)");
  MP_CHECK(clean.data.test.labels == noisy.test.labels && clean.data.test.n == noisy.test.n,
           c << " and " << noisy_dir << " have different test sets (--test-subset differs)");
}

std::vector<CleanControlRow> run_clean_control(OpenedRun& clean, const StudyData& noisy,
                                               const std::vector<std::string>& layers,
                                               const probes::MascOptions& masc,
                                               const fs::path& noisy_dir, std::ostream& log) {
  probes::ProbeSpec spec;
  spec.probes = {"masc"};
  spec.masc_subspaces = {"corrupted"};
  spec.masc = masc;
  spec.masc.more_rules.clear();
  const data::Normalization norm;
  std::vector<CleanControlRow> rows;
  std::vector<probes::ProbeResult> results;
  for (const std::string& layer : layers) {
    Timer t;
    auto train = probes::collect_activations(*clean.model, clean.data.train, norm, {layer});
    auto test = probes::collect_activations(*clean.model, clean.data.test, norm, {layer});
    // The noisy run's corrupted labels; the images (and their true labels) are the same.
    probes::LayerInputs in{&train.at(layer),  &test.at(layer),         &noisy.train_corrupt,
                           &noisy.train_true, &clean.data.test.labels, clean.data.num_classes()};
    for (const probes::ProbeResult& p : probes::probe_layer(layer, in, spec)) {
      results.push_back(p);
      rows.push_back({layer, clean.epoch, p.test_acc, p.train_acc_corrupted, p.train_acc_true});
      log << "  clean model, " << layer << " (d = " << train.at(layer).cols << "): MASC test "
          << format_percent(p.test_acc) << ", train(corrupted) "
          << format_percent(p.train_acc_corrupted) << " (" << format_duration(t.seconds()) << ")\n";
    }
  }
  const std::vector<bool> best = probes::best_layers(results);
  for (size_t i = 0; i < rows.size(); ++i) rows[i].best = best[i];
  if (!noisy_dir.empty()) {
    write_clean_control_csv(noisy_dir, rows);
  }
  return rows;
}

}  // namespace mp::app
