// report.md and report.html from one document model (a list of blocks), so the two pages
// always say the same thing.
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "apps/report/ablation.h"
#include "apps/report/edit_runs.h"
#include "apps/report/plot_data.h"
#include "apps/report/report.h"
#include "apps/run/console.h"
#include "memprobe_version.h"
#include "tensor/io/atomic_file.h"

namespace mp::app {

namespace fs = std::filesystem;

namespace {

struct Block {
  // Note: a lead sentence and items set apart from the text, for what a reader must not miss.
  enum Kind { Heading, Para, Bullets, Note, TableBlock, Plot, OpenDetails, CloseDetails };
  explicit Block(Kind k, int lv = 0, std::string t = {}) : kind(k), level(lv), text(std::move(t)) {}
  Kind kind;
  int level = 0;
  std::string text;  // Plot: the plot's title (the image's alt text)
  std::vector<std::string> items;
  std::shared_ptr<Table> table;
  const RenderedPlot* plot = nullptr;
  std::string caption;  // Plot: what to look for in it
};

using Doc = std::vector<Block>;

void heading(Doc& d, int level, std::string t) {
  d.emplace_back(Block::Heading, level, std::move(t));
}
void para(Doc& d, std::string t) {
  d.emplace_back(Block::Para, 0, std::move(t));
}
void bullets(Doc& d, std::vector<std::string> items) {
  Block b(Block::Bullets);
  b.items = std::move(items);
  d.push_back(std::move(b));
}
void note(Doc& d, std::string lead, std::vector<std::string> items) {
  Block b(Block::Note, 0, std::move(lead));
  b.items = std::move(items);
  d.push_back(std::move(b));
}
void table(Doc& d, Table t) {
  Block b(Block::TableBlock);
  b.table = std::make_shared<Table>(std::move(t));
  d.push_back(std::move(b));
}

std::string pct(double v) {
  return std::isnan(v) ? "not computed" : format_percent(v, 2);
}

std::string rel(const fs::path& p, const fs::path& base) {
  std::error_code ec;
  fs::path r = fs::relative(p, base, ec);
  return ec || r.empty() ? p.string() : r.string();
}

// The report's plots, each placed once: beside the table it belongs to, else at the end.
class PlotShelf {
 public:
  explicit PlotShelf(const std::vector<RenderedPlot>& plots) : plots_(plots) {}
  // The plot named `name`, unless there is none or it was placed already.
  const RenderedPlot* take(const std::string& name) {
    for (const RenderedPlot& p : plots_)
      if (p.name == name && placed_.insert(p.name).second) return &p;
    return nullptr;
  }
  std::vector<const RenderedPlot*> rest() const {
    std::vector<const RenderedPlot*> out;
    for (const RenderedPlot& p : plots_)
      if (!placed_.count(p.name)) out.push_back(&p);
    return out;
  }

