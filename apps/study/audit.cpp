#include "apps/study/audit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <tuple>

#include "apps/run/metrics_log.h"
#include "apps/run/probe_results.h"
#include "apps/run/run_model.h"
#include "apps/run/runtime_diff.h"
#include "apps/study/analysis.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "data/datasets.h"
#include "data/idx_reader.h"
#include "data/loader.h"
#include "nn/checkpoint.h"
#include "probes/model_eval.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "tensor/io/file_lock.h"
#include "tensor/io/sha256.h"
#include "tensor/threads.h"

namespace mp::app {

namespace fs = std::filesystem;
using Json = nlohmann::json;

int AuditReport::failed() const {
  return static_cast<int>(std::count_if(checks.begin(), checks.end(), [](const AuditCheck& c) {
    return c.status == AuditStatus::Fail;
  }));
}

namespace {

struct Outcome {
  AuditStatus status;
  std::string detail;
};
Outcome pass(std::string d) {
  return {AuditStatus::Pass, std::move(d)};
}
Outcome skip(std::string d) {
  return {AuditStatus::Skip, std::move(d)};
}

std::string flatten(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

bool is_sha256_hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Short form for details (csv_number's round-trip digits are for files, not for reading).
std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string correct_of(double acc, size_t n) {
  return std::to_string(std::llround(acc * static_cast<double>(n))) + "/" + std::to_string(n);
}

// "a, b, c (and 4 more)": the first few problems of a check, so its detail stays one line.
std::string first_problems(const std::vector<std::string>& p) {
  std::string s;
  for (size_t i = 0; i < p.size() && i < 3; ++i) s += (i ? "; " : "") + p[i];
  if (p.size() > 3) s += " (and " + std::to_string(p.size() - 3) + " more)";
  return s;
}

// The line number (1-based) and both versions of the first line where two texts differ.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(sa, la));
    const bool hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha && !hb) return "they differ only in line endings";
    if (!ha || !hb || la != lb)
      return "line " + std::to_string(line) + " is '" + (ha ? la : "(end of file)") +
             "' but regenerated '" + (hb ? lb : "(end of file)") + "'";
  }
}

class Auditor {
 public:
  Auditor(fs::path root, AuditOptions opt, std::ostream& log)
      : root_(std::move(root)), opt_(std::move(opt)), log_(log) {}

  AuditReport run();

 private:
  void check(const std::string& name, const std::function<Outcome()>& body);
  Outcome check_manifest();
  Outcome check_checkpoints();
  Outcome check_metrics();
  Outcome check_dataset();
  Outcome check_labels();
  Outcome check_accuracy();
  Outcome check_gradient();
  Outcome check_probes();
  StudyData& data();
  nn::Model& model();

