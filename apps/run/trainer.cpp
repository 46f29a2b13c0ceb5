#include "apps/run/trainer.h"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>

#include "apps/run/console.h"
#include "apps/run/metrics_log.h"
#include "apps/run/run_dir.h"
#include "apps/run/runtime_diff.h"
#include "apps/run/study_data.h"
#include "apps/run/transfer_results.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/loader.h"
#include "nn/adam.h"
#include "nn/checkpoint.h"
#include "nn/dropout.h"
#include "nn/models.h"
#include "nn/sgd.h"
#include "probes/linear_probe.h"
#include "probes/model_eval.h"
#include "probes/transfer.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"
#include "tensor/threads.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

// SIGINT/SIGTERM stop training at the next batch boundary; the run is left resumable from its
// last checkpoint (a half-finished epoch is recomputed on resume, so nothing is half-written).
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
}

struct SignalScope {
  void (*old_int)(int), (*old_term)(int);
  SignalScope() {
    g_stop_signal = 0;
    old_int = std::signal(SIGINT, on_stop_signal);
    old_term = std::signal(SIGTERM, on_stop_signal);
  }
  ~SignalScope() {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
};

std::map<std::string, std::string> checkpoint_meta(const TrainConfig& cfg, const StudyData& d,
                                                   int epoch) {
  return {{"format", "pt"},
          {"memprobe.arch", cfg.model},
          {"memprobe.input", std::to_string(d.train.c) + "x" + std::to_string(d.train.h) + "x" +
                                 std::to_string(d.train.w)},
          {"memprobe.num_classes", std::to_string(d.num_classes())},
          {"memprobe.epoch", std::to_string(epoch)},
          {"memprobe.dataset", cfg.dataset},
          {"memprobe.corrupt", std::to_string(cfg.corrupt)},
          {"memprobe.seed", std::to_string(cfg.seed)},
          {"memprobe.label_seed", std::to_string(cfg.label_seed)}};
}

std::map<std::string, std::string> checkpoint_meta_with_dropout(const TrainConfig& cfg,
                                                                const StudyData& d, int epoch) {
  auto meta = checkpoint_meta(cfg, d, epoch);
  // Only when set, so a dropout-free run's checkpoints stay byte-identical to older ones.
  if (cfg.dropout != 0) meta["memprobe.dropout"] = std::to_string(cfg.dropout);
  return meta;
}

// The config keys that must match for --resume. Threads may differ but break bit-identity (as a
// different BLAS kernel or build ISA does): warned about, not refused. keep_optim changes no
// result. A key the stored config lacks (written by an older memprobe) is compared with the
// value that older memprobe behaved as (TrainConfig::from_json's fallbacks). With
// `raised_cap_ok`, max_epochs may be higher than the stored one (never lower): the cap only
// decides where training stops, so the epochs trained so far are the ones the higher cap trains.
void check_same_config(const nlohmann::json& stored_json, const nlohmann::json& now,
                       const std::string& run_dir_hint, bool raised_cap_ok,
                       const std::string& start_over) {
  const nlohmann::json stored = TrainConfig::from_json(stored_json).to_json();
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (it.key() == "threads" || it.key() == "data_dir" || it.key() == "keep_optim") continue;
    if (raised_cap_ok && it.key() == "max_epochs" && stored.contains("max_epochs") &&
        it.value().get<int>() >= stored.at("max_epochs").get<int>())
      continue;
    MP_CHECK(stored.contains(it.key()) && stored.at(it.key()) == it.value(),
             run_dir_hint << ": the run there was started with " << it.key() << " = "
                          << (stored.contains(it.key()) ? stored.at(it.key()).dump() : "(unset)")
                          << ", this command says " << it.value().dump()
                          << "; use the original settings, or " << start_over);
  }
  // Keys written only when set (lr_steps, dropout): a run started with one must not be resumed
  // or reused by a command without it.
  for (auto it = stored.begin(); it != stored.end(); ++it)
    MP_CHECK(now.contains(it.key()),
             run_dir_hint << ": the run there was started with " << it.key() << " = "
                          << it.value().dump()
                          << ", this command does not set it; use the original settings, or "
                          << start_over);
}

