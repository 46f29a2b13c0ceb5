#include "apps/study/relabel.h"

#include <unistd.h>

#include <cmath>
#include <map>

#include "apps/run/console.h"
#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/trainer.h"
#include "apps/study/analysis.h"
#include "autograd/ops.h"
#include "data/loader.h"
#include "data/subset.h"
#include "nn/checkpoint.h"
#include "probes/model_eval.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "tensor/io/npy.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace mp::app {

namespace fs = std::filesystem;

TestSplit split_test_set(int64_t n, double heldout_fraction, uint32_t seed) {
  MP_CHECK(heldout_fraction > 0 && heldout_fraction < 1,
           "--heldout " << heldout_fraction << " must lie strictly between 0 and 1");
  // scikit-learn's ShuffleSplit: n_test = ceil(fraction * n), test = permutation[:n_test].
  const int64_t n_held = static_cast<int64_t>(std::ceil(heldout_fraction * static_cast<double>(n)));
  MP_CHECK(n_held >= 1 && n_held < n,
           "--heldout " << heldout_fraction << " of " << n << " test images leaves an empty part");
  Rng rng(seed);
  const std::vector<int64_t> perm = rng.permutation(n);
  TestSplit s;
  s.heldout.assign(perm.begin(), perm.begin() + n_held);
  s.eval.assign(perm.begin() + n_held, perm.end());
  return s;
}

bool EarlyStopping::update(int epoch, double heldout_acc) {
  if (heldout_acc > best_) {
    best_ = heldout_acc;
    best_epoch_ = epoch;
    bad_epochs_ = 0;
    return true;
  }
  ++bad_epochs_;
  return false;
}

const FileFormat& relabel_metrics_format() {
  static const FileFormat f = {
      "metrics.csv",
      "per-epoch loss and accuracies of the model retrained on the MASC labels",
      {{"epoch", "1, 2, ... (count)"},
       {"loss", "mean cross-entropy over the epoch's batches vs the MASC labels (nats)"},
       {"train_acc_relabels",
        "running accuracy over the epoch's mini-batches vs the MASC labels (fraction)"},
       {"heldout_acc", "accuracy on the held-out part of the test set, true labels (fraction)"},
       {"eval_acc", "accuracy on the evaluation part of the test set, true labels (fraction)"},
       {"improved", "1 when heldout_acc beat every earlier epoch's (early stopping), else 0"},
       {"epoch_s", "wall time of the epoch: training and evaluation (s)"}}};
  return f;
}

const FileFormat& relabel_layers_format() {
  static const FileFormat f = {
      "layers.csv",
      "MASC per layer of the source checkpoint on both parts of the test set",
      {{"layer", "the probed layer"},
       {"dim", "its width d (count)"},
       {"heldout_acc", "MASC accuracy on the held-out part, true labels (fraction)"},
       {"eval_acc", "MASC accuracy on the evaluation part, true labels (fraction)"},
       {"chosen", "1 on the layer whose MASC labelled the training set, else 0"}}};
  return f;
}

const FileFormat& relabel_split_format() {
  static const FileFormat f = {
      "split.csv",
      "which test images were held out for the layer choice and early stopping",
      {{"test_index", "row of the run's test set, 0-based (count)"}, {"part", "heldout or eval"}}};
  return f;
}