  fs::path root_;
  AuditOptions opt_;
  std::ostream& log_;
  AuditReport report_;
  std::unique_ptr<OpenedRun> run_;  // set once the manifest check passed
  std::optional<FileLock> lock_;
  std::string data_error_, model_error_;
  bool data_tried_ = false, model_tried_ = false;
};

void Auditor::check(const std::string& name, const std::function<Outcome()>& body) {
  AuditCheck c;
  c.name = name;
  try {
    Outcome o = body();
    c.status = o.status;
    c.detail = flatten(o.detail);
  } catch (const std::exception& e) {
    c.status = AuditStatus::Fail;
    c.detail = flatten(e.what());
  }
  log_ << format_check(c) << std::flush;
  report_.checks.push_back(std::move(c));
}

// Data and model are loaded once, on first use; a failure is remembered and repeated by every
// check that needs them ("not run: ...").
StudyData& Auditor::data() {
  if (!data_tried_) {
    data_tried_ = true;
    try {
      run_->data = load_study_data(run_->config);
    } catch (const std::exception& e) {
      data_error_ = e.what();
    }
  }
  MP_CHECK(data_error_.empty(), "not run: the run's data could not be loaded: " << data_error_);
  return run_->data;
}

nn::Model& Auditor::model() {
  if (!model_tried_) {
    model_tried_ = true;
    try {
      const StudyData& d = data();
      run_->model =
          nn::make_model(run_->config.model, d.train.c, d.train.h, d.train.w, d.num_classes(),
                         run_->config.seed, static_cast<float>(run_->config.dropout));
      // Verifies the file's sha256 against the manifest before loading it.
      run_->load_checkpoint(run_->dir.resolve_checkpoint(opt_.checkpoint));
      report_.epoch = run_->epoch;
    } catch (const std::exception& e) {
      model_error_ = e.what();
    }
  }
  MP_CHECK(model_error_.empty(), "not run: no usable checkpoint: " << model_error_);
  return *run_->model;
}

Outcome Auditor::check_manifest() {
  std::error_code ec;
  MP_CHECK(fs::is_directory(root_, ec), "run directory " << root_.string() << " does not exist");
  RunDir dir = RunDir::open(root_);  // requires manifest.json
  // A run being written changes under the audit: refuse it. A read-only run directory (an
  // archive) cannot hold a lock file, and nothing can be writing it either.
  std::string holder;
  bool lockable = true;
  try {
    lock_ = FileLock::try_acquire(root_.string(), &holder);
  } catch (const Error&) {
    lockable = false;
  }
  MP_CHECK(!lockable || lock_.has_value(), root_.string() << " is in use by " << holder
                                                          << "; audit it when that process has "
                                                             "finished");
  Manifest m = Manifest::load(dir.manifest_path().string());
  const Json& j = m.json();
  std::vector<std::string> missing;
  for (const char* key : {"memprobe_version", "git_commit", "command", "status", "started",
                          "config", "runtime", "dataset", "labels_sha256", "checkpoints"})
    if (!j.contains(key) || j.at(key).is_null()) missing.push_back(key);
  MP_CHECK(missing.empty(), "manifest.json lacks " << first_problems(missing));
  MP_CHECK(j.at("runtime").contains("threads") && j.at("runtime").at("threads").is_number_integer(),
           "manifest.json: runtime.threads is missing or not an integer");
  const Json& ds = j.at("dataset");
  MP_CHECK(ds.contains("files") && ds.at("files").is_object() && !ds.at("files").empty(),
           "manifest.json: dataset.files is missing or empty");
  MP_CHECK(is_sha256_hex(m.str("labels_sha256")),
           "manifest.json: labels_sha256 '" << m.str("labels_sha256") << "' is not a sha256");
  const auto ckpts = m.checkpoints();
  MP_CHECK(!ckpts.empty(), "manifest.json lists no checkpoint");
  for (const auto& [e, c] : ckpts)
    MP_CHECK(is_sha256_hex(c.sha256),
             "manifest.json: checkpoint " << e << " has sha256 '" << c.sha256 << "'");

  TrainConfig cfg = TrainConfig::from_json(j.at("config"));
  cfg.resolve_defaults();
  // The trainer stores the resolved config; anything else was edited after the fact.
  const Json resolved = cfg.to_json();
  for (auto it = resolved.begin(); it != resolved.end(); ++it)
    MP_CHECK(j.at("config").contains(it.key()) && j.at("config").at(it.key()) == it.value(),
             "manifest.json: config." << it.key() << " = "
                                      << j.at("config").value(it.key(), Json()).dump()
                                      << " is not the resolved value " << it.value().dump());
  MP_CHECK(ds.value("name", Json()).is_string() && ds.at("name") == cfg.dataset,
           "manifest.json: dataset.name " << ds.value("name", Json()).dump()
                                          << " differs from config.dataset " << cfg.dataset);
  const std::string status = m.status();
  MP_CHECK(
      status == "running" || status == "interrupted" || status == "finished" || status == "failed",
      "manifest.json: unknown status '" << status << "'");
  if (status == "finished") {
    MP_CHECK(m.final_epoch().has_value(), "manifest.json: a finished run without final_epoch");
    MP_CHECK(ckpts.count(*m.final_epoch()),
             "manifest.json: no checkpoint for the final epoch " << *m.final_epoch());
  }
  report_.run_threads = j.at("runtime").at("threads").get<int>();
  report_.runtime_warnings = runtime_differences(j.at("runtime"));
  if (!opt_.data_dir.empty()) cfg.data_dir = opt_.data_dir;
  run_ = std::make_unique<OpenedRun>(
      OpenedRun{std::move(dir), std::move(m), std::move(cfg), StudyData(), nullptr, -1});
  const TrainConfig& c = run_->config;
  std::ostringstream d;
  d << "status " << status;
  if (run_->manifest.final_epoch()) d << " at epoch " << *run_->manifest.final_epoch();
  d << "; " << c.dataset << "/" << c.model << " p=" << c.corrupt << " seed " << c.seed << ", "
    << c.optimizer << " lr " << c.lr << ", " << report_.run_threads << " thread(s); "
    << ckpts.size() << " checkpoint(s); all required keys present, config resolved";
  return pass(d.str());
}

Outcome Auditor::check_checkpoints() {
  const auto entries = run_->manifest.checkpoints();
  std::vector<std::string> problems;
  for (const auto& [e, c] : entries) {
    const std::string rel = RunDir::checkpoint_relpath(e);
    if (c.file != rel) problems.push_back("epoch " + std::to_string(e) + " names " + c.file);
    const fs::path path = run_->dir.checkpoint_path(e);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      problems.push_back(rel + " is missing");
      continue;
    }
    const std::string sha = sha256_file(path.string());
    if (sha != c.sha256) {
      problems.push_back(rel + " sha256 " + sha.substr(0, 12) + "... but the manifest says " +
                         c.sha256.substr(0, 12) + "...");
      continue;
    }
    const nn::Metadata meta = nn::read_checkpoint_metadata(path.string());
    const auto get = [&meta](const char* k) {
      auto it = meta.find(k);
      return it == meta.end() ? std::string("(none)") : it->second;
    };
    if (get("memprobe.arch") != run_->config.model)
      problems.push_back(rel + " holds a " + get("memprobe.arch") + ", the run is a " +
                         run_->config.model);
    if (get("memprobe.epoch") != std::to_string(e))
      problems.push_back(rel + " says epoch " + get("memprobe.epoch"));
  }
  for (int e : run_->dir.checkpoint_epochs())
    if (!entries.count(e))
      problems.push_back(RunDir::checkpoint_relpath(e) + " is on disk but not in the manifest");
  MP_CHECK(problems.empty(), problems.size() << " problem(s): " << first_problems(problems));
  std::string epochs;
  for (const auto& kv : entries) epochs += (epochs.empty() ? "" : ",") + std::to_string(kv.first);
  return pass(std::to_string(entries.size()) + " checkpoint(s) (epochs " + epochs +
              ") hash to the manifest's sha256 and name the " + run_->config.model);
}