int stored_max_epochs(const Manifest& m) {
  return TrainConfig::from_json(m.json().value("config", nlohmann::json::object())).max_epochs;
}

// Resuming elsewhere (another thread count, BLAS kernel or build ISA) continues the run, but not
// bit-identically to an uninterrupted one: say so, once per difference.
void warn_runtime_differences(const Manifest& m, std::ostream& log) {
  for (const std::string& w : runtime_differences(m.json().value("runtime", nlohmann::json())))
    log << "warning: " << w
        << "; the resumed run will not be bit-identical to an uninterrupted "
           "one\n";
}

// Temp files ("<name>.tmp.<pid>", tensor/io/atomic_file.h) that a trainer killed mid-write left
// behind. Only names the trainer itself writes are touched (probe/transfer may write their CSVs
// concurrently: they hold the analysis lock, not this one); the caller holds the run's training
// lock, so no live trainer owns them.
void remove_stale_temp_files(const RunDir& run) {
  std::vector<fs::path> stale;
  std::error_code ec;
  for (const fs::path& dir : {run.root(), run.checkpoints_dir()}) {
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const size_t t = name.find(".tmp.");
      if (t == std::string::npos) continue;
      const std::string base = name.substr(0, t);
      if (dir == run.checkpoints_dir() || base == manifest_format().file ||
          base == metrics_format().file || base == labels_format().file)
        stale.push_back(it->path());
    }
  }
  for (const fs::path& p : stale) fs::remove(p, ec);
}