 private:
  const std::vector<RenderedPlot>& plots_;
  std::set<std::string> placed_;
};

// The figure, or where its data and script are when gnuplot did not draw it.
void plot(Doc& d, const RenderedPlot& p, std::string caption) {
  if (!p.rendered) {
    para(d, p.title + ": not rendered; data in `plots/" + p.csv.filename().string() +
                "`, script `plots/" + p.script.filename().string() + "`" +
                (p.error.empty() ? "" : " (" + p.error + ")"));
    return;
  }
  d.emplace_back(Block::Plot, 0, p.title);
  d.back().plot = &p;
  d.back().caption = std::move(caption);
}

// What to look for in each kind of plot (plot_data.h draws them), said in one sentence.
std::string levels_caption(bool with_published) {
  return std::string(
             "The model's test accuracy falls as p grows; MASC and the linear probe, read from "
             "its best hidden layer, stay higher: the gap is the generalization its output has "
             "lost, and the edited model shows how much of it a new output layer wins back.") +
         (with_published ? " Open circles: the authors' published values." : "");
}

std::string layers_caption() {
  return "Where each probe reads the most, from the raw pixels (input) to the last hidden "
         "layer; the dashed line is the model's own output, so a probe above it finds "
         "generalization the output has lost.";
}

std::string dynamics_caption(double level) {
  if (level <= 0)
    return "With clean labels there is nothing to memorise: the model's test accuracy climbs to "
           "the probes' level and stays there, and the dashed edited model follows the linear "
           "probe.";
  return "The model's test accuracy peaks early and falls as it memorises the corrupted labels; "
         "the probes at the best hidden layer do not fall as far, and the dashed edited model "
         "shows what a new output layer recovers at each epoch.";
}

// Key facts of a run's manifest and metrics.
Table facts_table(const RunData& r) {
  const Manifest& m = r.manifest;
  Table t({"fact", "value"});
  const MetricsRow* fm = r.final_metrics();
  const auto fe = r.final_epoch();
  t.add_row({"status", m.status()});
  t.add_row({"final epoch", fe ? std::to_string(*fe) : "not recorded"});
  t.add_row({"stop reason", m.str("stop_reason", "not recorded")});
  t.add_row({"final train acc (corrupted labels), %",
             fm ? pct(fm->train_acc_corrupted) : "not computed"});
  t.add_row({"final train acc (true labels), %", fm ? pct(fm->train_acc_true) : "not computed"});
  t.add_row({"final test acc, %", fm ? pct(fm->test_acc) : "not computed"});
  t.add_row(
      {"wall time", fm && !std::isnan(fm->wall_s) ? format_duration(fm->wall_s) : "not recorded"});
  t.add_row({"seed", std::to_string(r.key.seed)});
  t.add_row({"corruption",
             level_string(r.key.level) + " (" +
                 m.config_str("corruption_mode", m.config_str("corruption", "random")) + ")"});
  t.add_row({"optimizer", m.config_str("optimizer", "?") + " lr " + m.config_str("lr", "?") +
                              ", batch " + m.config_str("batch_size", "?")});
  if (m.config_num("dropout", 0.0) != 0) t.add_row({"dropout", m.config_str("dropout")});
  const auto& j = m.json();
  std::string threads = "not recorded", blas = "not recorded";
  if (j.contains("runtime") && j["runtime"].is_object()) {
    if (j["runtime"].contains("threads")) threads = j["runtime"]["threads"].dump();
    if (j["runtime"].contains("blas") && j["runtime"]["blas"].is_string())
      blas = j["runtime"]["blas"].get<std::string>();
  }
  t.add_row({"threads", threads});
  t.add_row({"BLAS", blas});
  t.add_row(
      {"memprobe", m.str("memprobe_version", "?") + " (commit " + m.str("git_commit", "?") + ")"});
  t.add_row({"started / finished", m.str("started", "?") + " / " + m.str("finished", "-")});
  t.add_row({"command", m.str("command", "not recorded")});
  for (const auto& [file, sha] : m.dataset_files()) t.add_row({"sha256 " + file, sha});
  t.add_row({"labels sha256", m.str("labels_sha256", "not recorded")});
  return t;
}

struct Col {
  const char* probe;
  const char* subspace;
  const char* title;
};
constexpr Col kCols[] = {{"masc", "corrupted", "MASC (corrupted)"},
                         {"masc", "true", "MASC (true)"},
                         {"linear", "corrupted", "linear"},
                         {"ncm", "corrupted", "NCM"},
                         {"logreg", "corrupted", "logreg"}};

const ProbeRow* find_probe(const RunData& r, int epoch, const Col& c, const std::string& layer) {
  for (const ProbeRow* p : r.probe_rows(epoch, c.probe, c.subspace))
    if (p->layer == layer) return p;
  return nullptr;
}

// Test accuracy of each probe by layer; the best layer of each probe is marked with '*'.
Table layer_test_table(const RunData& r, int epoch) {
  std::vector<std::string> h = {"layer"};
  for (const auto& c : kCols) h.push_back(c.title);
  Table t(h);
  for (const auto& layer : r.layers()) {
    std::vector<std::string> row = {layer};
    for (const auto& c : kCols) {
      const ProbeRow* p = find_probe(r, epoch, c, layer);
      std::string s = p ? pct(p->test_acc) : "not computed";
      const ProbeRow* b = best_layer(r, c.probe, c.subspace);
      if (p && b == p) s += " *";
      row.push_back(s);
    }
    t.add_row(row);
  }
  return t;
}

// Train accuracy vs corrupted / true labels by layer: memorization vs generalization.
Table layer_train_table(const RunData& r, int epoch) {
  std::vector<std::string> h = {"layer"};
  for (const auto& c : kCols) h.push_back(std::string(c.title) + " corr / true");
  Table t(h);
  for (const auto& layer : r.layers()) {
    std::vector<std::string> row = {layer};
    for (const auto& c : kCols) {
      const ProbeRow* p = find_probe(r, epoch, c, layer);
      row.push_back(p ? pct(p->train_acc_corrupted) + " / " + pct(p->train_acc_true)
                      : "not computed");
    }
    t.add_row(row);
  }
  return t;
}

Table transfer_table(const RunData& r) {
  Table t({"epoch", "bias", "test acc", "train acc (corrupted)", "train acc (true)",
           "linear probe test acc", "checkpoint"});
  for (const auto& x : r.transfer)
    t.add_row({std::to_string(x.epoch), x.bias, pct(x.test_acc), pct(x.train_acc_corrupted),
               pct(x.train_acc_true), pct(x.probe_test_acc), x.checkpoint});
  return t;
}

// The numbers behind the dynamics plot for one run (for several seeds the plot is their mean).
Table dynamics_table(const std::map<int, EpochAccuracies>& by_epoch) {
  Table t({"epoch", "model", "MASC (best layer)", "linear probe (best layer)", "edited model"});
  for (const auto& [epoch, v] : by_epoch)
    t.add_row({std::to_string(epoch), pct(v.model), pct(v.masc), pct(v.linear), pct(v.edited)});
  return t;
}

void probe_tables(Doc& d, const RunData& r, PlotShelf& shelf) {
  const auto e = r.probe_epoch();
  if (!e) {
    para(d, "Probes: not computed.");
    return;
  }
  heading(d, 4,
          "Probe test accuracy by layer (epoch " + std::to_string(*e) + ", % ; * = best layer)");
  table(d, layer_test_table(r, *e));
  if (const RenderedPlot* p =
          shelf.take("layers_" + plot_stem(r.key.dataset, r.key.model, r.key.level)))
    plot(d, *p, layers_caption());
  heading(d, 4,
          "Probe train accuracy by layer vs corrupted / true labels (epoch " + std::to_string(*e) +
              ", %)");
  table(d, layer_train_table(r, *e));
  const std::vector<AblationRow> ablation = masc_ablation(r, *e, published_results());
  if (!ablation.empty()) {
    heading(d, 4,
            "MASC component rules (epoch " + std::to_string(*e) +
                ", corrupted-label subspaces, best layer per rule)");
    para(d,
         "The run was probed with several component rules (`--tau` / `--k` lists, "
         "docs/method.md §8); the tables above use tau 0.99. \"published\" is the authors' "
         "PCA-threshold ablation (MLP on MNIST at p = 0.8, best-layer MASC) where it covers this "
         "run; \"k=1\" is their \"1 component\".");
    table(d, ablation_table(ablation));
  }
}

void dynamics_part(Doc& d, const RunData& r, PlotShelf& shelf) {
  const std::map<int, EpochAccuracies> by_epoch = run_dynamics(r);
  if (by_epoch.empty()) {
    para(d, "Training dynamics: not computed.");
    return;
  }
  heading(d, 4, "Test accuracy during training (%)");
  if (r.dynamics.empty()) {
    para(d, "Probes over the checkpoints: not computed; the model's test accuracy is from `" +
                std::string(metrics_format().file) + "`.");
  } else {
    // One row per probed checkpoint, so long for a long run: folded, the plot shows it at once.
    d.emplace_back(Block::OpenDetails, 0,
                   "The numbers, by epoch (" + std::to_string(by_epoch.size()) + " epochs)");
    table(d, dynamics_table(by_epoch));
    d.emplace_back(Block::CloseDetails);
  }
  if (const RenderedPlot* p =
          shelf.take("dynamics_" + plot_stem(r.key.dataset, r.key.model, r.key.level)))
    plot(d, *p, dynamics_caption(r.key.level));
}

// Paper 1's clean-model control and relabel-and-retrain, when they were run on this run.
void experiments_part(Doc& d, const RunData& r) {
  if (r.clean_control) {
    heading(d, 4, "Clean-model control (test accuracy, docs/method.md §16; * = best layer)");
    para(d,
         "MASC subspaces from this run's corrupted labels, fitted on the activations of the "
         "model trained at p = 0 (`memprobe clean-control`), beside this run's own MASC: how much "
         "of the probe's accuracy the labels carry and how much the representation.");
    std::vector<std::pair<std::string, double>> own;
    if (const auto e = r.probe_epoch())
      for (const ProbeRow* p : r.probe_rows(*e, "masc", "corrupted"))
        own.emplace_back(p->layer, p->test_acc);
    table(d, clean_control_table(*r.clean_control, own));
  }
  if (r.relabel) {
    heading(d, 4, "Relabel and retrain (docs/method.md §15)");
    para(d, "The training set relabelled by MASC at the layer chosen on " +
                std::to_string(r.relabel->heldout_n) +
                " held-out test images, a model retrained on those labels with early stopping "
                "(`memprobe relabel`); accuracies on the other " +
                std::to_string(r.relabel->eval_n) + " test images.");
    table(d, relabel_table(*r.relabel));
  }
}

// A run: its facts folded away (long, and read when something looks wrong), then its tables,
// each followed by its plot. Plots are per level (the mean over seeds) and stand with the
// first seed of the level that has the plot's table.
void run_section(Doc& d, const RunData& r, const fs::path& out, PlotShelf& shelf) {
  heading(d, 3, r.key.to_string());
  para(d, "Run directory: `" + rel(r.dir, out) + "`");
  d.emplace_back(Block::OpenDetails, 0,
                 "Facts of the run: status, stop, recipe, machine, checksums");
  table(d, facts_table(r));
  d.emplace_back(Block::CloseDetails);
  if (!r.notes.empty()) bullets(d, r.notes);
  probe_tables(d, r, shelf);
  if (!r.transfer.empty()) {
    heading(d, 4, "Weight-editing transfer (edited model, %)");
    table(d, transfer_table(r));
  } else {
    para(d, "Transfer (edited model): not computed.");
  }
  experiments_part(d, r);
  dynamics_part(d, r, shelf);
}

// --edit-mode reference runs, grouped by level and seed: the reference's edit during training.
void edit_section(Doc& d, const std::vector<RunData>& runs, PlotShelf& shelf) {
  if (runs.empty()) return;
  heading(d, 2, "Edit during training");
  para(d,
       "Runs with `--edit-mode reference` (docs/method.md §12): the model of the edit epoch had "
       "its output layer replaced by the linear probe of its last hidden layer (bias zero), then "
       "trained on the corrupted labels with a fresh optimizer to the end epoch, with no "
       "accuracy stop. Test accuracy (%) on the true test labels; \"edited model\" is right "
       "after the edit, before any further training. Not part of the summary above.");
  for (const auto& group : edit_run_groups(runs)) {
    const RunData& f = *group.front();
    heading(d, 3,
            f.key.dataset + "/" + f.key.model + " p=" + level_string(f.key.level) + " seed " +
                std::to_string(f.key.seed));
    table(d, edit_runs_table(group));
    if (const RenderedPlot* p = shelf.take(edit_plot_name(f)))
      plot(d, *p,
           "Each colour is one edit epoch: the solid curve the test accuracy from the edited "
           "model on, the dashed one how far training then fits the corrupted labels again.");
  }
}

// The runs that stopped short of their target, set apart under the summary table.
void stop_target_part(Doc& d, const std::vector<RunData>& runs) {
  const std::vector<std::string> notes = stop_target_notes(runs);
  if (!notes.empty())
    note(d,
         "Not every run reached its stop target; the numbers of these runs are those of a model "
         "that had not fitted its training labels as far as its recipe asks:",
         notes);
  else if (all_stop_targets_reached(runs))
    para(d, kAllStopTargetsReached);
}

// The accuracy-against-p plots, one per (dataset, model), beside the summary.
void level_plots(Doc& d, const ReportResult& res, const ReportOptions& opt, PlotShelf& shelf) {
  if (res.gnuplot.empty()) para(d, gnuplot_missing_hint(opt));
  std::set<std::pair<std::string, std::string>> models, published;
  for (const SummaryRow& r : res.summary) models.insert({r.dataset, r.model});
  for (const ComparedValue& v : res.published.rows) published.insert({v.dataset, v.model});
  for (const auto& m : models)
    if (const RenderedPlot* p = shelf.take("levels_" + plot_stem(m.first, m.second)))
      plot(d, *p, levels_caption(published.count(m) > 0));
}

// The authors' published numbers beside memprobe's (report_reference.h), or one sentence
// saying why this report's numbers cannot be set beside them.
void published_section(Doc& d, const PublishedComparison& c) {
  heading(d, 2, "Published numbers beside ours");
  if (c.rows.empty()) {
    para(d, not_comparable_sentence(c));
    return;
  }
  para(d,
       "The authors' published test accuracies (%, `docs/reference_results.csv`, compiled into "
       "memprobe) beside memprobe's, for the summary rows whose runs ran at the paper's settings: "
       "the full training and test sets, the preset's recipe for the model and dataset, random "
       "label corruption, a fixed data order and the stop on the running training accuracy. "
       "\"difference\" is memprobe minus published, in percentage points. Probes are compared at "
       "memprobe's best hidden layer; the input layer's value stands beside it, since the "
       "published best layer can be the input (at p = 1). \"epoch\" is the epoch memprobe's "
       "number is from; the authors probe their checkpoint grid (0, 1, 2, 4, ..., 20, then every "
       "5), so their final numbers can be a few epochs before the stop. Their own runs differ "
       "by 1-2 points: a larger difference is to be explained, not tuned away.");
  table(d, comparison_table(c));
  const std::vector<std::string> large = large_differences(c, kLargeDifference);
  if (!large.empty()) {
    para(d, "Differences beyond 2 points (" + std::to_string(large.size()) + " of " +
                std::to_string(c.rows.size()) + "):");
    bullets(d, large);
  }
  if (!c.not_comparable.empty()) para(d, not_comparable_sentence(c));
}

std::string minutes(double seconds) {
  return format_fixed(seconds / 60.0, 1);
}

// Wall time by phase (minutes): training from metrics.csv, analysis from timing.csv, summed
// over every sitting of the run; disk as recorded when training finished.
void cost_section(Doc& d, const std::vector<RunData>& runs) {
  heading(d, 2, "Cost");
  para(d,
       "Wall time in minutes by phase, summed over every sitting of a run (an interrupted "
       "and resumed run counts the epochs it kept). 'overhead' is everything that is not a "
       "training step, as a share of the training steps. Disk: the run directory when "
       "training finished (checkpoints and the newest optimizer state).");
  Table t({"run", "epochs", "training steps", "evaluation", "checkpoint writes", "activations",
           "probes", "transfer", "dynamics", "total", "overhead", "disk"});
  PhaseCosts sum;
  double disk = 0;
  for (const RunData& r : runs) {
    const PhaseCosts c = phase_costs(r.metrics, r.timing);
    const double bytes = r.manifest.json().value("disk_bytes", 0.0);
    disk += bytes;
    sum.train += c.train, sum.eval += c.eval, sum.checkpoint += c.checkpoint;
    sum.activations += c.activations, sum.probes += c.probes, sum.transfer += c.transfer;
    sum.dynamics += c.dynamics;
    const auto e = r.final_epoch();
    t.add_row({r.key.to_string(), e ? std::to_string(*e) : "-", minutes(c.train), minutes(c.eval),
               minutes(c.checkpoint), minutes(c.activations), minutes(c.probes),
               minutes(c.transfer), minutes(c.dynamics), minutes(c.total()),
               format_percent(c.overhead()) + " %",
               bytes > 0 ? format_fixed(bytes / 1e9, 2) + " GB" : "-"});
  }
  if (runs.size() > 1)
    t.add_row({"all runs", "", minutes(sum.train), minutes(sum.eval), minutes(sum.checkpoint),
               minutes(sum.activations), minutes(sum.probes), minutes(sum.transfer),
               minutes(sum.dynamics), minutes(sum.total()), format_percent(sum.overhead()) + " %",
               disk > 0 ? format_fixed(disk / 1e9, 2) + " GB" : "-"});
  table(d, t);
}

Doc build_doc(const ReportResult& res, const ReportOptions& opt) {
  Doc d;
  heading(d, 1, "memprobe report");
  std::string dirs;
  for (const auto& p : opt.runs) dirs += (dirs.empty() ? "`" : ", `") + p.string() + "`";
  para(d, "Generated " + iso8601_utc_now() + " by memprobe " + MEMPROBE_VERSION + " (commit " +
              MEMPROBE_GIT_COMMIT + ") from " + std::to_string(res.loaded.runs.size()) +
              " run(s) under " + dirs + ".");
  heading(d, 2, "Summary");
  para(d,
       "Test accuracy (%) at the final epoch on the true test labels, mean ± sample sd over "
       "seeds; probes at their best hidden layer (named in parentheses: the layer most often "
       "best across seeds). \"input: MASC / linear\" is the same probes on the raw pixels, the "
       "baseline that does not depend on the model (docs/method.md §11). \"edited model\" is the "
       "model with its output layer replaced by the "
       "linear probe of the last hidden layer. \"train acc (corrupted)\" is the model's final "
       "training accuracy on the corrupted labels. [n=k]: only k seeds had the value.");
  table(d, summary_table(res.summary));
  stop_target_part(d, res.loaded.runs);
  para(d, "Machine-readable: `summary.csv` (fractions, full precision).");
  PlotShelf shelf(res.plots);
  // The plot goes after the published numbers when there are some: it draws them too.
  const bool published_table = !res.published.rows.empty();
  if (!published_table) level_plots(d, res, opt, shelf);
  published_section(d, res.published);
  if (published_table) level_plots(d, res, opt, shelf);

  if (!res.loaded.warnings.empty()) {
    heading(d, 2, "Warnings");
    bullets(d, res.loaded.warnings);
  }
  if (!res.loaded.notes.empty()) {
    heading(d, 2, "Merged duplicates");
    bullets(d, res.loaded.notes);
  }

  cost_section(d, res.loaded.runs);

  edit_section(d, res.loaded.edit_runs, shelf);

  heading(d, 2, "Runs");
  for (const auto& r : res.loaded.runs) run_section(d, r, opt.out, shelf);
  for (const auto& r : res.loaded.edit_runs) run_section(d, r, opt.out, shelf);
  const std::vector<const RenderedPlot*> rest = shelf.rest();
  if (!rest.empty()) {
    heading(d, 2, "Other plots");
    for (const RenderedPlot* p : rest) plot(d, *p, "");
  }
  return d;
}

// `code` spans of a paragraph for HTML (text already escaped).
std::string inline_html(const std::string& text) {
  const std::string esc = html_escape(text);
  std::string o;
  bool in_code = false;
  for (char c : esc) {
    if (c == '`') {
      o += in_code ? "</code>" : "<code>";
      in_code = !in_code;
    } else {
      o += c;
    }
  }
  if (in_code) o += "</code>";
  return o;
}

std::string base64(const std::vector<uint8_t>& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string o;
  o.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const uint32_t n = (uint32_t(in[i]) << 16) |
                       (i + 1 < in.size() ? uint32_t(in[i + 1]) << 8 : 0) |
                       (i + 2 < in.size() ? uint32_t(in[i + 2]) : 0);
    o += k[(n >> 18) & 63];
    o += k[(n >> 12) & 63];
    o += i + 1 < in.size() ? k[(n >> 6) & 63] : '=';
    o += i + 2 < in.size() ? k[n & 63] : '=';
  }
  return o;
}

constexpr const char* kCss =
    R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;)"
    R"(max-width:1200px;padding:0 1em;color:#222;line-height:1.45}