namespace {

double accuracy_at(const std::vector<int32_t>& pred, const std::vector<int32_t>& labels,
                   const std::vector<int64_t>& rows) {
  int64_t hit = 0;
  for (int64_t i : rows) hit += pred[static_cast<size_t>(i)] == labels[static_cast<size_t>(i)];
  return rows.empty() ? 0.0 : static_cast<double>(hit) / static_cast<double>(rows.size());
}

// The staging folder: removed on every way out unless committed (renamed into place).
struct Staging {
  fs::path dir, final_dir;
  bool committed = false;
  ~Staging() {
    std::error_code ec;
    if (!committed) fs::remove_all(dir, ec);
  }
  void commit(bool force) {
    std::error_code ec;
    fs::path old;
    if (fs::exists(final_dir, ec)) {
      MP_CHECK(force, final_dir.string() << " already exists (an earlier relabel); pass --force "
                                            "to replace it");
      old = final_dir.string() + ".old.tmp." + std::to_string(::getpid());
      fs::rename(final_dir, old, ec);
      MP_CHECK(!ec, "cannot move " << final_dir.string() << " aside: " << ec.message());
    }
    fs::rename(dir, final_dir, ec);
    MP_CHECK(!ec, "cannot rename " << dir.string() << " to " << final_dir.string() << ": "
                                   << ec.message());
    committed = true;
    if (!old.empty()) fs::remove_all(old, ec);
  }
};

void write_json(const fs::path& p, const nlohmann::json& j) {
  write_file_atomic(p.string(), j.dump(2) + "\n");
}

void write_metrics(const fs::path& p, const std::vector<RelabelEpoch>& rows) {
  CsvWriter w(p.string(), relabel_metrics_format().header());
  for (const RelabelEpoch& e : rows) {
    w.cell(e.epoch).cell(e.loss).cell(e.train_acc_relabels).cell(e.heldout_acc).cell(e.eval_acc);
    w.cell(e.improved ? 1 : 0).cell(e.epoch_s);
    w.end_row();
  }
  w.close();
}

// One epoch over the training set with the MASC labels (the trainer's step: forward, loss,
// backward, optimizer step; the running accuracy counted before each step).
void train_epoch(nn::Model& model, nn::Optimizer& optim, data::Loader& loader, int epoch,
                 RelabelEpoch& row, std::ostream& log) {
  model.train(true);
  loader.start_epoch(epoch);
  data::Batch b;
  double loss_sum = 0;
  int64_t seen = 0, correct = 0;
  // As the trainer's: redrawn on a terminal, else only the epoch's final line (a log file gets
  // the per-epoch summary below, not a line per batch).
  Progress bar(log, "retrain epoch " + std::to_string(epoch), loader.num_samples(),
               Progress::Options{stderr_is_tty(), 0.1, 1e9, 2.0, "samples", nullptr});
  while (loader.next(b)) {
    optim.zero_grad();
    ag::Var logits = model.forward(ag::Var(b.x));
    ag::Var loss = ag::cross_entropy(logits, b.y_train);
    const float lv = loss.item();
    MP_CHECK(std::isfinite(lv),
             "relabel: retraining diverged (loss " << lv << " at epoch " << epoch << ")");
    const Tensor& z = logits.data();
    const int64_t k = z.shape()[1];
    for (int64_t i = 0; i < b.size(); ++i) {
      const float* r = z.data() + i * k;
      int64_t best = 0;
      for (int64_t j = 1; j < k; ++j)
        if (r[j] > r[best]) best = j;
      correct += best == b.y_train[static_cast<size_t>(i)];
    }
    loss.backward();
    optim.step();
    loss_sum += static_cast<double>(lv) * b.size();
    seen += b.size();
    bar.update(seen);
  }
  bar.finish();
  row.loss = seen ? loss_sum / seen : 0.0;
  row.train_acc_relabels = seen ? static_cast<double>(correct) / seen : 0.0;
}

}  // namespace

