#pragma once
// TrainConfig: everything that determines a training run, resolved from the paper's defaults
// (docs/method.md §5) and the user's flags. A run is a pure function of this config and the thread
// count; the manifest stores it in full so that `memprobe audit` can re-derive the run.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mp::app {

struct TrainConfig {
  std::string dataset = "mnist";      // mnist | fashion-mnist | cifar10 | cifar100 | folder:PATH
  std::string model = "mlp";          // mlp | cnn | resnet18 | alexnet
  std::string data_dir;               // "" -> data::default_data_dir()
  double corrupt = 0.0;               // corruption level p in [0, 1]
  std::string corruption = "random";  // random (reference) | shuffle
  uint32_t seed = 42;                 // initial weights (and the data order with --shuffle)
  // Label corruption and the stratified subset. Apart from `seed` as in the reference, whose
  // runs all corrupt with seed 42 and differ in their initial weights only.
  uint32_t label_seed = 42;
  // Paper defaults are filled in by resolve_defaults() where these are unset (empty / < 0).
  std::string optimizer;  // sgd | adam
  double lr = -1;
  // A step schedule: "E:LR[,E:LR...]" means from epoch E on the learning rate is LR (epochs
  // increasing). "" = `lr` throughout, as in the reference. The quick preset uses one step: a
  // rate high enough to fit fast, then one low enough for every label to stay fitted.
  std::string lr_steps;
  double momentum = -1;  // SGD only
  // Dropout rate of the CNN's or ResNet-18's dropout variant (docs/method.md §4), in [0, 1); 0 =
  // no dropout layers (the paper's models). Active in training only.
  double dropout = 0.0;
  int64_t batch_size = -1;
  int max_epochs = 500;
  double target_train_acc = -1;  // fraction in (0, 1]; stop when train acc (corrupted) >= it
  // Which training accuracy the stop rule reads: "running" (the reference's count over the
  // epoch's mini-batches as they are trained) or "eval" (a separate inference pass after the
  // epoch). With "running" the training set is evaluated only at saved checkpoints.
  std::string stop_on = "running";
  bool shuffle = false;               // the reference iterates in a fixed order
  int64_t train_subset = 0;           // 0 = the whole training set
  std::string subset_mode = "first";  // first | stratified
  int64_t test_subset = 0;            // 0 = the whole test set
  std::string checkpoints = "paper";  // paper | all | none | comma list of epochs
  int edit_at_epoch = -1;             // >= 0: weight-edit transfer at that epoch, then continue
  std::string edit_bias = "zero";     // zero | keep
  // What follows the edit (docs/method.md §12): "continue" trains on to the stop rule or
  // max_epochs and skips the edit if the rule fires first; "reference" is the reference's
  // experiment: no accuracy stop at all, training ends at end_epoch, the edited model is saved.
  std::string edit_mode = "continue";
  int end_epoch = -1;            // --edit-mode reference: the last epoch (default 100)
  int64_t edit_batch_size = -1;  // batch size of the epochs after the edit; -1 = batch_size
  int threads = 0;               // 0 = all cores
  // Optimizer state kept beside the model checkpoints: "last" (only the newest, which is all
  // --resume needs) or "all". Does not change any result.
  std::string keep_optim = "last";

  // Fills optimizer, lr, momentum, batch size and target accuracy from docs/method.md §5 for this
  // model and dataset where the user did not set them; validates everything (throws mp::Error
  // with one clear line naming the bad value).
  void resolve_defaults();
  // The edit flags' part of resolve_defaults(): fills end_epoch, checks the combinations.
  void check_edit_options();
  // Epochs at which a checkpoint is saved (the final epoch is always added by the trainer).
  bool is_checkpoint_epoch(int epoch) const;
  // The learning rate of an epoch (1-based), from `lr` and `lr_steps`.
  double lr_at_epoch(int epoch) const;
  // The batch size of an epoch (1-based): edit_batch_size after the edit when set.
  int64_t batch_size_at_epoch(int epoch) const;
  bool reference_edit() const { return edit_mode == "reference"; }

  nlohmann::json to_json() const;
  static TrainConfig from_json(const nlohmann::json& j);
};

// Run-directory name used by `reproduce`: <dataset>-<model>-p<level>-s<seed>, then
// -dropout<rate> for the dropout variant and -edit<E> for an --edit-mode reference run (the runs
// of one level then differ by their edit epoch).
std::string run_name(const TrainConfig& c);
// "dropout0.5": how a dropout variant's rate is spelt in run names, output folders and the
// report's model column, so its runs never share a name, folder or table row with the plain model.
std::string dropout_tag(double rate);

}  // namespace mp::app