uintmax_t directory_bytes(const fs::path& root) {
  uintmax_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

class Trainer {
 public:
  Trainer(TrainConfig cfg, const fs::path& out, const TrainOptions& opt, std::ostream& log)
      : cfg_(std::move(cfg)), opt_(opt), log_(log), run_(open_run(out)) {}

  TrainOutcome run();

 private:
  static RunDir open_run(const fs::path& out) {
    std::error_code ec;
    if (fs::exists(out / manifest_format().file, ec)) return RunDir::open(out);
    return RunDir::create(out);
  }
  void evaluate(EpochMetrics& m, bool train_pass);
  void evaluate_train_set(EpochMetrics& m);
  void save_checkpoint_timed(int epoch);
  void train_epoch(EpochMetrics& m);
  void save_checkpoint(int epoch);
  void drop_older_optimizer_states(int epoch);
  void apply_edit(int epoch);
  void record_edited_model(int epoch, const probes::TransferResult& t);
  bool finished(const EpochMetrics& m, std::string& reason) const;
  bool continue_from_last_checkpoint(const Manifest& old);
  void record_raised_cap();
  void adopt_checkpoint(int epoch);
  void log_epoch(const EpochMetrics& m);

  TrainConfig cfg_;
  TrainOptions opt_;
  std::ostream& log_;
  RunDir run_;
  Manifest manifest_;
  StudyData data_;
  std::unique_ptr<nn::Model> model_;
  std::unique_ptr<nn::Optimizer> optim_;
  std::vector<EpochMetrics> metrics_;
  double wall_offset_ = 0;  // wall time of earlier sessions (resume)
  int resume_epoch_ = -1;   // the checkpoint a resume starts from
  Timer timer_;
};

// The test set after every epoch (as the reference does); the training set (vs both label
// arrays) when `train_pass` - every epoch with --stop-on eval, else at saved checkpoints only:
// with the running count as the stop metric nothing else needs it, and at full size it is a
// fifth of an MLP epoch.
void Trainer::evaluate(EpochMetrics& m, bool train_pass) {
  if (train_pass) evaluate_train_set(m);
  const data::Normalization norm;
  probes::EvalResult te = probes::evaluate_model(*model_, data_.test, norm, nullptr);
  m.test_acc = probes::accuracy(te.predictions, data_.test.labels);
}

void Trainer::evaluate_train_set(EpochMetrics& m) {
  const data::Normalization norm;
  probes::EvalResult tr = probes::evaluate_model(*model_, data_.train, norm, &data_.train_corrupt);
  m.train_acc_corrupted = probes::accuracy(tr.predictions, data_.train_corrupt);
  m.train_acc_true = probes::accuracy(tr.predictions, data_.train_true);
  if (m.epoch == 0) m.loss = tr.mean_loss;
}

// Rows of `logits` ([B, K]) whose argmax (ties -> lowest class, as probes::EvalResult) equals
// the label.
int64_t count_correct(const Tensor& logits, const std::vector<int32_t>& labels) {
  const int64_t b = logits.shape()[0], k = logits.shape()[1];
  const float* z = logits.data();
  int64_t correct = 0;
  for (int64_t i = 0; i < b; ++i) {
    const float* row = z + i * k;
    int64_t best = 0;
    for (int64_t j = 1; j < k; ++j)
      if (row[j] > row[best]) best = j;
    correct += best == labels[static_cast<size_t>(i)];
  }
  return correct;
}

void Trainer::train_epoch(EpochMetrics& m) {
  const int epoch = m.epoch;
  model_->train(true);
  // The dropout masks of an epoch are a pure function of (seed, epoch), like the data order: a
  // run resumed from a checkpoint (always an epoch boundary) draws exactly the masks an
  // uninterrupted one does, with no generator state to save. A stream apart from --shuffle's.
  nn::reseed_dropout(*model_, data::epoch_seed(cfg_.seed ^ 0x68E31DA4u, epoch));
  data::Loader loader(data_.train, data_.train_true, data_.train_corrupt,
                      cfg_.batch_size_at_epoch(epoch), cfg_.shuffle, cfg_.seed);
  loader.start_epoch(epoch);
  data::Batch b;
  double loss_sum = 0;
  int64_t seen = 0, batch_no = 0, correct = 0;
  Progress bar(std::cerr, "epoch " + std::to_string(epoch), loader.num_samples(),
               Progress::Options{stderr_is_tty(), 0.1, 1e9, 2.0, "samples", nullptr});
  while (loader.next(b)) {
    ++batch_no;
    optim_->zero_grad();
    ag::Var logits = model_->forward(ag::Var(b.x));
    ag::Var loss = ag::cross_entropy(logits, b.y_train);
    const float lv = loss.item();
    // The running count (the reference's stop metric): this batch's predictions from the
    // forward pass that computes its loss, before the optimizer step changes the weights.
    correct += count_correct(logits.data(), b.y_train);
    if (!std::isfinite(lv)) {
      manifest_.finish("failed", metrics_.empty() ? 0 : metrics_.back().epoch,
                       "non-finite loss at epoch " + std::to_string(epoch) + ", batch " +
                           std::to_string(batch_no));
      run_.write_manifest(manifest_);
      MP_FAIL("training diverged: the loss is "
              << lv << " at epoch " << epoch << ", batch " << batch_no << " (lr " << optim_->lr()
              << "); the last good checkpoint is kept in " << run_.checkpoints_dir().string());
    }
    loss.backward();
    optim_->step();
    loss_sum += static_cast<double>(lv) * b.size();
    seen += b.size();
    bar.update(seen);
    if (g_stop_signal) break;
  }
  bar.finish();
  // The last step of the epoch can overflow the weights while every loss seen was finite; such
  // a model must not be evaluated and checkpointed as if it were good.
  for (const auto& [name, p] : model_->named_parameters()) {
    const Tensor& t = p.data();
    const float* v = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (std::isfinite(v[i])) continue;
      manifest_.finish("failed", metrics_.empty() ? 0 : metrics_.back().epoch,
                       "non-finite parameter " + name + " after epoch " + std::to_string(epoch));
      run_.write_manifest(manifest_);
      MP_FAIL("training diverged: parameter " << name << " is " << v[i] << " after epoch " << epoch
                                              << ", batch " << batch_no << " (lr " << optim_->lr()
                                              << "); the last good checkpoint is kept in "
                                              << run_.checkpoints_dir().string());
    }
  }
  m.loss = seen ? loss_sum / seen : 0.0;
  m.train_acc_running = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0;
}

