#pragma once
// Study presets for `memprobe reproduce`: which dataset/model, corruption levels and training
// settings make up one experiment of the papers (docs/method.md §5), plus the `quick` preset sized
// to finish in a few minutes on a 2-core laptop.
#include <string>
#include <vector>

#include "apps/run/train_config.h"

namespace mp::app {

struct Preset {
  std::string name;
  std::string description;
  TrainConfig base;            // dataset, model and any non-paper settings; seed/level set per run
  std::vector<double> levels;  // corruption levels
  // The reference's edit during training (docs/method.md §12): per level one run for each of
  // these "peak epochs" as the reference names them (1 = the initial model, 10, 40); empty for
  // an ordinary study.
  std::vector<int> edit_peaks;
};

// `base` set up as the reference's run for one peak epoch (--edit-mode reference): the model it
// edits and the epoch it trains to, in memprobe's epoch counting. The reference's peak 1 edits
// the initial model (memprobe epoch 0) and trains 99 epochs, which it numbers 2-100; peaks 10
// and 40 edit the model it saves as model_9 / model_39 after 10 / 40 epochs (its loop index
// counts from 0) and train to epoch 100. Throws mp::Error for another peak.
TrainConfig edit_peak_config(TrainConfig base, int peak);

const std::vector<Preset>& all_presets();
const Preset& find_preset(const std::string& name);  // throws mp::Error listing the valid names

}  // namespace mp::app
