#include "apps/run/train_config.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "tensor/check.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace {

struct LrStep {
  int epoch;
  double lr;
};

// "E:LR,E:LR": epochs >= 1 and strictly increasing, rates positive; throws naming the bad part.
std::vector<LrStep> parse_lr_steps(const std::string& spec) {
  std::vector<LrStep> steps;
  if (spec.empty()) return steps;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t colon = item.find(':');
    LrStep st{0, 0.0};
    size_t used_e = 0, used_lr = 0;
    try {
      MP_CHECK(colon != std::string::npos, "");
      st.epoch = std::stoi(item.substr(0, colon), &used_e);
      st.lr = std::stod(item.substr(colon + 1), &used_lr);
    } catch (const std::exception&) {
      used_e = 0;
    }
    MP_CHECK(used_e == colon && used_lr == item.size() - colon - 1 && colon > 0,
             "--lr-steps: '" << item << "' is not EPOCH:LR (e.g. --lr-steps 50:0.001)");
    MP_CHECK(st.epoch >= 1,
             "--lr-steps: epoch " << st.epoch << " in '" << item << "' must be >= 1");
    MP_CHECK(st.lr > 0 && std::isfinite(st.lr),
             "--lr-steps: the rate in '" << item << "' must be positive");
    MP_CHECK(steps.empty() || st.epoch > steps.back().epoch,
             "--lr-steps: epochs must increase ('" << spec << "')");
    steps.push_back(st);
  }
  return steps;
}

}  // namespace

namespace {

bool is_image_folder(const std::string& d) {
  return d.rfind("folder:", 0) == 0;
}

std::vector<int> parse_epoch_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    MP_CHECK(!item.empty(), "--checkpoints: empty item in '" << s << "'");
    size_t pos = 0;
    int v = 0;
    try {
      v = std::stoi(item, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    MP_CHECK(pos == item.size() && v >= 0,
             "--checkpoints: '" << item << "' is not an epoch number (use paper|all|none|1,5,10)");
    out.push_back(v);
  }
  return out;
}

// An integer field of a stored config. nlohmann's get<T>() would silently truncate 1.5 and
// convert 1e300 or -1 to an unsigned type with undefined behaviour; a manifest is outside input.
template <class T>
T integer_field(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  MP_CHECK(v.is_number_integer(),
           "manifest config: " << key << " should be an integer, is " << v.dump());
  const bool fits =
      v.is_number_unsigned()
          ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
          : v.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                v.get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max());
  MP_CHECK(fits, "manifest config: " << key << " = " << v.dump() << " is out of range");
  return static_cast<T>(v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>())
                                               : v.get<int64_t>());
}

template <class T>
T integer_field(const nlohmann::json& j, const char* key, T fallback) {
  return j.contains(key) ? integer_field<T>(j, key) : fallback;
}

}  // namespace

namespace {

// docs/method.md §5, AlexNet (the first paper): Adam lr 1e-4; batch 128 and stop at 99.1 % on
// CIFAR-100, batch 500 and stop at 99.9 % on Tiny ImageNet, which is a folder: dataset with 200
// classes (only counted when a default is needed, so a stored config never reads the folder).
void resolve_alexnet_defaults(TrainConfig& c) {
  if (c.optimizer.empty()) c.optimizer = "adam";
  if (c.lr < 0) c.lr = 1e-4;
  if (c.batch_size >= 0 && c.target_train_acc >= 0) return;
  const bool tiny =
      is_image_folder(c.dataset) && data::image_folder_class_count(c.dataset.substr(7)) == 200;
  if (c.batch_size < 0) c.batch_size = tiny ? 500 : 128;
  if (c.target_train_acc < 0) c.target_train_acc = tiny ? 0.999 : 0.991;
}

}  // namespace