Outcome Auditor::check_metrics() {
  const std::vector<EpochMetrics> rows = read_metrics_csv(run_->dir.metrics_csv());
  MP_CHECK(!rows.empty(), run_->dir.metrics_csv().string() << " is missing or empty");
  const TrainConfig& c = run_->config;
  for (size_t i = 0; i < rows.size(); ++i) {
    const EpochMetrics& m = rows[i];
    MP_CHECK(m.epoch == static_cast<int>(i),
             "metrics.csv row " << i + 1 << " is epoch " << m.epoch << ", expected " << i);
    // NaN = not measured that epoch (the training-set pass runs at checkpoints only with the
    // running stop metric); a measured accuracy must be a fraction.
    for (double a : {m.train_acc_running, m.train_acc_corrupted, m.train_acc_true, m.test_acc})
      MP_CHECK(std::isnan(a) || (a >= 0 && a <= 1),
               "metrics.csv epoch " << m.epoch << ": accuracy " << a << " outside [0, 1]");
    MP_CHECK(std::isfinite(m.loss), "metrics.csv epoch " << m.epoch << ": loss " << m.loss);
    const double stop_acc = stop_metric(m, c.stop_on);
    MP_CHECK(!std::isnan(stop_acc), "metrics.csv epoch " << m.epoch << ": no value of the stop "
                                                         << "metric (--stop-on " << c.stop_on
                                                         << ")");
    // Stop rule: training ends at the first epoch whose accuracy on the corrupted labels (the
    // stop metric) reaches the target (epoch 0 included) or at the cap; an --edit-mode
    // reference run has no accuracy stop (checked below: it ends at its end epoch).
    if (i + 1 < rows.size() && !c.reference_edit())
      MP_CHECK(stop_acc < c.target_train_acc && m.epoch < c.max_epochs,
               "metrics.csv: epoch " << m.epoch << " reached the stop rule (train acc " << stop_acc
                                     << ", target " << c.target_train_acc
                                     << ") but training went on");
  }
  const EpochMetrics& last = rows.back();
  std::string stop;
  if (run_->manifest.status() == "finished") {
    const int final_epoch = run_->manifest.final_epoch().value_or(-1);
    MP_CHECK(last.epoch == final_epoch, "metrics.csv ends at epoch "
                                            << last.epoch << ", the manifest's final epoch is "
                                            << final_epoch);
    if (c.reference_edit()) {
      MP_CHECK(last.epoch == c.end_epoch && run_->manifest.str("stop_reason") == "end epoch",
               "metrics.csv: the --edit-mode reference run finished at epoch "
                   << last.epoch << " (" << run_->manifest.str("stop_reason")
                   << "), not at its end epoch " << c.end_epoch);
      return pass(std::to_string(rows.size()) + " rows, epochs 0.." + std::to_string(last.epoch) +
                  " in order, accuracies in [0, 1], ends at its end epoch (no accuracy stop)");
    }
    const bool target = stop_metric(last, c.stop_on) >= c.target_train_acc;
    MP_CHECK(target || last.epoch >= c.max_epochs,
             "metrics.csv: the run finished at epoch "
                 << last.epoch << " without reaching the target or the cap");
    const std::string reason = run_->manifest.str("stop_reason");
    MP_CHECK(reason == (target ? "target reached" : "epoch cap"),
             "manifest stop_reason '" << reason << "' contradicts metrics.csv (train acc "
                                      << stop_metric(last, c.stop_on) << ", target "
                                      << c.target_train_acc << ")");
    stop = ", stop rule (" + reason + ") holds";
  }
  return pass(std::to_string(rows.size()) + " rows, epochs 0.." + std::to_string(last.epoch) +
              " in order, accuracies in [0, 1]" + stop);
}

