// `memprobe probe-arrays`: the study's probes on activations exported from any network (PyTorch,
// JAX, ...) as .npy files, with the same kernels as `memprobe probe` on a run directory
// (probes::probe_layer), the same probes.csv, and the fitted probe as safetensors for the weight
// edit in the other framework (docs/probe-any-network.md).
//
// Every input is checked before anything is fitted, and every output is written (atomically)
// only after everything was computed, so a bad input leaves no file behind.
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/run/probe_results.h"
#include "apps/study/probe_flags.h"
#include "probes/activation_file.h"
#include "probes/label_file.h"
#include "probes/probe_file.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "tensor/io/npy.h"
#include "tensor/io/sha256.h"

namespace mp::app {

namespace {

namespace fs = std::filesystem;

// Beyond this many classes a label is more likely a bug (an id, a hash) than a class: the
// probes hold K x d doubles per probe, so K = 10^9 would fail far later and less clearly.
constexpr int kMaxClasses = 100000;

struct ArrayFlags {
  std::string train, test, train_labels, train_true_labels, test_labels;
  std::string layer = "arrays";
  int epoch = 0;
  int classes = 0;
  std::string out, json, save_probe, predictions;
};

struct LabelInput {
  std::string path, sha256;
  std::vector<int32_t> labels;
};

LabelInput read_labels(const std::string& path) {
  LabelInput l;
  l.path = path;
  l.labels = probes::load_label_file(path);
  l.sha256 = sha256_file(path);
  return l;
}

void check_rows(const LabelInput& l, const probes::ActivationFile& a) {
  MP_CHECK(static_cast<int64_t>(l.labels.size()) == a.rows(),
           l.path << " holds " << l.labels.size() << " labels but the activations " << a.path()
                  << " have " << a.rows() << " rows");
}

// An output's directory must exist before the work starts, not after an hour of fitting.
void check_output_dir(const std::string& flag, const std::string& path) {
  if (path.empty()) return;
  const fs::path dir = fs::absolute(fs::path(path)).parent_path();
  std::error_code ec;
  MP_CHECK(fs::is_directory(dir, ec),
           flag << " " << path << ": directory " << dir.string() << " does not exist");
}

std::string class_list(const std::vector<int>& classes) {
  std::string s;
  const size_t shown = std::min<size_t>(classes.size(), 20);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + std::to_string(classes[i]);
  if (classes.size() > shown) s += ", ... (" + std::to_string(classes.size()) + " in all)";
  return s;
}

// Warns, naming them, about the classes with no rows in `labels` (as on the run-directory path
// such a class gets an empty subspace, k = 0, and so scores 0 in MASC and in the linear probe).
std::vector<int> warn_empty_classes(const LabelInput& l, int K, const std::string& which,
                                    std::ostream& err) {
  std::vector<int64_t> n(static_cast<size_t>(K), 0);
  for (int32_t y : l.labels) ++n[static_cast<size_t>(y)];
  std::vector<int> empty;
  for (int c = 0; c < K; ++c)
    if (n[static_cast<size_t>(c)] == 0) empty.push_back(c);
  if (!empty.empty())
    err << "warning: " << (empty.size() == 1 ? "class " : "classes ") << class_list(empty)
        << (empty.size() == 1 ? " has" : " have") << " no rows in the " << which << " " << l.path
        << ": " << (empty.size() == 1 ? "its" : "their")
        << " MASC subspace is empty (k = 0) and linear-probe row zero, so the probes score "
        << (empty.size() == 1 ? "it" : "them") << " 0\n";
  return empty;
}

nlohmann::ordered_json file_json(const probes::ActivationFile& a) {
  return {{"file", a.path()}, {"rows", a.rows()}, {"cols", a.cols()}, {"dtype", a.stored_dtype()}};
}

nlohmann::ordered_json labels_json(const LabelInput* l) {
  if (!l) return nullptr;
  return {{"file", l->path}, {"sha256", l->sha256}};
}

// NaN (not measured) becomes JSON null.
nlohmann::ordered_json number(double v) {
  if (std::isnan(v)) return nullptr;
  return v;
}

void add_probe_arrays(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "probe-arrays",
      "Fit MASC, the linear probe and the baselines on activations exported from any network "
      "(.npy N x d, integer labels); writes probes.csv, optionally JSON, predictions and the "
      "probe as safetensors for the weight edit (docs/probe-any-network.md)");
  auto a = std::make_shared<ArrayFlags>();
  auto f = std::make_shared<ProbeFlags>();
  cmd->add_option("--train", a->train, "Training activations, .npy N x d (float32 or float64)")
      ->required();
  cmd->add_option("--test", a->test, "Test activations, .npy M x d")->required();
  cmd->add_option("--train-labels", a->train_labels,
                  "Training labels the network was trained on (the corrupted ones): integer "
                  ".npy (N,) or one label per line")
      ->required();
  cmd->add_option(
      "--train-true-labels", a->train_true_labels,
      "The true training labels (gives train_acc_true and MASC on the true labels; without "
      "them --subspace is corrupted only)");
  cmd->add_option("--test-labels", a->test_labels, "Test labels (true): integer .npy or text")
      ->required();
  cmd->add_option("--classes", a->classes, "Number of classes K (default: the largest label + 1)")
      ->check(CLI::Range(1, kMaxClasses));
  cmd->add_option("--layer", a->layer, "Layer name written in the layer column");
  cmd->add_option("--epoch", a->epoch, "Epoch written in the epoch column")
      ->check(CLI::NonNegativeNumber);
  add_probe_flags(cmd, *f, true, false);
  cmd->add_option("--out", a->out,
                  "probes.csv to write; rows of the same (epoch, layer, probe, subspace) are "
                  "replaced, others kept")
      ->required();
  cmd->add_option("--json", a->json, "Also write the results (and inputs) as JSON");
  cmd->add_option("--save-probe", a->save_probe,
                  "Write the fitted MASC bases and linear-probe weight as .safetensors");
  cmd->add_option("--predictions", a->predictions,
                  "Directory for each probe's predictions, <probe>_<subspace>_{train,test}.npy");
  set_action(cmd, [a, f, cmd](CommandContext& ctx) {
    print_header(ctx);
    // --- options ---
    const bool have_true = !a->train_true_labels.empty();
    ProbeFlags flags = *f;
    if (!have_true) {
      if (cmd->get_option("--subspace")->count() == 0) {
        flags.subspace = "corrupted";
      } else {
        for (const std::string& s : split_list(flags.subspace))
          if (s == "true")
            throw UsageError(
                "--subspace true needs the true training labels "
                "(--train-true-labels)");
      }
    }
    const probes::ProbeSpec spec = make_spec(flags);
    auto wants = [&spec](const char* p) {
      return std::find(spec.probes.begin(), spec.probes.end(), p) != spec.probes.end();
    };
    const bool corrupted_masc = std::find(spec.masc_subspaces.begin(), spec.masc_subspaces.end(),
                                          "corrupted") != spec.masc_subspaces.end();
    if (!a->save_probe.empty() && !(wants("masc") && wants("linear") && corrupted_masc))
      throw UsageError(
          "--save-probe saves MASC (corrupted subspace) and the linear probe: "
          "keep masc and linear in --probes and corrupted in --subspace");
    check_output_dir("--out", a->out);
    check_output_dir("--json", a->json);
    check_output_dir("--save-probe", a->save_probe);
    if (!a->predictions.empty()) {
      std::error_code ec;
      MP_CHECK(fs::is_directory(a->predictions, ec) ||
                   fs::is_directory(fs::absolute(fs::path(a->predictions)).parent_path(), ec),
               "--predictions " << a->predictions << ": neither it nor its parent is a "
                                << "directory");
    }

    // --- inputs: every check before any fitting ---
    const probes::ActivationFile train(a->train);
    const probes::ActivationFile test(a->test);
    MP_CHECK(train.cols() == test.cols(), "the training activations "
                                              << train.path() << " have d = " << train.cols()
                                              << " columns but the test activations " << test.path()
                                              << " have d = " << test.cols());
    for (const probes::ActivationFile* x : {&train, &test})
      if (x->converted() && x->stored_dtype() == "<f8")
        ctx.err << "note: " << x->path() << " is float64, rounded once to float32 (the "
                << "probes read float32 rows and compute in double)\n";
    const LabelInput y_corrupt = read_labels(a->train_labels);
    std::optional<LabelInput> y_true;
    if (have_true) y_true = read_labels(a->train_true_labels);
    const LabelInput y_test = read_labels(a->test_labels);
    check_rows(y_corrupt, train);
    if (y_true) check_rows(*y_true, train);
    check_rows(y_test, test);
    std::vector<const LabelInput*> all = {&y_corrupt, &y_test};
    if (y_true) all.push_back(&*y_true);
    int K = a->classes;
    if (K == 0) {
      std::vector<const std::vector<int32_t>*> sets;
      for (const LabelInput* l : all) sets.push_back(&l->labels);
      // At least 1, so that negative labels fail the range check below as what they are.
      const int inferred = std::max(1, probes::classes_from_labels(sets));
      MP_CHECK(inferred <= kMaxClasses, "the largest label is "
                                            << inferred - 1 << ", i.e. K = " << inferred
                                            << " classes; give --classes K (at most " << kMaxClasses
                                            << ") if that is intended");
      K = inferred;
    }
    for (const LabelInput* l : all) probes::check_label_range(l->labels, K, l->path);
    const std::vector<int> empty = warn_empty_classes(y_corrupt, K, "training labels", ctx.err);
    if (y_true && std::find(spec.masc_subspaces.begin(), spec.masc_subspaces.end(), "true") !=
                      spec.masc_subspaces.end())
      warn_empty_classes(*y_true, K, "true training labels", ctx.err);

    // --- the probes: probe_layer, as on a run directory ---
    ctx.err << "probing " << a->layer << ": " << train.rows() << " training and " << test.rows()
            << " test rows, d = " << train.cols() << ", K = " << K << "\n";
    probes::FittedProbes fitted;
    const probes::LayerViews in{train.view(),      test.view(),
                                &y_corrupt.labels, y_true ? &y_true->labels : &y_corrupt.labels,
                                &y_test.labels,    K};
    std::vector<probes::ProbeResult> res = probes::probe_layer(a->layer, in, spec, &fitted);
    if (!y_true)
      for (auto& r : res) r.train_acc_true = std::numeric_limits<double>::quiet_NaN();

    // --- outputs, each atomic, only now ---
    if (!a->predictions.empty()) {
      fs::create_directories(a->predictions);
      for (const auto* preds : {&fitted.train_pred, &fitted.test_pred})
        for (const auto& [key, p] : *preds) {
          std::string name = key;
          name[name.find('/')] = '_';
          name += preds == &fitted.train_pred ? "_train.npy" : "_test.npy";
          save_npy_i32((fs::path(a->predictions) / name).string(), p.data(),
                       {static_cast<int64_t>(p.size())});
        }
    }
    if (!a->save_probe.empty()) {
      std::map<std::string, std::string> meta = {
          {"memprobe.version", version_string()},
          {"layer", a->layer},
          {"epoch", std::to_string(a->epoch)},
          {"rule", spec.masc.fixed_k > 0 ? "k" : "tau"},
          {"tau", csv_number(spec.masc.tau)},
          {"k", std::to_string(spec.masc.fixed_k)},
          {"train_rows", std::to_string(train.rows())},
          {"labels_sha256", y_corrupt.sha256},
          {"labels_file", fs::path(y_corrupt.path).filename().string()}};
      auto t = fitted.masc.find("true");
      probes::save_probe_file(a->save_probe, fitted.masc.at("corrupted"), *fitted.linear,
                              t == fitted.masc.end() ? nullptr : &t->second, meta);
    }
    if (!a->json.empty()) {
      const std::vector<bool> best = probes::best_layers(res);
      nlohmann::ordered_json j;
      j["memprobe_version"] = version_string();
      j["command"] = ctx.command_line;
      j["epoch"] = a->epoch;
      j["layer"] = a->layer;
      j["train"] = file_json(train);
      j["test"] = file_json(test);
      j["train_labels"] = labels_json(&y_corrupt);
      j["train_true_labels"] = labels_json(y_true ? &*y_true : nullptr);
      j["test_labels"] = labels_json(&y_test);
      j["num_classes"] = K;
      j["empty_classes"] = empty;
      j["tau"] = spec.masc.tau;
      j["k"] = spec.masc.fixed_k;
      j["threads"] = ctx.threads;
      j["results"] = nlohmann::ordered_json::array();
      for (size_t i = 0; i < res.size(); ++i) {
        const auto& r = res[i];
        j["results"].push_back({{"probe", r.probe},
                                {"subspace", r.subspace},
                                {"rule", r.rule},  // masc: tau=.. or k=..; else empty
                                {"test_acc", number(r.test_acc)},
                                {"train_acc_corrupted", number(r.train_acc_corrupted)},
                                {"train_acc_true", number(r.train_acc_true)},
                                {"k_per_class", r.k_per_class},
                                {"best", best[i]},
                                {"seconds", r.seconds}});
      }
      write_file_atomic(a->json, j.dump(2) + "\n");
    }
    write_probes_csv(a->out, probe_rows(a->epoch, res));

    ctx.out << a->layer << " (epoch " << a->epoch << "; accuracies in %"
            << (y_true ? "" : "; no true training labels, so train_acc_true is -") << ")\n"
            << probe_results_table(res).to_text() << "written to " << a->out;
    for (const std::string* o : {&a->json, &a->save_probe, &a->predictions})
      if (!o->empty()) ctx.out << ", " << *o;
    ctx.out << "\n";
    return 0;
  });
}

}  // namespace

void add_probe_arrays_command(CLI::App& app) {
  add_probe_arrays(app);
}

}  // namespace mp::app
