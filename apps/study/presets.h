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
};

const std::vector<Preset>& all_presets();
const Preset& find_preset(const std::string& name);  // throws mp::Error listing the valid names

}  // namespace mp::app
