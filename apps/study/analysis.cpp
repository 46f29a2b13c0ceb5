#include "apps/study/analysis.h"

#include <algorithm>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "apps/run/console.h"
#include "apps/run/dynamics_results.h"
#include "apps/run/metrics_log.h"
#include "apps/run/probe_results.h"
#include "apps/run/transfer_results.h"
#include "nn/checkpoint.h"
#include "probes/model_eval.h"
#include "probes/transfer.h"
#include "tensor/io/sha256.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

// Groups layers so that one inference pass holds at most `budget` floats of activations.
std::vector<std::vector<std::string>> layer_groups(nn::Model& m, const StudyData& d,
                                                   const std::vector<std::string>& layers) {
  // 2^29 floats = 2 GiB: the paper MLP's five layers over 70,000 images (1.4 GiB) fit in one
  // pass, so a dynamics checkpoint runs one forward pass instead of two (measured at full size:
  // about 12 s of a 105 s checkpoint at 2 threads); a CNN's wide conv layers still get their own.
  const int64_t budget = int64_t{1} << 29;
  const auto widths = probes::layer_widths(m, d.train);
  std::vector<std::vector<std::string>> groups;
  int64_t used = budget;
  for (const std::string& l : layers) {
    const int64_t need = widths.at(l) * (d.train.n + d.test.n);
    if (groups.empty() || used + need > budget) {
      groups.emplace_back();
      used = 0;
    }
    groups.back().push_back(l);
    used += need;
  }
  return groups;
}

}  // namespace

std::vector<std::string> resolve_layers(const nn::Model& m, const std::string& spec) {
  const std::vector<std::string> all = m.layer_names();
  if (spec.empty() || spec == "all") return all;
  std::vector<std::string> out;
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    bool ok = false;
    for (const auto& a : all) ok = ok || a == item;
    std::string names;
    for (const auto& a : all) names += (names.empty() ? "" : ", ") + a;
    MP_CHECK(ok,
             "unknown layer '" << item << "' for the " << m.arch() << " (layers: " << names << ")");
    out.push_back(item);
  }
  return out;
}

std::vector<probes::ProbeResult> run_probes(OpenedRun& r, const std::vector<std::string>& layers,
                                            const probes::ProbeSpec& spec, std::ostream& log,
                                            bool write_csv, std::vector<PhaseTime>* times,
                                            SharedPass* shared) {
  probes::check_probe_spec(spec);
  if (write_csv) r.dir.lock_analysis("probe");
  std::vector<probes::ProbeResult> results;
  std::vector<PhaseTime> timing;
  const data::Normalization norm;
  bool first = true;
  for (const auto& group : layer_groups(*r.model, r.data, layers)) {
    Timer pass;
    // The model's predictions come with the first pass (the logits are computed anyway).
    const bool preds = shared && first;
    first = false;
    auto train = probes::collect_activations(*r.model, r.data.train, norm, group,
                                             preds ? &shared->train_pred : nullptr);
    auto test = probes::collect_activations(*r.model, r.data.test, norm, group,
                                            preds ? &shared->test_pred : nullptr);
    std::string names;
    for (const std::string& l : group) names += (names.empty() ? "" : " ") + l;
    timing.push_back({"activations", r.epoch, names, "", pass.seconds()});
    for (const std::string& layer : group) {
      Timer t;
      probes::LayerInputs in{&train.at(layer),   &test.at(layer),     &r.data.train_corrupt,
                             &r.data.train_true, &r.data.test.labels, r.data.num_classes()};
      const bool keep = shared && layer == shared->keep_layer;
      probes::FittedProbes fitted;
      auto res = probes::probe_layer(layer, in, spec, keep ? &fitted : nullptr);
      if (keep) shared->keep_linear = std::move(fitted.linear);
      log << "  epoch " << r.epoch << " layer " << layer << " (d = " << train.at(layer).cols
          << "): ";
      // An ablation rule is named beside its masc rows; the primary rule's name stays as before.
      const std::string primary = probes::rule_name(probes::masc_rules(spec.masc).front());
      auto name = [&primary](const probes::ProbeResult& p) {
        if (p.probe != "masc") return p.probe;
        return "masc/" + p.subspace + (p.rule == primary ? "" : "/" + p.rule);
      };
      for (const auto& p : res) log << name(p) << " " << format_percent(p.test_acc) << "  ";
      log << "(" << format_duration(t.seconds()) << ")\n";
      for (const auto& p : res) timing.push_back({"probe", r.epoch, layer, name(p), p.seconds});
      results.insert(results.end(), res.begin(), res.end());
      if (shared && layer == shared->keep_layer) {
        shared->keep_train = std::move(train.at(layer));
        shared->keep_test = std::move(test.at(layer));
      }
      train.erase(layer);  // free the layer's rows as soon as it is done
      test.erase(layer);
    }
  }
  if (write_csv) {
    write_probes_csv(r.dir.probes_csv(), probe_rows(r.epoch, results));
    record_phase_times(r.dir.timing_csv(), timing);
  }
  if (times) times->insert(times->end(), timing.begin(), timing.end());
  return results;
}