void Trainer::save_checkpoint(int epoch) {
  const auto meta = checkpoint_meta_with_dropout(cfg_, data_, epoch);
  const fs::path model_path = run_.checkpoint_path(epoch);
  nn::save_model(model_path.string(), *model_, meta);
  nn::save_optimizer(run_.optim_path(epoch).string(), *optim_, meta);
  manifest_.add_checkpoint(epoch,
                           {RunDir::checkpoint_relpath(epoch), sha256_file(model_path.string())});
  run_.write_manifest(manifest_);
  if (cfg_.keep_optim == "last") drop_older_optimizer_states(epoch);
}

// Saves the checkpoint of the epoch whose metrics row was just written (so a kill in between
// leaves a row without its checkpoint, never a checkpoint without its row: resume needs the
// row), then records the write's wall time in that row.
void Trainer::save_checkpoint_timed(int epoch) {
  Timer tc;
  save_checkpoint(epoch);
  EpochMetrics& m = metrics_.back();
  m.checkpoint_s = tc.seconds();
  m.epoch_s += m.checkpoint_s;
  m.wall_s = wall_offset_ + timer_.seconds();
  write_metrics_csv(run_.metrics_csv(), metrics_);
}

// Only --resume reads optimizer state, and only the newest checkpoint's: the older ones would
// double a full-size run's disk (SGD momentum is one more copy of the weights, Adam two). They
// are removed after the new one is safely written, so a kill in between leaves both.
void Trainer::drop_older_optimizer_states(int epoch) {
  std::error_code ec;
  for (int e : run_.checkpoint_epochs())
    if (e < epoch) fs::remove(run_.optim_path(e), ec);
}

// Before resuming from `epoch`: its model file must be the one the manifest lists (a modified
// or corrupt checkpoint is refused, never trained on), or - the run was killed after writing
// it but before rewriting the manifest - it is listed now. Model files of later epochs without
// their optimizer file (killed between the two writes) are removed; training rewrites them.
void Trainer::adopt_checkpoint(int epoch) {
  const std::string sha = sha256_file(run_.checkpoint_path(epoch).string());
  const auto listed = manifest_.checkpoints();
  if (auto it = listed.find(epoch); it != listed.end()) {
    MP_CHECK(it->second.sha256 == sha,
             run_.checkpoint_path(epoch).string()
                 << ": checksum mismatch (manifest " << it->second.sha256 << ", file " << sha
                 << "): the checkpoint was modified or is corrupt; refusing to resume from it");
  } else {
    manifest_.add_checkpoint(epoch, {RunDir::checkpoint_relpath(epoch), sha});
    run_.write_manifest(manifest_);
  }
  std::error_code ec;
  for (int e : run_.checkpoint_epochs())
    if (e > epoch) fs::remove(run_.checkpoint_path(e), ec);
}

void Trainer::apply_edit(int epoch) {
  // docs/method.md §12 variant: write the linear probe of the last hidden layer into the output
  // layer, then continue ordinary training with a fresh optimizer.
  probes::TransferResult t = probes::edit_output_layer(*model_, data_.train, data_.train_corrupt,
                                                       cfg_.edit_bias == "zero");
  optim_ = make_optimizer(cfg_, *model_);
  log_ << "edited the output layer at epoch " << epoch << " with the linear probe of " << t.layer
       << " (bias " << cfg_.edit_bias << "); continuing with a fresh optimizer\n";
  if (cfg_.reference_edit()) record_edited_model(epoch, t);
}

