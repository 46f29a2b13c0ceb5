#pragma once
// Opening an existing run for analysis (eval, probe, transfer, activations, dynamics, audit):
// its manifest and config, its data re-derived from the config, and the model at a checkpoint.
#include <filesystem>
#include <memory>
#include <string>

#include "apps/run/manifest.h"
#include "apps/run/run_dir.h"
#include "apps/run/study_data.h"
#include "apps/run/train_config.h"
#include "nn/models.h"

namespace mp::app {

struct OpenedRun {
  RunDir dir;
  Manifest manifest;
  TrainConfig config;
  StudyData data;
  std::unique_ptr<nn::Model> model;  // weights of `epoch`
  int epoch = 0;

  // Loads another checkpoint of the same run into `model` (checksum verified).
  void load_checkpoint(int epoch);
};

// `checkpoint` is "last" or an epoch number. The model file's sha256 is compared with the
// manifest before loading: a modified or truncated checkpoint is refused, never used silently.
OpenedRun open_run(const std::filesystem::path& run, const std::string& checkpoint = "last");

// Loads a model from any memprobe checkpoint file (e.g. one written by `memprobe transfer`),
// using the run's architecture and input shape.
void load_model_file(OpenedRun& r, const std::string& path);

}  // namespace mp::app