namespace {

// docs/method.md §12 from rows already collected: the last hidden layer's training and test
// rows and the unedited model's test predictions. Edits r.model in place. The edited model's
// predictions come from its output layer applied to those rows (output_layer_predictions), the
// same values a forward pass of the edited model computes, so no pass of its own is needed.
TransferOutcome transfer_from_rows(OpenedRun& r, bool zero_bias, const probes::Matrix& h_train,
                                   const probes::Matrix& h_test,
                                   const std::vector<int32_t>& model_test_pred, std::ostream& log,
                                   std::optional<probes::LinearProbe> fitted = std::nullopt) {
  TransferOutcome o;
  o.epoch = r.epoch;
  o.bias = zero_bias ? "zero" : "keep";
  o.model_test_acc = probes::accuracy(model_test_pred, r.data.test.labels);
  probes::TransferResult t =
      fitted ? probes::edit_output_layer(*r.model, h_train, std::move(*fitted), zero_bias)
             : probes::edit_output_layer(*r.model, h_train, r.data.train_corrupt,
                                         r.data.num_classes(), zero_bias);
  o.layer = t.layer;
  // The probe's own test predictions, to report its accuracy and check the invariant.
  const std::vector<int32_t> probe_test =
      probes::predict_linear(t.probe, h_test.data.data(), h_test.rows);
  o.probe_test_acc = probes::accuracy(probe_test, r.data.test.labels);

  const std::vector<int32_t> tr = probes::output_layer_predictions(*r.model, h_train);
  const std::vector<int32_t> te = probes::output_layer_predictions(*r.model, h_test);
  o.test_acc = probes::accuracy(te, r.data.test.labels);
  o.train_acc_corrupted = probes::accuracy(tr, r.data.train_corrupt);
  o.train_acc_true = probes::accuracy(tr, r.data.train_true);
  if (zero_bias) {
    o.prediction_mismatches = 0;
    for (size_t i = 0; i < probe_test.size(); ++i)
      o.prediction_mismatches += probe_test[i] != te[i];
    for (size_t i = 0; i < t.probe_train_pred.size(); ++i)
      o.prediction_mismatches += t.probe_train_pred[i] != tr[i];
  }
  log << "  transfer at epoch " << r.epoch << " (" << t.layer << ", bias " << o.bias
      << "): model test " << format_percent(o.model_test_acc) << " -> edited "
      << format_percent(o.test_acc) << " (linear probe " << format_percent(o.probe_test_acc)
      << ")\n";
  return o;
}

}  // namespace

TransferOutcome run_transfer(OpenedRun& r, bool zero_bias, const std::string& out_file,
                             std::ostream& log, bool write_csv) {
  // The edited model goes to RUN/transfer/ unless named elsewhere.
  if (write_csv || out_file.empty()) r.dir.lock_analysis("write the transfer");
  Timer clock;
  const data::Normalization norm;
  // One pass per set over the last hidden layer; the test pass also gives the unedited model's
  // predictions.
  const std::string layer = r.model->last_hidden_layer();
  std::vector<int32_t> model_test_pred;
  auto train = probes::collect_activations(*r.model, r.data.train, norm, {layer});
  auto test = probes::collect_activations(*r.model, r.data.test, norm, {layer}, &model_test_pred);
  TransferOutcome o =
      transfer_from_rows(r, zero_bias, train.at(layer), test.at(layer), model_test_pred, log);

  // "-" = do not save the edited model.
  fs::path file = out_file == "-" ? fs::path() : fs::path(out_file);
  if (out_file.empty()) {
    char name[64];
    std::snprintf(name, sizeof name, "epoch_%04d-bias_%s.safetensors", r.epoch, o.bias.c_str());
    fs::create_directories(r.dir.root() / "transfer");
    file = r.dir.root() / "transfer" / name;
  }
  if (!file.empty())
    nn::save_model(file.string(), *r.model,
                   {{"format", "pt"},
                    {"memprobe.arch", r.config.model},
                    {"memprobe.epoch", std::to_string(r.epoch)},
                    {"memprobe.edited", "linear probe of " + o.layer + ", bias " + o.bias},
                    {"memprobe.source_sha256", r.manifest.checkpoints().at(r.epoch).sha256}});
  o.checkpoint = file.string();
  if (write_csv) {
    std::error_code ec;
    fs::path rel = fs::relative(file, r.dir.root(), ec);
    write_transfer_csv(r.dir.transfer_csv(),
                       {{o.epoch, o.bias, o.test_acc, o.train_acc_corrupted, o.train_acc_true,
                         o.probe_test_acc, ec ? file.string() : rel.string()}});
    record_phase_times(r.dir.timing_csv(),
                       {{"transfer", o.epoch, o.layer, o.bias, clock.seconds()}});
  }
  return o;
}