// --edit-mode reference: the edited model as `memprobe transfer` saves one (transfer/, a row
// of transfer.csv), since the checkpoint of the edit epoch is the unedited model. A resume from
// that checkpoint edits again and rewrites both with the same content.
void Trainer::record_edited_model(int epoch, const probes::TransferResult& t) {
  const data::Normalization norm;
  TransferRow row;
  row.epoch = epoch;
  row.bias = cfg_.edit_bias;
  probes::EvalResult tr = probes::evaluate_model(*model_, data_.train, norm, nullptr);
  probes::EvalResult te = probes::evaluate_model(*model_, data_.test, norm, nullptr);
  row.test_acc = probes::accuracy(te.predictions, data_.test.labels);
  row.train_acc_corrupted = probes::accuracy(tr.predictions, data_.train_corrupt);
  row.train_acc_true = probes::accuracy(tr.predictions, data_.train_true);
  auto acts = probes::collect_activations(*model_, data_.test, norm, {t.layer});
  const auto& T = acts.at(t.layer);
  row.probe_test_acc =
      probes::accuracy(probes::predict_linear(t.probe, T.data.data(), T.rows), data_.test.labels);
  char name[64];
  std::snprintf(name, sizeof name, "epoch_%04d-bias_%s.safetensors", epoch, row.bias.c_str());
  row.checkpoint = (fs::path("transfer") / name).string();
  fs::create_directories(run_.root() / "transfer");
  auto meta = checkpoint_meta(cfg_, data_, epoch);
  meta["memprobe.edited"] = "linear probe of " + t.layer + ", bias " + row.bias;
  nn::save_model((run_.root() / row.checkpoint).string(), *model_, meta);
  write_transfer_csv(run_.transfer_csv(), {row});
  log_ << "edited model at epoch " << epoch << ": test " << format_percent(row.test_acc)
       << ", train(corrupted) " << format_percent(row.train_acc_corrupted) << ", train(true) "
       << format_percent(row.train_acc_true) << "\n";
}

// Picks the checkpoint a resume starts from: the newest with its optimizer state (a kill between
// writing a model file and its optimizer file leaves a model file that cannot be resumed from).
// Warns when this process would not continue bit-identically (threads, BLAS kernel, build ISA).
bool Trainer::continue_from_last_checkpoint(const Manifest& old) {
  warn_runtime_differences(old, log_);
  for (int e : run_.checkpoint_epochs()) {
    std::error_code ec;
    if (fs::exists(run_.optim_path(e), ec)) resume_epoch_ = e;
  }
  return resume_epoch_ >= 0;
}

// A resume under a higher --max-epochs than the run was started with: the manifest's config
// takes the new cap (it is what the run now trains to), "max_epochs_raised" keeps each raise
// (from, to, the epoch it continued from), and a run that had finished at its old cap is marked
// running again before any epoch is trained, so a kill leaves no false "finished".
void Trainer::record_raised_cap() {
  nlohmann::json& j = manifest_.json();
  const int before = stored_max_epochs(manifest_);
  if (cfg_.reference_edit() || cfg_.max_epochs <= before) return;
  j["config"]["max_epochs"] = cfg_.max_epochs;
  if (!j.contains("max_epochs_raised") || !j["max_epochs_raised"].is_array())
    j["max_epochs_raised"] = nlohmann::json::array();
  j["max_epochs_raised"].push_back(
      {{"from", before}, {"to", cfg_.max_epochs}, {"at_epoch", resume_epoch_}});
  if (j.value("status", "") == "finished") {
    j["status"] = "running";
    j["finished"] = nullptr;
    j.erase("final_epoch");
    j.erase("stop_reason");
  }
  run_.write_manifest(manifest_);
  log_ << "epoch cap raised from " << before << " to " << cfg_.max_epochs
       << ": continuing from the checkpoint of epoch " << resume_epoch_ << "\n";
}

// The stop rule: the accuracy target or the epoch cap; with --edit-mode reference only the end
// epoch (the reference trains the edited model a fixed number of epochs).
bool Trainer::finished(const EpochMetrics& m, std::string& reason) const {
  if (cfg_.reference_edit()) {
    reason = "end epoch";
    return m.epoch >= cfg_.end_epoch;
  }
  const bool target = stop_metric(m, cfg_.stop_on) >= cfg_.target_train_acc;
  reason = target ? "target reached" : "epoch cap";
  return target || m.epoch >= cfg_.max_epochs;
}

