#pragma once
// `memprobe clean-control` (docs/method.md §16): the MASC paper's third experiment. MASC
// subspaces built from a noisy run's corrupted labels, but on the activations of the model
// trained on clean labels (p = 0, same dataset, subset and architecture), scored per layer on
// the test set. Compared with the noisy run's own probes.csv it separates what the labels
// contribute from what the memorizing model's representation contributes.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "apps/run/clean_control_results.h"
#include "apps/run/run_model.h"
#include "probes/masc.h"
#include "probes/metrics.h"

namespace mp::app {

// Throws mp::Error with one line when the two runs do not share the training images, their true
// labels, the test set or the architecture, or when `clean` was not trained at p = 0.
void check_control_pair(const OpenedRun& clean, const TrainConfig& noisy_cfg,
                        const StudyData& noisy, const std::string& noisy_dir);

// MASC per layer of clean's current checkpoint with noisy's corrupted labels; writes
// noisy_dir/clean_control.csv (atomic) unless noisy_dir is empty.
std::vector<CleanControlRow> run_clean_control(OpenedRun& clean, const StudyData& noisy,
                                               const std::vector<std::string>& layers,
                                               const probes::MascOptions& masc,
                                               const std::filesystem::path& noisy_dir,
                                               std::ostream& log);

}  // namespace mp::app
