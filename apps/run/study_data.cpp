#include "apps/run/study_data.h"

#include "data/datasets.h"
#include "data/subset.h"
#include "tensor/check.h"

namespace mp::app {

StudyData load_study_data(const TrainConfig& cfg) {
  const std::string dir = cfg.data_dir.empty() ? data::default_data_dir() : cfg.data_dir;
  data::DatasetPair ds = data::load_dataset(cfg.dataset, dir);
  StudyData d;
  d.dataset = cfg.dataset;
  for (const auto& [file, sha] : ds.files_sha256) d.files_sha256[file] = sha;

  const data::CorruptionMode mode =
      cfg.corruption == "shuffle" ? data::CorruptionMode::Shuffle : data::CorruptionMode::Random;
  data::Corruption c = data::corrupt_labels(ds.train.labels, ds.train.num_classes, cfg.corrupt,
                                            cfg.label_seed, mode);

  const int64_t n = ds.train.n;
  MP_CHECK(cfg.train_subset <= n, "--train-subset " << cfg.train_subset << " exceeds the " << n
                                                    << " training images of " << cfg.dataset);
  if (cfg.train_subset > 0) {
    d.train_index = cfg.subset_mode == "stratified"
                        ? data::subset_stratified(ds.train.labels, cfg.train_subset, cfg.label_seed)
                        : data::subset_first(n, cfg.train_subset);
    d.train = data::take(ds.train, d.train_index);
    d.train_corrupt = data::take_labels(c.labels, d.train_index);
  } else {
    d.train_index.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) d.train_index[static_cast<size_t>(i)] = i;
    d.train = std::move(ds.train);
    d.train_corrupt = std::move(c.labels);
  }
  d.train_true = d.train.labels;
  for (size_t k = 0; k < d.train_index.size(); ++k) {
    const size_t i = static_cast<size_t>(d.train_index[k]);
    d.n_selected += c.selected[i];
    d.n_changed += d.train_corrupt[k] != d.train_true[k];
  }

  MP_CHECK(cfg.test_subset <= ds.test.n,
           "--test-subset " << cfg.test_subset << " exceeds the " << ds.test.n << " test images");
  d.test = cfg.test_subset > 0 ? data::take(ds.test, data::subset_first(ds.test.n, cfg.test_subset))
                               : std::move(ds.test);
  return d;
}

std::vector<LabelRow> label_rows(const StudyData& d) {
  std::vector<LabelRow> rows(d.train_index.size());
  for (size_t k = 0; k < rows.size(); ++k)
    rows[k] = {d.train_index[k], d.train_true[k], d.train_corrupt[k]};
  return rows;
}

std::string labels_csv_text(const StudyData& d) {
  return labels_csv_text(label_rows(d));
}

}  // namespace mp::app