void TrainConfig::resolve_defaults() {
  MP_CHECK(dataset == "mnist" || dataset == "fashion-mnist" || dataset == "cifar10" ||
               dataset == "cifar100" || is_image_folder(dataset),
           "unknown dataset '" << dataset
                               << "' (use mnist, fashion-mnist, cifar10, cifar100 or folder:PATH)");
  MP_CHECK(model == "mlp" || model == "cnn" || model == "resnet18" || model == "alexnet",
           "unknown model '" << model << "' (use mlp, cnn, resnet18 or alexnet)");
  MP_CHECK(corrupt >= 0.0 && corrupt <= 1.0 && std::isfinite(corrupt),
           "--corrupt must be in [0, 1], got " << corrupt);
  MP_CHECK(corruption == "random" || corruption == "shuffle",
           "unknown --corruption '" << corruption << "' (use random or shuffle)");

  // docs/method.md §5: MLP and ResNet-18 use SGD lr 1e-3 momentum 0.9 batch 32; the CNN uses Adam
  // lr 2e-4 with batch 128 on (Fashion-)MNIST and 32 on CIFAR-10.
  const bool sgd_model = (model == "mlp" || model == "resnet18");
  if (model == "alexnet") resolve_alexnet_defaults(*this);
  if (optimizer.empty()) optimizer = sgd_model ? "sgd" : "adam";
  MP_CHECK(optimizer == "sgd" || optimizer == "adam",
           "unknown --optimizer '" << optimizer << "' (use sgd or adam)");
  if (lr < 0) lr = sgd_model ? 1e-3 : 2e-4;
  if (momentum < 0) momentum = optimizer == "sgd" ? 0.9 : 0.0;
  if (batch_size < 0) batch_size = (sgd_model || dataset == "cifar10") ? 32 : 128;
  // Stop rule: 100 %; 99.9 % for the MNIST CNN; 99.1 % for Fashion-MNIST.
  if (target_train_acc < 0) {
    if (dataset == "fashion-mnist")
      target_train_acc = 0.991;
    else if (dataset == "mnist" && model == "cnn")
      target_train_acc = 0.999;
    else
      target_train_acc = 1.0;
  }
  MP_CHECK(lr > 0 && std::isfinite(lr), "--lr must be positive, got " << lr);
  MP_CHECK(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got " << momentum);
  MP_CHECK(dropout >= 0 && dropout < 1 && std::isfinite(dropout),
           "--dropout must be in [0, 1), got " << dropout);
  MP_CHECK(dropout == 0 || (model != "mlp" && model != "alexnet"),
           "--dropout: the " << model
                             << " has no dropout variant (the reference's has none); use --model "
                                "cnn or resnet18");
  MP_CHECK(batch_size > 0, "--batch-size must be positive, got " << batch_size);
  MP_CHECK(max_epochs >= 0, "--max-epochs must be >= 0, got " << max_epochs);
  MP_CHECK(target_train_acc > 0 && target_train_acc <= 1,
           "--target-train-acc must be in (0, 1], got " << target_train_acc);
  MP_CHECK(train_subset >= 0, "--train-subset must be >= 0, got " << train_subset);
  MP_CHECK(test_subset >= 0, "--test-subset must be >= 0, got " << test_subset);
  MP_CHECK(subset_mode == "first" || subset_mode == "stratified",
           "unknown --subset-mode '" << subset_mode << "' (use first or stratified)");
  MP_CHECK(edit_bias == "zero" || edit_bias == "keep",
           "unknown --edit-bias '" << edit_bias << "' (use zero or keep)");
  check_edit_options();
  MP_CHECK(stop_on == "running" || stop_on == "eval",
           "unknown --stop-on '" << stop_on << "' (use running or eval)");
  MP_CHECK(keep_optim == "last" || keep_optim == "all",
           "unknown --keep-optim '" << keep_optim << "' (use last or all)");
  MP_CHECK(threads >= 0, "--threads must be >= 0, got " << threads);
  parse_lr_steps(lr_steps);  // validates
  if (checkpoints != "paper" && checkpoints != "all" && checkpoints != "none")
    parse_epoch_list(checkpoints);  // validates
}

// The edit flags fit together: a mode or a post-edit batch size needs an edit, an end epoch needs
// the reference mode, and the reference run ends after its edit (an edit at the last epoch
// would train nothing after it).
void TrainConfig::check_edit_options() {
  MP_CHECK(edit_mode == "continue" || edit_mode == "reference",
           "unknown --edit-mode '" << edit_mode << "' (use continue or reference)");
  MP_CHECK(edit_at_epoch >= -1,
           "--edit-at-epoch must be >= 0 (or -1 = never), got " << edit_at_epoch);
  MP_CHECK(edit_mode == "continue" || edit_at_epoch >= 0,
           "--edit-mode reference needs --edit-at-epoch (the epoch whose model is edited)");
  MP_CHECK(edit_batch_size == -1 || edit_batch_size > 0,
           "--edit-batch-size must be positive, got " << edit_batch_size);
  MP_CHECK(edit_batch_size == -1 || edit_at_epoch >= 0,
           "--edit-batch-size needs --edit-at-epoch (it is the batch size after the edit)");
  if (!reference_edit()) {
    MP_CHECK(end_epoch == -1,
             "--end-epoch needs --edit-mode reference (an ordinary run ends on "
             "--target-train-acc or --max-epochs)");
    return;
  }
  if (end_epoch == -1) end_epoch = 100;  // the reference trains to epoch 100
  MP_CHECK(end_epoch > edit_at_epoch, "--end-epoch "
                                          << end_epoch << " must be after --edit-at-epoch "
                                          << edit_at_epoch << " (the run trains the edited model)");
  MP_CHECK(max_epochs >= end_epoch,
           "--max-epochs " << max_epochs << " is below --end-epoch " << end_epoch
                           << "; with --edit-mode reference the run ends at --end-epoch");
}

int64_t TrainConfig::batch_size_at_epoch(int epoch) const {
  return edit_batch_size > 0 && edit_at_epoch >= 0 && epoch > edit_at_epoch ? edit_batch_size
                                                                            : batch_size;
}

double TrainConfig::lr_at_epoch(int epoch) const {
  double r = lr;
  for (const LrStep& st : parse_lr_steps(lr_steps))
    if (epoch >= st.epoch) r = st.lr;
  return r;
}

bool TrainConfig::is_checkpoint_epoch(int e) const {
  if (checkpoints == "all") return true;
  if (checkpoints == "none") return e == 0;
  if (checkpoints == "paper") {
    // docs/method.md §5: 0 (initialisation), 1, 2, 4, 6, ..., 20, then every 5.
    if (e <= 2) return true;
    if (e <= 20) return e % 2 == 0;
    return e % 5 == 0;
  }
  for (int v : parse_epoch_list(checkpoints))
    if (v == e) return true;
  return e == 0;
}

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json j{{"dataset", dataset},
                   {"model", model},
                   {"data_dir", data_dir},
                   {"corrupt", corrupt},
                   {"corruption_mode", corruption},
                   {"seed", seed},
                   {"label_seed", label_seed},
                   {"optimizer", optimizer},
                   {"lr", lr},
                   {"momentum", momentum},
                   {"batch_size", batch_size},
                   {"max_epochs", max_epochs},
                   {"target_train_acc", target_train_acc},
                   {"stop_on", stop_on},
                   {"shuffle", shuffle},
                   {"train_subset", train_subset},
                   {"subset_mode", subset_mode},
                   {"test_subset", test_subset},
                   {"checkpoints", checkpoints},
                   {"edit_at_epoch", edit_at_epoch},
                   {"edit_bias", edit_bias},
                   {"threads", threads},
                   {"keep_optim", keep_optim}};
  // Only when set: a constant-rate run's manifest stays as older binaries wrote it, so runs they
  // started resume and compare as the same configuration.
  if (!lr_steps.empty()) j["lr_steps"] = lr_steps;
  if (dropout != 0) j["dropout"] = dropout;  // likewise
  if (reference_edit()) {
    j["edit_mode"] = edit_mode;
    j["end_epoch"] = end_epoch;
  }
  if (edit_batch_size > 0) j["edit_batch_size"] = edit_batch_size;
  return j;
}