int run_dynamics(OpenedRun& r, const std::vector<std::string>& layers,
                 const probes::ProbeSpec& spec, std::ostream& log) {
  // Held until r goes: the done set read here must still be true when the rows are written.
  r.dir.lock_analysis("compute the dynamics");
  std::set<int> done;
  for (const DynamicsRow& d : read_dynamics_csv(r.dir.dynamics_csv())) done.insert(d.epoch);
  const data::Normalization norm;
  int computed = 0;
  const std::vector<int> epochs = r.dir.checkpoint_epochs();
  // The input layer's rows are the images themselves, the same at every checkpoint, and so are
  // its probes' results (same rows, labels and threads): they are computed at the first
  // checkpoint this call probes and copied to the others. That saves a MASC fit and scoring per
  // checkpoint: 3.6 s of 85 s on the MLP's 784 pixels, far more on CIFAR-10's 3,072.
  const bool has_input =
      std::find_if(layers.begin(), layers.end(), probes::is_input_layer) != layers.end();
  std::vector<DynamicsRow> input_rows;  // their epoch is set per checkpoint
  bool input_known = false;
  for (int e : epochs) {
    if (done.count(e)) continue;
    Timer whole, step;
    r.load_checkpoint(e);
    std::vector<DynamicsRow> rows;
    std::vector<PhaseTime> timing;
    auto add = [&rows, e](const std::string& layer, const std::string& probe,
                          const std::string& metric, double v) {
      rows.push_back({e, layer, probe, metric, v});
    };
    timing.push_back({"dynamics:eval", e, "", "", step.seconds()});  // the checkpoint's load
    // One activation pass per set serves the probes, the model's accuracies (its logits come
    // out of the same forward) and the transfer (the last hidden layer's rows are kept).
    SharedPass pass;
    pass.keep_layer = r.model->last_hidden_layer();
    const std::string primary = probes::rule_name(probes::masc_rules(spec.masc).front());
    std::vector<DynamicsRow> probe_rows;
    std::vector<std::string> probed = layers;
    if (input_known) {
      probed.erase(std::remove_if(probed.begin(), probed.end(), probes::is_input_layer),
                   probed.end());
      for (DynamicsRow row : input_rows) {
        row.epoch = e;
        probe_rows.push_back(row);
      }
    }
    for (const auto& p : run_probes(r, probed, spec, log, false, &timing, &pass)) {
      // dynamics.csv has one masc curve per subspace: the primary rule's (an ablation's other
      // rules are in probes.csv only).
      if (p.probe == "masc" && p.rule != primary) continue;
      const std::string name = p.probe == "masc" && p.subspace == "true" ? "masc_true" : p.probe;
      probe_rows.push_back({e, p.layer, name, "test_acc", p.test_acc});
      probe_rows.push_back({e, p.layer, name, "train_acc_corrupted", p.train_acc_corrupted});
      probe_rows.push_back({e, p.layer, name, "train_acc_true", p.train_acc_true});
      if (has_input && !input_known && probes::is_input_layer(p.layer))
        input_rows.insert(input_rows.end(), probe_rows.end() - 3, probe_rows.end());
    }
    input_known = input_known || !input_rows.empty();
    Timer transfer;
    if (pass.keep_train.rows == 0 || pass.train_pred.empty()) {
      // Not among the probed layers (--layers), or no layer probed: one pass for the transfer.
      pass.keep_train = std::move(probes::collect_activations(*r.model, r.data.train, norm,
                                                              {pass.keep_layer}, &pass.train_pred)
                                      .at(pass.keep_layer));
      pass.keep_test = std::move(probes::collect_activations(*r.model, r.data.test, norm,
                                                             {pass.keep_layer}, &pass.test_pred)
                                     .at(pass.keep_layer));
    }
    add("output", "model", "test_acc", probes::accuracy(pass.test_pred, r.data.test.labels));
    add("output", "model", "train_acc_corrupted",
        probes::accuracy(pass.train_pred, r.data.train_corrupt));
    add("output", "model", "train_acc_true", probes::accuracy(pass.train_pred, r.data.train_true));
    rows.insert(rows.end(), probe_rows.begin(), probe_rows.end());
    TransferOutcome t = transfer_from_rows(r, true, pass.keep_train, pass.keep_test, pass.test_pred,
                                           log, std::move(pass.keep_linear));
    timing.push_back({"dynamics:transfer", e, t.layer, "zero", transfer.seconds()});
    add(t.layer, "edited", "test_acc", t.test_acc);
    add(t.layer, "edited", "train_acc_corrupted", t.train_acc_corrupted);
    add(t.layer, "edited", "train_acc_true", t.train_acc_true);
    for (PhaseTime& p : timing)
      if (p.phase.rfind("dynamics:", 0) != 0) p.phase = "dynamics:" + p.phase;
    timing.push_back({"dynamics", e, "", "", whole.seconds()});
    // Timing first: a kill between the two writes leaves the checkpoint to be recomputed, whose
    // rows then replace these, never a finished checkpoint without its time.
    record_phase_times(r.dir.timing_csv(), timing);
    write_dynamics_csv(r.dir.dynamics_csv(), rows);
    ++computed;
    log << "dynamics: epoch " << e << " done (" << computed << " new; " << done.size() + computed
        << " of " << epochs.size() << " checkpoints)\n";
  }
  if (!epochs.empty()) r.load_checkpoint(epochs.back());
  return computed;
}

}  // namespace mp::app