h1,h2{border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fafafa}
code{background:#f4f4f4;padding:0 .25em;border-radius:3px;word-break:break-all}
figure{margin:.6em 0 1.4em}figure img{display:block;width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444;margin-top:.3em}
.note{border-left:4px solid #d9822b;background:#fff6ec;padding:.2em 1em;margin:.6em 0 1em}
.note ul{margin:.2em 0 .6em}
details{margin:.4em 0;border:1px solid #e4e4e4;border-radius:4px;padding:.3em .8em}
summary{cursor:pointer;font-weight:600}
)";

}  // namespace

std::string summary_markdown(const ReportResult& r) {
  std::string s =
      "# memprobe summary\n\nTest accuracy (%), mean ± sd over seeds; best hidden layer in "
      "parentheses; the last column is the input-layer baseline.\n\n" +
      summary_table(r.summary).to_markdown();
  // Where runs ran at the paper's settings, the published numbers beside them on the same page
  // (the README includes this file): compact here, in full with layers, epochs and notes in
  // report.md.
  if (!r.published.rows.empty())
    s += "\nBeside the authors' published numbers: memprobe / published, test accuracy (%), "
         "probes at their best hidden layer; * more than " +
         format_fixed(kLargeDifference, 0) +
         " points apart (each explained or open in report.md, \"Published numbers beside "
         "ours\").\n\n" +
         comparison_grid(r.published, kLargeDifference).to_markdown();
  return s;
}

std::string report_markdown(const ReportResult& res, const ReportOptions& opt) {
  std::ostringstream o;
  for (const Block& b : build_doc(res, opt)) {
    switch (b.kind) {
      case Block::Heading:
        o << std::string(b.level, '#') << ' ' << b.text << "\n\n";
        break;
      case Block::Para:
        o << b.text << "\n\n";
        break;
      case Block::Bullets:
        for (const auto& i : b.items) o << "- " << i << '\n';
        o << '\n';
        break;
      case Block::Note:
        o << "> " << b.text << "\n>\n";
        for (const auto& i : b.items) o << "> - " << i << '\n';
        o << '\n';
        break;
      case Block::TableBlock:
        o << b.table->to_markdown() << '\n';
        break;
      case Block::Plot:
        o << "![" << b.text << "](plots/" << b.plot->png.filename().string() << ")\n\n"
          << (b.caption.empty() ? "" : b.caption + " ") << "Data `plots/"
          << b.plot->csv.filename().string() << "`, vector `plots/"
          << b.plot->svg.filename().string() << "`.\n\n";
        break;
      case Block::OpenDetails:  // folded only in HTML; the summary line introduces what follows
        o << b.text << ":\n\n";
        break;
      case Block::CloseDetails:
        break;
    }
  }
  return o.str();
}

std::string report_html(const ReportResult& res, const ReportOptions& opt) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<title>memprobe report</title>\n<style>\n"
    << kCss << "</style>\n</head>\n<body>\n";
  for (const Block& b : build_doc(res, opt)) {
    switch (b.kind) {
      case Block::Heading:
        o << "<h" << b.level << '>' << html_escape(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::Para:
        o << "<p>" << inline_html(b.text) << "</p>\n";
        break;
      case Block::Bullets:
        o << "<ul>\n";
        for (const auto& i : b.items) o << "<li>" << inline_html(i) << "</li>\n";
        o << "</ul>\n";
        break;
      case Block::Note:
        o << "<div class=\"note\">\n<p>" << inline_html(b.text) << "</p>\n<ul>\n";
        for (const auto& i : b.items) o << "<li>" << inline_html(i) << "</li>\n";
        o << "</ul>\n</div>\n";
        break;
      case Block::TableBlock:
        o << b.table->to_html();
        break;
      case Block::Plot: {
        // Embedded so the page is one self-contained file that can be mailed or archived.
        std::string img;
        try {
          img = "<img alt=\"" + html_escape(b.text) + "\" src=\"data:image/png;base64," +
                base64(read_file_bytes(b.plot->png.string())) + "\">";
        } catch (const std::exception& e) {
          img = "<p>image missing: " + html_escape(e.what()) + "</p>";
        }
        o << "<figure>" << img;
        if (!b.caption.empty()) o << "<figcaption>" << inline_html(b.caption) << "</figcaption>";
        o << "</figure>\n";
        break;
      }
      case Block::OpenDetails:
        o << "<details>\n<summary>" << html_escape(b.text) << "</summary>\n";
        break;
      case Block::CloseDetails:
        o << "</details>\n";
        break;
    }
  }
  o << "</body>\n</html>\n";
  return o.str();
}

}  // namespace mp::app