Outcome Auditor::check_dataset() {
  const std::map<std::string, std::string> recorded = run_->manifest.dataset_files();
  const TrainConfig& c = run_->config;
  const std::string dir = c.data_dir.empty() ? data::default_data_dir() : c.data_dir;
  std::vector<std::string> problems;
  if (c.dataset.rfind("folder:", 0) == 0) {
    // Image folders have no pins; their fingerprint covers every file read, so the reload that
    // builds the study data re-hashes them all.
    const StudyData& d = data();
    if (d.files_sha256 != recorded) problems.push_back("the image folder's files changed");
  } else {
    const data::DatasetInfo& info = data::dataset_info(c.dataset);
    for (const auto& [file, sha] : recorded) {
      std::string base = file;
      const bool gz = base.size() > 3 && base.compare(base.size() - 3, 3, ".gz") == 0;
      if (gz) base.resize(base.size() - 3);
      std::string actual;
      try {
        if (c.dataset == "cifar100") {
          actual = sha256_file((fs::path(data::cifar100_binary_dir(dir)) / base).string());
        } else if (c.dataset == "cifar10") {
          const bool bin = base.size() > 4 && base.compare(base.size() - 4, 4, ".bin") == 0;
          const fs::path p =
              fs::path(bin ? data::cifar_binary_dir(dir) : data::dataset_dir(dir, c.dataset)) /
              base;
          actual = sha256_file(p.string());
        } else {
          const std::string p = data::find_idx_file(data::dataset_dir(dir, c.dataset), base);
          MP_CHECK(!p.empty(), base << " (or " << base << ".gz) not found in "
                                    << data::dataset_dir(dir, c.dataset));
          const std::vector<uint8_t> bytes = data::read_maybe_gzip(p);  // sha of the content
          actual = sha256_hex(bytes.data(), bytes.size());
        }
      } catch (const std::exception& e) {
        problems.push_back(e.what());
        continue;
      }
      if (actual != sha)
        problems.push_back(base + " hashes to " + actual.substr(0, 12) + "..., the manifest says " +
                           sha.substr(0, 12) + "...");
      for (const auto* pins : {&info.files, &info.package_files})
        for (const data::PinnedFile& pin : *pins)
          if (pin.name == base && pin.sha256 != sha)
            problems.push_back(base + ": the manifest's sha256 is not the docs/data.md pin");
    }
  }
  MP_CHECK(problems.empty(), first_problems(problems));
  return pass(std::to_string(recorded.size()) + " file(s) of " + c.dataset + " in " + dir +
              " re-hashed: equal to the manifest" +
              (c.dataset.rfind("folder:", 0) == 0 ? "" : " and the pinned sha256"));
}

