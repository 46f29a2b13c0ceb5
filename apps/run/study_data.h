#pragma once
// The data of one run, re-derived from its TrainConfig: the dataset, the corrupted labels
// (docs/method.md §2, drawn over the FULL training set so that a subset run sees exactly the
// labels the full run would), the optional training/test subsets, and the label fingerprints
// recorded in the manifest. train, eval, probe, transfer, dynamics and audit all load data through
// here, so they agree on which rows and labels a run used.
#include <map>
#include <string>
#include <vector>

#include "apps/run/train_config.h"
#include "apps/run/training_labels.h"
#include "data/corruption.h"
#include "data/image_set.h"

namespace mp::app {

struct StudyData {
  std::string dataset;
  data::ImageSet train;                // after the subset, if any
  data::ImageSet test;                 // after the test subset, if any
  std::vector<int32_t> train_true;     // == train.labels
  std::vector<int32_t> train_corrupt;  // the labels the model is trained on
  std::vector<int64_t> train_index;    // index of each training row in the full training set
  int64_t n_selected = 0, n_changed = 0;
  std::map<std::string, std::string> files_sha256;
  int num_classes() const { return train.num_classes; }
};

StudyData load_study_data(const TrainConfig& cfg);

// The run's labels.csv rows, and their text (training_labels.h): the trainer writes it and the
// manifest records its sha256; audit regenerates and compares it.
std::vector<LabelRow> label_rows(const StudyData& d);
std::string labels_csv_text(const StudyData& d);

}  // namespace mp::app
