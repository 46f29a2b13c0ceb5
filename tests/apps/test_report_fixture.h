#pragma once
// A synthetic tree of run directories for the report tests, written file by file exactly as
// docs/formats.md specifies (no memprobe writer involved, so the reader is tested against the
// contract, not against itself). Accuracies follow simple formulas so tests can hand-compute
// means, sds and best layers:
//   model test acc          = model_base - 0.3*p - 0.01*seed
//   train acc (corrupted)   = 1.0 (seed 1) / 0.99 (seed 2)
//   probe test acc at layer = probe_base + shape[layer] - 0.3*p - 0.01*seed
//   edited model test acc   = linear best-layer value - 0.005   (bias zero); bias keep is 0.01
//   lower
// with shape = {0, .04, .08, .12, .10} (best layer index 3) for every probe except the linear
// probe, whose shape depends on the seed: seed 1 peaks at index 4, seed 2 at index 2.
// Probe rows at an earlier epoch have a higher accuracy (0.99) that a correct reader ignores.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/report/gnuplot.h"
#include "apps/report/report.h"

namespace mp::testing {

struct FakeRun {
  std::string dataset = "mnist", model = "mlp";
  double level = 0.2;
  int seed = 1;
  int final_epoch = 3;
  std::string status = "finished";
  bool with_probes = true, with_transfer = true, with_dynamics = true, with_metrics = true;
  // The recipe in the manifest; the defaults are the paper's MLP settings on the full data.
  int train_subset = 0, test_subset = 0;
  std::string optimizer = "sgd";
  double lr = 0.001, momentum = 0.9;
  int batch_size = 32;
  std::string stop_on = "running";
  // How training ended: the stop target and cap in the config, the manifest's stop_reason (the
  // trainer's words) and, when not NaN, the running accuracy of the final epoch (metrics.csv
  // then has the train_acc_running column, as every run of the current trainer does).
  double target_train_acc = 1.0;
  int max_epochs = 500;
  std::string stop_reason = "target reached";
  double final_running_acc = std::nan("");
  double dropout = 0;  // the dropout variant's rate; written to the config only when set
};

inline const std::vector<std::string>& fake_layers(const std::string& model) {
  static const std::vector<std::string> mlp = {"input", "fc1", "fc2", "fc3", "fc4"};
  static const std::vector<std::string> cnn = {"input", "flatten", "fc1", "fc2", "fc3"};
  return model == "cnn" ? cnn : mlp;
}

inline double fake_model_base(const std::string& model) {
  return model == "cnn" ? 0.98 : 0.95;
}

inline double fake_probe_base(const std::string& probe, const std::string& subspace) {
  if (probe == "masc") return subspace == "true" ? 0.72 : 0.70;
  if (probe == "linear") return 0.68;
  if (probe == "ncm") return 0.60;
  return 0.65;  // logreg
}

inline double fake_shape(const std::string& probe, int seed, int li) {
  static const double common[5] = {0, .04, .08, .12, .10};
  static const double lin1[5] = {0, .02, .04, .06, .11};  // peaks at index 4
  static const double lin2[5] = {0, .05, .09, .07, .03};  // peaks at index 2
  if (probe == "linear") return seed % 2 == 1 ? lin1[li] : lin2[li];
  return common[li];
}

inline double fake_model_test(const FakeRun& r) {
  return fake_model_base(r.model) - 0.3 * r.level - 0.01 * r.seed;
}

inline double fake_probe(const FakeRun& r, const std::string& probe, const std::string& sub,
                         int li) {
  return fake_probe_base(probe, sub) + fake_shape(probe, r.seed, li) - 0.3 * r.level -
         0.01 * r.seed;
}

inline double fake_linear_best(const FakeRun& r) {
  double best = -1;
  for (int li = 0; li < 5; ++li) best = std::max(best, fake_probe(r, "linear", "corrupted", li));
  return best;
}

inline std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string fake_run_name(const FakeRun& r) {
  char lv[32];
  std::snprintf(lv, sizeof lv, "%g", r.level);
  const std::string name = r.dataset + "-" + r.model + "-p" + lv + "-s" + std::to_string(r.seed);
  return r.dropout != 0 ? name + "-dropout" + num(r.dropout) : name;
}

inline void write_text(const std::filesystem::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

// Writes one run directory at `dir` and returns it.
inline std::filesystem::path write_fake_run(const std::filesystem::path& dir, const FakeRun& r) {
  namespace fs = std::filesystem;
  fs::create_directories(dir / "checkpoints");
  nlohmann::json m = {
      {"memprobe_version", "0.1.0"},
      {"git_commit", "abcdef123456"},
      {"command", "memprobe train --dataset " + r.dataset},
      {"config",
       {{"dataset", r.dataset},
        {"model", r.model},
        {"corrupt", r.level},
        {"corruption_mode", "random"},
        {"seed", r.seed},
        {"optimizer", r.optimizer},
        {"lr", r.lr},
        {"momentum", r.momentum},
        {"batch_size", r.batch_size},
        {"max_epochs", r.max_epochs},
        {"target_train_acc", r.target_train_acc},
        {"stop_on", r.stop_on},
        {"shuffle", false},
        {"train_subset", r.train_subset},
        {"test_subset", r.test_subset},
        {"threads", 2},
        {"checkpoint_epochs", {0, 1, 2, 3}},
        {"data_dir", "/data"}}},
      {"runtime", {{"blas", "OpenBLAS fake core=Haswell parallel=openmp"}, {"threads", 2}}},
      {"dataset",
       {{"name", r.dataset},
        {"files",
         {{"train-images-idx3-ubyte",
           "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"}}}}},
      {"labels_sha256", "1111111111111111111111111111111111111111111111111111111111111111"},
      {"started", "2026-01-01T00:00:00Z"},
      {"finished",
       r.status == "running" ? nlohmann::json() : nlohmann::json("2026-01-01T01:00:00Z")},
      {"status", r.status},
      {"final_epoch", r.final_epoch},
      {"stop_reason", r.stop_reason},
      {"checkpoints", nlohmann::json::object()},
      {"future_field", {{"kept", true}}}};
  for (int e = 0; e <= r.final_epoch; ++e) {
    char f[64];
    std::snprintf(f, sizeof f, "checkpoints/epoch_%04d.safetensors", e);
    m["checkpoints"][std::to_string(e)] = {{"file", f}, {"sha256", "00"}};
    write_text(dir / f, "x");
  }
  if (r.dropout != 0) m["config"]["dropout"] = r.dropout;  // as TrainConfig::to_json writes it
  write_text(dir / "manifest.json", m.dump(2));

  const double train_corr_final = r.seed % 2 == 1 ? 1.0 : 0.99;
  if (r.with_metrics) {
    const bool running = !std::isnan(r.final_running_acc);
    std::string s = std::string("epoch,loss,") + (running ? "train_acc_running," : "") +
                    "train_acc_corrupted,train_acc_true,test_acc,samples_per_s,epoch_s,wall_s\n";
    for (int e = 0; e <= r.final_epoch; ++e) {
      const bool last = e == r.final_epoch;
      const double test = last ? fake_model_test(r) : 0.5 + 0.01 * e;
      const double tc = last ? train_corr_final : 0.3 + 0.1 * e;
      // Epoch 0 has no running count (no batch was trained); earlier epochs run below the last.
      const std::string run_cell =
          e == 0 ? "," : num(last ? r.final_running_acc : r.final_running_acc * e / (e + 1)) + ",";
      s += std::to_string(e) + "," + num(2.3 - 0.5 * e) + "," + (running ? run_cell : "") +
           num(tc) + "," + num(tc * 0.8) + "," + num(test) + ",1000,12.5," + num(12.5 * e + 3) +
           "\n";
    }
    write_text(dir / "metrics.csv", s);
  }
  const auto& layers = fake_layers(r.model);
  if (r.with_probes) {
    std::string s =
        "epoch,layer,probe,subspace,test_acc,train_acc_corrupted,train_acc_true,k_per_class,best\n";
    const std::pair<const char*, const char*> kinds[] = {{"masc", "corrupted"},
                                                         {"masc", "true"},
                                                         {"linear", "corrupted"},
                                                         {"ncm", "corrupted"},
                                                         {"logreg", "corrupted"}};
    for (int epoch : {1, r.final_epoch}) {
      for (const auto& [probe, sub] : kinds) {
        int best = 0;
        for (int li = 1; li < 5; ++li)
          if (fake_probe(r, probe, sub, li) > fake_probe(r, probe, sub, best)) best = li;
        for (int li = 0; li < 5; ++li) {
          const double v = epoch == r.final_epoch ? fake_probe(r, probe, sub, li) : 0.99;
          const std::string k = std::string(probe) == "masc" ? "3 4 5 6 7 8 9 10 11 12" : "";
          s += std::to_string(epoch) + "," + layers[li] + "," + probe + "," + sub + "," + num(v) +
               "," + num(0.9 - 0.1 * li) + "," + num(0.5 + 0.05 * li) + "," + k + "," +
               (li == best ? "1" : "0") + "\n";
        }
      }
    }
    write_text(dir / "probes.csv", s);
  }
  if (r.with_transfer) {
    const double e = fake_linear_best(r) - 0.005;
    std::string s =
        "epoch,bias,test_acc,train_acc_corrupted,train_acc_true,probe_test_acc,checkpoint\n";
    s += "1,zero,0.2,0.2,0.2,0.2,checkpoints/epoch_0001.safetensors\n";
    s += std::to_string(r.final_epoch) + ",keep," + num(e - 0.01) + ",0.5,0.6," +
         num(fake_linear_best(r)) + ",\n";
    s += std::to_string(r.final_epoch) + ",zero," + num(e) + ",0.5,0.6," +
         num(fake_linear_best(r)) + ",checkpoints/edited.safetensors\n";
    write_text(dir / "transfer.csv", s);
  }
  if (r.with_dynamics) {
    std::string s = "epoch,layer,probe,metric,value\n";
    for (int e = 0; e <= r.final_epoch; ++e) {
      s += std::to_string(e) + ",output,model,test_acc," + num(0.5 + 0.01 * e) + "\n";
      s += std::to_string(e) + ",output,model,train_acc_corrupted," + num(0.3 + 0.1 * e) + "\n";
      for (int li = 0; li < 5; ++li) {
        s += std::to_string(e) + "," + layers[li] + ",masc,test_acc," + num(0.6 + 0.01 * li) + "\n";
        s += std::to_string(e) + "," + layers[li] + ",linear,test_acc," + num(0.55 + 0.01 * li) +
             "\n";
      }
      s += std::to_string(e) + "," + layers[4] + ",edited,test_acc," + num(0.58) + "\n";
    }
    write_text(dir / "dynamics.csv", s);
  }
  return dir;
}

// Report options for a fixture tree: one runs root, one output folder; gnuplot "none" (tables
// only), "auto" or a path. plots_if_installed() is "auto" when gnuplot is on PATH.
inline mp::app::ReportOptions report_options(const std::filesystem::path& runs,
                                             const std::filesystem::path& out,
                                             const std::string& gnuplot = "none") {
  mp::app::ReportOptions o;
  o.runs = {runs};
  o.out = out;
  o.gnuplot = gnuplot;
  return o;
}

inline std::string plots_if_installed() {
  return mp::app::find_gnuplot().empty() ? "none" : "auto";
}

// The standard tree: models {mlp, cnn} x levels {0.2, 0.6} x seeds {1, 2} under root/runs/.
inline std::vector<FakeRun> write_standard_tree(const std::filesystem::path& root) {
  std::vector<FakeRun> runs;
  for (const char* model : {"mlp", "cnn"})
    for (double level : {0.2, 0.6})
      for (int seed : {1, 2}) {
        FakeRun r;
        r.model = model;
        r.level = level;
        r.seed = seed;
        write_fake_run(root / "runs" / fake_run_name(r), r);
        runs.push_back(r);
      }
  return runs;
}

}  // namespace mp::testing