Outcome Auditor::check_labels() {
  const StudyData& d = data();
  const std::string regenerated = labels_csv_text(d);
  const std::string path = run_->dir.labels_csv().string();
  const std::string stored = read_file_text(path);
  const std::string stored_sha = sha256_hex(stored.data(), stored.size());
  MP_CHECK(stored_sha == run_->manifest.str("labels_sha256"),
           "labels.csv sha256 " << stored_sha.substr(0, 12) << "... differs from the manifest's "
                                << run_->manifest.str("labels_sha256").substr(0, 12) << "...");
  MP_CHECK(stored == regenerated, "labels.csv differs from the labels regenerated from seed "
                                      << run_->config.seed << ": "
                                      << first_difference(stored, regenerated));
  return pass(std::to_string(d.train_index.size()) + " labels regenerated from seed " +
              std::to_string(run_->config.seed) + " (p=" + num(run_->config.corrupt) + ", " +
              std::to_string(d.n_changed) + " changed) equal labels.csv; sha256 = manifest");
}

Outcome Auditor::check_accuracy() {
  nn::Model& m = model();
  const StudyData& d = data();
  const std::vector<EpochMetrics> rows = read_metrics_csv(run_->dir.metrics_csv());
  auto it = std::find_if(rows.begin(), rows.end(),
                         [this](const EpochMetrics& r) { return r.epoch == run_->epoch; });
  MP_CHECK(it != rows.end(), "metrics.csv has no row for epoch " << run_->epoch);
  const data::Normalization norm;
  const auto tr = probes::evaluate_model(m, d.train, norm);
  const auto te = probes::evaluate_model(m, d.test, norm);
  const double acc[3] = {probes::accuracy(te.predictions, d.test.labels),
                         probes::accuracy(tr.predictions, d.train_corrupt),
                         probes::accuracy(tr.predictions, d.train_true)};
  const double logged[3] = {it->test_acc, it->train_acc_corrupted, it->train_acc_true};
  const size_t n[3] = {d.test.labels.size(), d.train_corrupt.size(), d.train_true.size()};
  const char* what[3] = {"test", "train vs corrupted", "train vs true"};
  // Same thread count, BLAS kernel and build ISA: the same kernels run the same reductions, so
  // the predictions and hence the accuracies are bit-identical. Otherwise a sum may be split or
  // rounded differently; a logit pair within rounding of a tie may then flip, so one sample per
  // split is allowed.
  const bool same = report_.runtime_warnings.empty();
  std::string why;
  if (report_.run_threads != report_.audit_threads)
    why = "threads differ from training (" + std::to_string(report_.run_threads) + " vs " +
          std::to_string(report_.audit_threads) + ")";
  else
    why = "runtime differs from training (see the warnings)";
  std::ostringstream detail;
  detail << "epoch " << run_->epoch << " ("
         << (same ? "same threads, BLAS kernel and ISA as training: exact"
                  : why + ": within 1 sample")
         << "):";
  for (int k = 0; k < 3; ++k) {
    const long long a = std::llround(acc[k] * n[k]), b = std::llround(logged[k] * n[k]);
    const bool ok = same ? acc[k] == logged[k] : std::llabs(a - b) <= 1;
    MP_CHECK(ok, "epoch " << run_->epoch << ": " << what[k] << " accuracy recomputed "
                          << correct_of(acc[k], n[k]) << " = " << csv_number(acc[k])
                          << " but metrics.csv logs " << csv_number(logged[k]) << " ("
                          << correct_of(logged[k], n[k]) << ")");
    detail << (k ? "," : "") << " " << what[k] << " " << correct_of(acc[k], n[k]);
  }
  detail << " equal metrics.csv";
  return pass(detail.str());
}