void Trainer::log_epoch(const EpochMetrics& m) {
  if (opt_.quiet) return;
  log_ << "epoch " << m.epoch << "  loss " << format_fixed(m.loss, 4);
  if (!std::isnan(m.train_acc_running)) log_ << "  running " << format_percent(m.train_acc_running);
  if (!std::isnan(m.train_acc_corrupted))
    log_ << "  train(corrupted) " << format_percent(m.train_acc_corrupted) << "  train(true) "
         << format_percent(m.train_acc_true);
  log_ << "  test " << format_percent(m.test_acc);
  if (m.epoch > 0)
    log_ << "  " << format_rate(m.samples_per_s, "samples") << "  " << format_duration(m.epoch_s);
  log_ << std::endl;
}

TrainOutcome Trainer::run() {
  run_.lock("train");
  // An edit run writes transfer.csv itself (record_edited_model), an analysis file.
  if (cfg_.reference_edit()) run_.lock_analysis("train an edit run");
  remove_stale_temp_files(run_);
  TrainOutcome out;
  const nlohmann::json cfg_json = cfg_.to_json();
  int start_epoch = 0;
  bool resuming = false;
  if (run_.has_manifest()) {
    Manifest old = run_.read_manifest();
    if (opt_.force) {
      // Everything the old run produced goes, so no row of it (a phase time, a probe, an edited
      // model) is read as the new run's; the checkpoints folder is made again, empty. Not under
      // an analysis that is still writing those files.
      run_.lock_analysis("start the run over (--force)");
      std::error_code ec;
      for (const fs::path& p : {run_.checkpoints_dir(), run_.root() / "transfer"})
        fs::remove_all(p, ec);
      for (const fs::path& p : {run_.metrics_csv(), run_.probes_csv(), run_.transfer_csv(),
                                run_.dynamics_csv(), run_.timing_csv()})
        fs::remove(p, ec);
      fs::create_directories(run_.checkpoints_dir(), ec);
      MP_CHECK(!ec, "cannot create '" << run_.checkpoints_dir().string() << "': " << ec.message());
    } else if (old.status() == "finished" && old.str("stop_reason") == "epoch cap" &&
               !cfg_.reference_edit() && cfg_.max_epochs > stored_max_epochs(old)) {
      // Stopped at its cap, asked for a higher one: the run continues from its last checkpoint
      // (whose optimizer state keep_optim always keeps) exactly as a run started with the
      // higher cap would have gone on, so the result is bit-identical to that run.
      MP_CHECK(opt_.resume, run_.root().string()
                                << " holds a run that stopped at its epoch cap ("
                                << stored_max_epochs(old) << "); pass --resume to train it on to "
                                << cfg_.max_epochs << " epochs, or " << opt_.start_over);
      check_same_config(old.json().value("config", nlohmann::json::object()), cfg_json,
                        run_.root().string(), true, opt_.start_over);
      manifest_ = old;
      resuming = continue_from_last_checkpoint(old);
      MP_CHECK(resuming, run_.root().string()
                             << ": the run stopped at its epoch cap but no checkpoint with "
                                "optimizer state is left to continue from; "
                             << opt_.start_over);
    } else if (old.status() == "finished") {
      // Reuse only a run of the same settings: a finished run with another config in this
      // directory is refused, never silently passed off as the requested one. A run that reached
      // its target is also the run any higher cap asks for (it stops at the same epoch).
      check_same_config(old.json().value("config", nlohmann::json::object()), cfg_json,
                        run_.root().string(), old.str("stop_reason") == "target reached",
                        opt_.start_over);
      metrics_ = read_metrics_csv(run_.metrics_csv());
      out.reused = true;
      out.stop_reason = "already finished";
      out.final_epoch = old.final_epoch().value_or(0);
      if (!metrics_.empty()) out.last = metrics_.back();
      log_ << "run " << run_.root().string() << " is already finished (epoch " << out.final_epoch
           << "); not retraining it (" << opt_.start_over << ")\n";
      return out;
    } else {
      const auto ckpts = run_.checkpoint_epochs();
      MP_CHECK(opt_.resume,
               run_.root().string()
                   << " holds an unfinished run (status " << old.status()
                   << (ckpts.empty() ? ", no checkpoint"
                                     : ", last checkpoint epoch " + std::to_string(ckpts.back()))
                   << "): pass --resume to continue it, or " << opt_.start_over);
      check_same_config(old.json().value("config", nlohmann::json::object()), cfg_json,
                        run_.root().string(), true, opt_.start_over);
      manifest_ = old;
      resuming = continue_from_last_checkpoint(old);
    }
  }

  data_ = load_study_data(cfg_);
  const std::string labels_text = labels_csv_text(data_);
  const std::string labels_sha = sha256_hex(labels_text.data(), labels_text.size());
  if (resuming) {
    MP_CHECK(manifest_.str("labels_sha256") == labels_sha,
             "--resume: the training labels re-derived from the config differ from the ones the "
             "run started with (labels.csv sha256 "
                 << manifest_.str("labels_sha256") << " vs " << labels_sha << ")");
    record_raised_cap();
    // Going again: a manifest that the sitting before left "interrupted" (or "failed") says
    // "running" until this one ends, as a fresh run's does (`memprobe status` reads it).
    if (manifest_.status() == "interrupted" || manifest_.status() == "failed") {
      nlohmann::json& j = manifest_.json();
      j["status"] = "running";
      j["finished"] = nullptr;  // the fields of a fresh run (Manifest::start)
      j["final_epoch"] = nullptr;
      j["stop_reason"] = nullptr;
      run_.write_manifest(manifest_);
    }
  } else {
    manifest_ = Manifest();
    manifest_.start(opt_.command, cfg_json, runtime_info(), num_threads());
    manifest_.set_dataset(cfg_.dataset, data_.files_sha256);
    manifest_.set_labels_sha256(labels_sha);
    write_file_atomic(run_.labels_csv().string(), labels_text);
    run_.write_manifest(manifest_);
  }
  log_ << "run " << run_.root().string() << ": " << cfg_.dataset << " / " << cfg_.model
       << ", corruption " << cfg_.corrupt << " (" << data_.n_changed << " of " << data_.train.n
       << " training labels changed), seed " << cfg_.seed << ", " << cfg_.optimizer << " lr "
       << cfg_.lr << (cfg_.lr_steps.empty() ? "" : " (steps " + cfg_.lr_steps + ")")
       << (cfg_.dropout != 0 ? ", dropout " + format_fixed(cfg_.dropout, 2) : "") << ", batch "
       << cfg_.batch_size;
  if (cfg_.reference_edit())
    log_ << ", edit at epoch " << cfg_.edit_at_epoch << " then "
         << cfg_.end_epoch - cfg_.edit_at_epoch << " epochs"
         << (cfg_.edit_batch_size > 0 ? " at batch " + std::to_string(cfg_.edit_batch_size) : "")
         << " to epoch " << cfg_.end_epoch << " (no accuracy stop)\n";
  else
    log_ << ", target " << format_percent(cfg_.target_train_acc) << ", at most " << cfg_.max_epochs
         << " epochs\n";

  model_ = nn::make_model(cfg_.model, data_.train.c, data_.train.h, data_.train.w,
                          data_.num_classes(), cfg_.seed, static_cast<float>(cfg_.dropout));
  optim_ = make_optimizer(cfg_, *model_);

  if (resuming) {
    const int last = resume_epoch_;
    adopt_checkpoint(last);
    nn::load_model(run_.checkpoint_path(last).string(), *model_);
    nn::load_optimizer(run_.optim_path(last).string(), *optim_);
    metrics_ = read_metrics_csv(run_.metrics_csv());
    while (!metrics_.empty() && metrics_.back().epoch > last) metrics_.pop_back();
    MP_CHECK(!metrics_.empty() && metrics_.back().epoch == last,
             "--resume: metrics.csv has no row for the last checkpoint (epoch " << last << ")");
    wall_offset_ = metrics_.back().wall_s;
    start_epoch = last + 1;
    if (last == cfg_.edit_at_epoch) apply_edit(last);
    log_ << "resuming from the checkpoint of epoch " << last << "\n";
  } else {
    EpochMetrics m0;
    m0.epoch = 0;
    Timer te;
    evaluate(m0, true);
    m0.eval_s = te.seconds();
    m0.epoch_s = m0.eval_s;
    m0.wall_s = timer_.seconds();
    metrics_.push_back(m0);
    write_metrics_csv(run_.metrics_csv(), metrics_);
    log_epoch(m0);
    save_checkpoint_timed(0);
    if (cfg_.edit_at_epoch == 0) apply_edit(0);
    start_epoch = 1;
  }

  SignalScope signals;
  bool done = finished(metrics_.back(), out.stop_reason);
  const bool eval_every_epoch = cfg_.stop_on == "eval";
  for (int epoch = start_epoch; !done; ++epoch) {
    Timer t;
    EpochMetrics m;
    m.epoch = epoch;
    // Every epoch, not only at a step: a resumed run or a fresh optimizer after an edit must
    // train at the schedule's rate too.
    optim_->set_lr(cfg_.lr_at_epoch(epoch));
    train_epoch(m);
    const double train_s = t.seconds();
    m.train_s = train_s;
    if (g_stop_signal) {
      manifest_.json()["status"] = "interrupted";
      run_.write_manifest(manifest_);
      MP_FAIL("interrupted during epoch " << epoch
                                          << "; continue with the same command and "
                                             "--resume (from the last checkpoint)");
    }
    Timer te;
    // The reference logs the edited model's training accuracy (both label arrays) every epoch.
    const bool train_pass =
        eval_every_epoch || (cfg_.reference_edit() && epoch > cfg_.edit_at_epoch);
    evaluate(m, train_pass);
    done = finished(m, out.stop_reason);
    const bool checkpoint = cfg_.is_checkpoint_epoch(epoch) || done || epoch == cfg_.edit_at_epoch;
    // Every checkpoint has the full evaluation (probes, dynamics and reports read it there).
    if (checkpoint && !train_pass) evaluate_train_set(m);
    m.eval_s = te.seconds();
    m.samples_per_s = train_s > 0 ? data_.train.n / train_s : 0;
    m.epoch_s = t.seconds();
    m.wall_s = wall_offset_ + timer_.seconds();
    metrics_.push_back(m);
    write_metrics_csv(run_.metrics_csv(), metrics_);
    log_epoch(m);
    if (checkpoint) save_checkpoint_timed(epoch);
    if (epoch == cfg_.edit_at_epoch && !done) apply_edit(epoch);
  }
  out.last = metrics_.back();
  out.final_epoch = out.last.epoch;
  manifest_.finish("finished", out.final_epoch, out.stop_reason);
  // What the run occupies when training ends (checkpoints, optimizer state, CSVs): a user
  // planning a sweep needs it, and a committed bundle without its checkpoints still tells it.
  manifest_.json()["disk_bytes"] = directory_bytes(run_.root());
  run_.write_manifest(manifest_);
  log_ << "finished at epoch " << out.final_epoch << " (" << out.stop_reason << "): test "
       << format_percent(out.last.test_acc) << ", train(corrupted) "
       << format_percent(out.last.train_acc_corrupted) << "\n";
  return out;
}

}  // namespace

std::unique_ptr<nn::Optimizer> make_optimizer(const TrainConfig& cfg, nn::Model& model) {
  if (cfg.optimizer == "sgd") {
    auto sgd = std::make_unique<nn::SGD>(model.named_parameters(), cfg.lr, cfg.momentum);
    sgd->set_fused(true);
    return sgd;
  }
  return std::make_unique<nn::Adam>(model.named_parameters(), cfg.lr);
}

TrainOutcome train_run(TrainConfig cfg, const fs::path& out, const TrainOptions& opt,
                       std::ostream& log) {
  cfg.resolve_defaults();
  if (cfg.threads > 0) set_num_threads(cfg.threads);
  cfg.threads = num_threads();
  Trainer t(std::move(cfg), out, opt, log);
  return t.run();
}

}  // namespace mp::app