TrainConfig TrainConfig::from_json(const nlohmann::json& j) {
  TrainConfig c;
  try {
    c.dataset = j.at("dataset").get<std::string>();
    c.model = j.at("model").get<std::string>();
    c.data_dir = j.value("data_dir", std::string());
    c.corrupt = j.at("corrupt").get<double>();
    c.corruption = j.value("corruption_mode", std::string("random"));
    c.seed = integer_field<uint32_t>(j, "seed");
    // Runs written before the label seed existed corrupted with `seed`.
    c.label_seed = integer_field<uint32_t>(j, "label_seed", c.seed);
    c.optimizer = j.at("optimizer").get<std::string>();
    c.lr = j.at("lr").get<double>();
    c.lr_steps = j.value("lr_steps", std::string());
    c.momentum = j.at("momentum").get<double>();
    c.dropout = j.value("dropout", 0.0);
    c.batch_size = integer_field<int64_t>(j, "batch_size");
    c.max_epochs = integer_field<int>(j, "max_epochs");
    c.target_train_acc = j.at("target_train_acc").get<double>();
    // Runs written before the running count existed stopped on the evaluation pass.
    c.stop_on = j.value("stop_on", std::string("eval"));
    c.shuffle = j.at("shuffle").get<bool>();
    c.train_subset = integer_field<int64_t>(j, "train_subset");
    c.subset_mode = j.value("subset_mode", std::string("first"));
    c.test_subset = integer_field<int64_t>(j, "test_subset", 0);
    c.checkpoints = j.value("checkpoints", std::string("paper"));
    c.edit_at_epoch = integer_field<int>(j, "edit_at_epoch", -1);
    c.edit_bias = j.value("edit_bias", std::string("zero"));
    c.edit_mode = j.value("edit_mode", std::string("continue"));
    c.end_epoch = integer_field<int>(j, "end_epoch", -1);
    c.edit_batch_size = integer_field<int64_t>(j, "edit_batch_size", -1);
    c.threads = integer_field<int>(j, "threads", 0);
    c.keep_optim = j.value("keep_optim", std::string("all"));
  } catch (const nlohmann::json::exception& e) {
    MP_FAIL("manifest config is incomplete or has a wrong type: " << e.what());
  }
  return c;
}

std::string run_name(const TrainConfig& c) {
  char level[32];
  std::snprintf(level, sizeof level, "%.2f", c.corrupt);
  std::string ds = c.dataset;
  for (char& ch : ds)
    if (ch == '/' || ch == ':') ch = '_';
  std::string name = ds + "-" + c.model + "-p" + level + "-s" + std::to_string(c.seed);
  if (c.dropout != 0) name += "-" + dropout_tag(c.dropout);
  return c.reference_edit() ? name + "-edit" + std::to_string(c.edit_at_epoch) : name;
}

std::string dropout_tag(double rate) {
  return "dropout" + csv_number(rate);
}

}  // namespace mp::app