Outcome Auditor::check_gradient() {
  nn::Model& m = model();
  const StudyData& d = data();
  const int64_t B = std::min<int64_t>(opt_.grad_batch, d.train.n);
  MP_CHECK(B > 0, "no training images");
  m.eval();  // BatchNorm on its running statistics: the loss is a function of the weights only
  Tensor x = Tensor::empty({B, d.train.c, d.train.h, d.train.w});
  data::normalize_images(d.train, 0, B, data::Normalization(), x.data());
  // Targets the model does not predict: on a memorised batch the training labels give a loss
  // near zero and gradients below the absolute tolerance, which would make the check vacuous.
  // Backward runs the same code whatever the labels are.
  std::vector<int32_t> target(static_cast<size_t>(B));
  {
    ag::NoGradGuard no_grad;
    const Tensor logits = m.forward(ag::Var(x)).data();
    const int64_t K = logits.size(1);
    for (int64_t i = 0; i < B; ++i) {
      const float* row = logits.data() + i * K;
      target[static_cast<size_t>(i)] =
          static_cast<int32_t>(((std::max_element(row, row + K) - row) + 1) % K);
    }
  }
  auto loss = [&]() { return ag::cross_entropy(m.forward(ag::Var(x)), target.data(), B); };
  double loss0 = 0;
  {
    ag::NoGradGuard no_grad;
    loss0 = loss().item();
  }
  const nn::NamedVars params = m.named_parameters();
  Rng rng(run_->config.seed);
  const ag::GradcheckResult r = ag::gradcheck_params(loss, params, opt_.grad_samples, rng);
  char buf[160];
  std::snprintf(buf, sizeof buf, "max |err| %.3g, max rel %.3g; %lld re-checked at eps/10",
                r.max_abs_err, r.max_rel_err, static_cast<long long>(r.refined));
  MP_CHECK(r.ok && r.checked > 0,
           "backward disagrees with finite differences: " << r.message << " (" << buf << ")");
  return pass(std::to_string(r.checked) + " coordinates of " + std::to_string(params.size()) +
              " parameter tensors on " + std::to_string(B) + " training images (loss " +
              num(loss0) + ", float32 forward, differences in double): " + buf);
}