RelabelOutcome run_relabel(OpenedRun& r, const RelabelOptions& opt, std::ostream& log) {
  MP_CHECK(opt.patience >= 1, "--patience " << opt.patience << " must be at least 1");
  MP_CHECK(opt.max_epochs >= 1, "--max-epochs " << opt.max_epochs << " must be at least 1");
  MP_CHECK(opt.init == "checkpoint" || opt.init == "fresh",
           "--init '" << opt.init << "' is not one of: checkpoint, fresh");
  MP_CHECK(opt.subspace == "corrupted" || opt.subspace == "true",
           "--subspace '" << opt.subspace << "' is not one of: corrupted, true");
  MP_CHECK(r.manifest.status() == "finished",
           r.dir.root().string() << ": the run is not trained to the end (status "
                                 << r.manifest.status()
                                 << "); relabel needs a finished run (memprobe train)");
  r.dir.lock("relabel");
  Timer clock;
  RelabelOutcome o;
  o.source_epoch = r.epoch;
  o.dir = opt.out.empty() ? r.dir.root() / kRelabelDir : fs::path(opt.out);
  std::error_code ec;
  MP_CHECK(opt.force || !fs::exists(o.dir, ec),
           o.dir.string() << " already exists (an earlier relabel); pass --force to replace it");
  Staging staging{fs::path(o.dir.string() + ".tmp." + std::to_string(::getpid())), o.dir};
  fs::remove_all(staging.dir, ec);
  fs::create_directories(staging.dir, ec);
  MP_CHECK(!ec, "cannot create " << staging.dir.string() << ": " << ec.message());

  const StudyData& d = r.data;
  const data::Normalization norm;
  o.split = split_test_set(d.test.n, opt.heldout_fraction, opt.split_seed);
  const std::vector<int32_t>& fit_labels = opt.subspace == "true" ? d.train_true : d.train_corrupt;
  log << "relabel " << r.dir.root().string() << " (epoch " << r.epoch << "): test set split "
      << o.split.heldout.size() << " held out / " << o.split.eval.size() << " evaluation (seed "
      << opt.split_seed << ")\n";

  // 1. MASC on every layer; the layer with the best held-out accuracy (first on ties, as
  //    numpy's argmax in the reference) labels the training set.
  const std::vector<int32_t> model_test =
      probes::evaluate_model(*r.model, d.test, norm).predictions;
  o.model_eval_acc = accuracy_at(model_test, d.test.labels, o.split.eval);
  int best = -1;
  for (const std::string& layer : resolve_layers(*r.model, opt.layers)) {
    Timer t;
    auto train = probes::collect_activations(*r.model, d.train, norm, {layer});
    auto test = probes::collect_activations(*r.model, d.test, norm, {layer});
    const probes::Matrix& X = train.at(layer);
    const probes::Matrix& T = test.at(layer);
    const probes::MascProbe p = probes::fit_masc(X.data.data(), X.rows, X.cols, fit_labels.data(),
                                                 d.num_classes(), opt.masc);
    const std::vector<int32_t> pred = probes::predict_masc(p, T.data.data(), T.rows);
    RelabelLayer row{layer, X.cols, accuracy_at(pred, d.test.labels, o.split.heldout),
                     accuracy_at(pred, d.test.labels, o.split.eval), false};
    log << "  MASC " << layer << " (d = " << X.cols << "): held-out "
        << format_percent(row.heldout_acc) << ", evaluation " << format_percent(row.eval_acc)
        << " (" << format_duration(t.seconds()) << ")\n";
    if (best < 0 || row.heldout_acc > o.layers[static_cast<size_t>(best)].heldout_acc) {
      best = static_cast<int>(o.layers.size());
      o.labels = probes::predict_masc(p, X.data.data(), X.rows);
    }
    o.layers.push_back(row);
  }
  RelabelLayer& chosen = o.layers.at(static_cast<size_t>(best));
  chosen.chosen = true;
  o.layer = chosen.layer;
  o.masc_eval_acc = chosen.eval_acc;
  int64_t same_true = 0, same_corr = 0, noisy = 0, fixed = 0, kept = 0, spoiled = 0;
  for (size_t i = 0; i < o.labels.size(); ++i) {
    same_true += o.labels[i] == d.train_true[i];
    same_corr += o.labels[i] == d.train_corrupt[i];
    if (d.train_corrupt[i] != d.train_true[i]) {
      ++noisy;
      fixed += o.labels[i] == d.train_true[i];
    } else {
      ++kept;
      spoiled += o.labels[i] != d.train_true[i];
    }
  }
  const double n = static_cast<double>(o.labels.size());
  o.labels_vs_true = same_true / n;
  o.labels_vs_corrupted = same_corr / n;
  o.corrected_share = noisy ? static_cast<double>(fixed) / noisy : std::nan("");
  o.spoiled_share = kept ? static_cast<double>(spoiled) / kept : std::nan("");
  log << "labelled the training set with MASC at " << o.layer << ": agrees with the true labels on "
      << format_percent(o.labels_vs_true) << ", with the corrupted ones on "
      << format_percent(o.labels_vs_corrupted) << "\n";
  save_npy_i32((staging.dir / kRelabelLabels).string(), o.labels.data(),
               {static_cast<int64_t>(o.labels.size())});
  {
    CsvWriter w((staging.dir / relabel_split_format().file).string(),
                relabel_split_format().header());
    for (int64_t i : o.split.heldout) w.cell(i).cell("heldout").end_row();
    for (int64_t i : o.split.eval) w.cell(i).cell("eval").end_row();
    w.close();
    CsvWriter l((staging.dir / relabel_layers_format().file).string(),
                relabel_layers_format().header());
    for (const RelabelLayer& x : o.layers)
      l.cell(x.layer)
          .cell(x.dim)
          .cell(x.heldout_acc)
          .cell(x.eval_acc)
          .cell(x.chosen ? 1 : 0)
          .end_row();
    l.close();
  }

  // 2. Retrain on the MASC labels with early stopping on the held-out part.
  const TrainConfig& cfg = r.config;
  std::unique_ptr<nn::Model> fresh;
  nn::Model* model = r.model.get();  // init checkpoint: continue from the run's trained weights
  if (opt.init == "fresh") {
    fresh = nn::make_model(cfg.model, d.train.c, d.train.h, d.train.w, d.num_classes(), cfg.seed);
    model = fresh.get();
  }
  std::unique_ptr<nn::Optimizer> optim = make_optimizer(cfg, *model);
  data::Loader loader(d.train, d.train_true, o.labels, cfg.batch_size, cfg.shuffle, cfg.seed);
  const data::ImageSet heldout = data::take(d.test, o.split.heldout);
  const data::ImageSet eval = data::take(d.test, o.split.eval);
  EarlyStopping stop(opt.patience);
  o.stop_reason = "epoch cap";
  const fs::path model_file = staging.dir / kRelabelModel;
  for (int epoch = 1; epoch <= opt.max_epochs; ++epoch) {
    Timer t;
    RelabelEpoch row;
    row.epoch = epoch;
    optim->set_lr(cfg.lr_at_epoch(epoch));
    train_epoch(*model, *optim, loader, epoch, row, log);
    row.heldout_acc =
        probes::accuracy(probes::evaluate_model(*model, heldout, norm).predictions, heldout.labels);
    row.eval_acc =
        probes::accuracy(probes::evaluate_model(*model, eval, norm).predictions, eval.labels);
    row.improved = stop.update(epoch, row.heldout_acc);
    if (row.improved) {
      nn::save_model(model_file.string(), *model,
                     {{"format", "pt"},
                      {"memprobe.arch", cfg.model},
                      {"memprobe.epoch", std::to_string(epoch)},
                      {"memprobe.relabel", "retrained on MASC labels of " + o.layer},
                      {"memprobe.source_sha256", r.manifest.checkpoints().at(r.epoch).sha256}});
      o.retrained_eval_acc = row.eval_acc;
      o.retrained_heldout_acc = row.heldout_acc;
    }
    row.epoch_s = t.seconds();
    o.epochs.push_back(row);
    write_metrics(staging.dir / relabel_metrics_format().file, o.epochs);
    log << "  retrain epoch " << epoch << "  loss " << format_fixed(row.loss, 4) << "  train(MASC) "
        << format_percent(row.train_acc_relabels) << "  held-out "
        << format_percent(row.heldout_acc) << "  evaluation " << format_percent(row.eval_acc)
        << (row.improved ? "  *" : "") << "  " << format_duration(row.epoch_s) << std::endl;
    if (stop.should_stop()) {
      o.stop_reason = "early stop";
      break;
    }
  }
  o.best_epoch = stop.best_epoch();

  nlohmann::json m;
  m["command"] = opt.command;
  m["source_run"] = fs::absolute(r.dir.root()).lexically_normal().string();
  m["source_epoch"] = r.epoch;
  m["source_checkpoint_sha256"] = r.manifest.checkpoints().at(r.epoch).sha256;
  m["config"] = cfg.to_json();
  m["options"] = {{"patience", opt.patience},
                  {"max_epochs", opt.max_epochs},
                  {"heldout_fraction", opt.heldout_fraction},
                  {"split_seed", opt.split_seed},
                  {"init", opt.init},
                  {"subspace", opt.subspace},
                  {"layers", opt.layers},
                  {"tau", opt.masc.tau},
                  {"k", opt.masc.fixed_k}};
  m["split"] =
      "numpy-legacy permutation of the test rows seeded with split_seed; the first "
      "ceil(heldout_fraction * n) held out (scikit-learn train_test_split)";
  m["runtime"] = {{"blas", runtime_info()}, {"threads", num_threads()}};
  m["finished"] = iso8601_utc_now();
  m["seconds"] = clock.seconds();
  write_json(staging.dir / kRelabelManifest, m);
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json s = {{"layer", o.layer},
                      {"best_epoch", o.best_epoch},
                      {"epochs_trained", o.epochs.size()},
                      {"stop_reason", o.stop_reason},
                      {"heldout_n", o.split.heldout.size()},
                      {"eval_n", o.split.eval.size()},
                      {"retrained_eval_acc", o.retrained_eval_acc},
                      {"retrained_heldout_acc", o.retrained_heldout_acc},
                      {"retrained_last_eval_acc", o.epochs.back().eval_acc},
                      {"model_eval_acc", o.model_eval_acc},
                      {"masc_eval_acc", o.masc_eval_acc},
                      {"labels_vs_true", o.labels_vs_true},
                      {"labels_vs_corrupted", o.labels_vs_corrupted},
                      {"corrected_share", num(o.corrected_share)},
                      {"spoiled_share", num(o.spoiled_share)}};
  write_json(staging.dir / kRelabelSummary, s);
  staging.commit(opt.force);
  log << "relabel done (" << o.stop_reason << ", best epoch " << o.best_epoch << ") in "
      << format_duration(clock.seconds()) << "\n";
  return o;
}

}  // namespace mp::app