Outcome Auditor::check_probes() {
  nn::Model& m = model();
  const std::string layer = opt_.layer.empty() ? m.last_hidden_layer() : opt_.layer;
  resolve_layers(m, layer);  // validates the name
  const fs::path csv = run_->dir.probes_csv();
  const std::string file = probes_format().file;
  std::error_code ec;
  if (!fs::exists(csv, ec)) return skip("no " + file + " (run memprobe probe first)");
  const int epoch = run_->epoch;
  probes::ProbeSpec spec;
  spec.probes = {"masc", "linear"};
  spec.masc_subspaces = {"corrupted"};
  // The audit recomputes the default rule (tau 0.99); an ablation's other rules are not checked.
  const std::string rule = probes::rule_name({spec.masc.tau, spec.masc.fixed_k});
  std::map<std::string, ProbeRow> stored;  // "probe/subspace" -> row
  for (const ProbeRow& row : read_probes_csv(csv))
    if (row.epoch == epoch && row.layer == layer &&
        ((row.probe == "masc" && row.rule == rule) || row.probe == "linear") &&
        row.subspace == "corrupted")
      stored[row.probe + "/corrupted"] = row;
  if (stored.empty())
    return skip(file + " has no masc/linear rows for epoch " + std::to_string(epoch) + ", layer " +
                layer);
  std::ostringstream quiet;
  const auto results = run_probes(*run_, {layer}, spec, quiet, /*write_csv=*/false);
  std::ostringstream detail;
  detail << "epoch " << epoch << " layer " << layer << ":";
  for (const probes::ProbeResult& p : results) {
    auto it = stored.find(p.probe + "/" + p.subspace);
    if (it == stored.end()) continue;
    const ProbeRow& row = it->second;
    const std::string k = join_ints(p.k_per_class);
    const std::tuple<const char*, double, double> cols[3] = {
        {"test_acc", p.test_acc, row.test_acc},
        {"train_acc_corrupted", p.train_acc_corrupted, row.train_acc_corrupted},
        {"train_acc_true", p.train_acc_true, row.train_acc_true}};
    for (const auto& [col, v, logged] : cols)
      MP_CHECK(logged == v, p.probe << " " << col << " recomputed " << csv_number(v) << " but "
                                    << file << " says " << csv_number(logged));
    MP_CHECK(row.k_per_class == k, p.probe << " k_per_class recomputed '" << k << "' but " << file
                                           << " says '" << row.k_per_class << "'");
    detail << " " << p.probe << " test " << num(p.test_acc);
    stored.erase(it);
  }
  MP_CHECK(stored.empty(), file << " row " << stored.begin()->first << " was not recomputed");
  detail << " equal " << file << " (tau " << spec.masc.tau << ")";
  return pass(detail.str());
}

AuditReport Auditor::run() {
  report_.audit_threads = num_threads();
  check("manifest", [this] { return check_manifest(); });
  for (const std::string& w : report_.runtime_warnings) log_ << "warning: " << w << std::endl;
  const char* rest[] = {"checkpoints", "metrics",  "dataset", "labels",
                        "accuracy",    "gradient", "probes"};
  if (!run_) {
    for (const char* name : rest)
      check(name, []() -> Outcome { throw Error("not run: the manifest is unusable"); });
    return report_;
  }
  check("checkpoints", [this] { return check_checkpoints(); });
  check("metrics", [this] { return check_metrics(); });
  check("dataset", [this] { return check_dataset(); });
  check("labels", [this] { return check_labels(); });
  check("accuracy", [this] { return check_accuracy(); });
  check("gradient", [this] { return check_gradient(); });
  check("probes", [this] { return check_probes(); });
  return report_;
}

}  // namespace

AuditReport audit_run(const fs::path& run, const AuditOptions& opt, std::ostream& log) {
  if (opt.checkpoint != "last") {
    size_t pos = 0;
    int v = -1;
    try {
      v = std::stoi(opt.checkpoint, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    MP_CHECK(pos == opt.checkpoint.size() && v >= 0,
             "--checkpoint must be 'last' or an epoch number, got '" << opt.checkpoint << "'");
  }
  MP_CHECK(opt.grad_samples > 0, "--grad-samples must be positive, got " << opt.grad_samples);
  MP_CHECK(opt.grad_batch > 0, "--grad-batch must be positive, got " << opt.grad_batch);
  return Auditor(run, opt, log).run();
}

std::string format_check(const AuditCheck& c) {
  const char* s = c.status == AuditStatus::Pass   ? "PASS"
                  : c.status == AuditStatus::Skip ? "SKIP"
                                                  : "FAIL";
  char name[16];
  std::snprintf(name, sizeof name, "%-12s", c.name.c_str());
  return std::string(s) + "  " + name + c.detail + "\n";
}

std::string audit_summary(const AuditReport& r) {
  int pass = 0, skipped = 0;
  for (const AuditCheck& c : r.checks) {
    pass += c.status == AuditStatus::Pass;
    skipped += c.status == AuditStatus::Skip;
  }
  return "audit: " + std::to_string(r.checks.size()) + " checks, " + std::to_string(pass) +
         " passed, " + std::to_string(r.failed()) + " failed, " + std::to_string(skipped) +
         " skipped\n";
}

std::string format_audit(const AuditReport& r) {
  std::string s;
  for (const AuditCheck& c : r.checks) s += format_check(c);
  return s + audit_summary(r);
}

}  // namespace mp::app
