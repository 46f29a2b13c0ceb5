// `memprobe audit` on a real (small) MNIST run, trained once: every check passes on the fresh
// run, and each kind of tampering (undone before the next) - labels, a checkpoint byte, the logged
// accuracy, a stored probe result, the manifest, a dataset file - makes its check fail and the
// command exit non-zero.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "apps/run/manifest.h"
#include "apps/run/metrics_log.h"
#include "apps/run/trainer.h"
#include "apps/study/audit.h"
#include "data/datasets.h"
#include "tensor/check.h"
#include "tensor/io/csv.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

AuditStatus status_of(const AuditReport& r, const std::string& name) {
  for (const AuditCheck& c : r.checks)
    if (c.name == name) return c.status;
  FAIL("no check named " << name);
  return AuditStatus::Fail;
}

std::string detail_of(const AuditReport& r, const std::string& name) {
  for (const AuditCheck& c : r.checks)
    if (c.name == name) return c.detail;
  return "";
}

// The tampering audits check 2 coordinates per tensor: the full gradient check runs once on
// the fresh run; the other checks are what each tampering is about.
AuditReport audit(const fs::path& run, AuditOptions opt = {}) {
  if (opt.grad_samples == AuditOptions().grad_samples) opt.grad_samples = 2;
  std::ostringstream log;
  return audit_run(run, opt, log);
}

// Restores a file's bytes when the scope ends (each tampering is undone before the next).
class Restore {
 public:
  explicit Restore(fs::path p) : p_(std::move(p)), bytes_(mp::testing::read_file(p_)) {}
  ~Restore() { mp::testing::write_file(p_, bytes_); }

 private:
  fs::path p_;
  std::vector<uint8_t> bytes_;
};

const char* kChecks[] = {"manifest", "checkpoints", "metrics",  "dataset",
                         "labels",   "accuracy",    "gradient", "probes"};

}  // namespace

TEST_CASE("audit: a fresh run passes every check, each tampering fails its check",
          "[apps][audit][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  TempDir tmp;
  const fs::path run = tmp / "run";
  std::ostringstream log;
  train_run(mp::testing::small_config(data_root), run, {}, log);  // 2 threads, as audited below
  mp::testing::CliResult p =
      mp::testing::run_cli_capture({"probe", "--run", run.string(), "--layers", "fc4", "--probes",
                                    "masc,linear", "--subspace", "corrupted", "--threads", "2"});
  INFO(p.err);
  REQUIRE(p.rc == 0);

  {  // fresh run: 8 checks pass, exit 0
    const mp::testing::CliResult a =
        mp::testing::run_cli_capture({"audit", "--run", run.string(), "--threads", "2"});
    INFO(a.out << a.err);
    CHECK(a.rc == 0);
    for (const char* c : kChecks) CHECK(a.out.find(std::string("PASS  ") + c) != std::string::npos);
    CHECK(a.out.find("audit: 8 checks, 8 passed, 0 failed, 0 skipped") != std::string::npos);
    CHECK(a.out.find("warning:") == std::string::npos);  // same runtime as the training
    CHECK(mp::testing::error_lines(a.err).empty());
    // An earlier checkpoint audits too (its row in metrics.csv, no stored probes for it).
    const AuditReport r2 = audit(run, [] {
      AuditOptions o;
      o.checkpoint = "2";
      return o;
    }());
    INFO(format_audit(r2));
    CHECK(r2.ok());
    CHECK(r2.epoch == 2);
    CHECK(status_of(r2, "probes") == AuditStatus::Skip);
  }

  {  // labels.csv with one label changed
    Restore keep(run / "labels.csv");
    std::string text = mp::testing::read_text(run / "labels.csv");
    const size_t line2 = text.find('\n') + 1, end2 = text.find('\n', line2);
    char& last = text[end2 - 1];  // the corrupted label of training image 0
    last = static_cast<char>('0' + (last - '0' + 1) % 10);
    mp::testing::write_text(run / "labels.csv", text);
    AuditReport r = audit(run);
    CHECK(status_of(r, "labels") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "labels"), Catch::Contains("sha256"));
    // Even with the manifest's fingerprint forged to match, regeneration catches it.
    Restore keep_manifest(run / "manifest.json");
    Manifest m = Manifest::load((run / "manifest.json").string());
    m.set_labels_sha256(mp::testing::file_sha256(run / "labels.csv"));
    m.save((run / "manifest.json").string());
    r = audit(run);
    CHECK(status_of(r, "labels") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "labels"), Catch::Contains("line 2") && Catch::Contains("regenerated"));
    CHECK(r.failed() == 1);
    const mp::testing::CliResult a =
        mp::testing::run_cli_capture({"audit", "--run", run.string(), "--threads", "2"});
    CHECK(a.rc == 1);
    CHECK(a.out.find("FAIL  labels") != std::string::npos);
    CHECK(mp::testing::one_error_line(a.err));
    CHECK_THAT(a.err, Catch::Contains("1 of 8 checks failed (labels)"));
  }

  {  // one byte of the final checkpoint flipped
    const fs::path ck = run / "checkpoints" / "epoch_0003.safetensors";
    Restore keep(ck);
    std::vector<uint8_t> b = mp::testing::read_file(ck);
    b[b.size() - 4] ^= 0x01;  // lowest mantissa bit of the last float: loads fine, only the
                              // hash can tell
    mp::testing::write_file(ck, b);
    const AuditReport r = audit(run);
    CHECK(status_of(r, "checkpoints") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "checkpoints"), Catch::Contains("epoch_0003.safetensors sha256"));
    // The checks that need the model refuse to use a checkpoint that is not the recorded one.
    for (const char* c : {"accuracy", "gradient", "probes"}) {
      CHECK(status_of(r, c) == AuditStatus::Fail);
      CHECK_THAT(detail_of(r, c), Catch::Contains("checksum mismatch"));
    }
    CHECK(status_of(r, "labels") == AuditStatus::Pass);
  }

  {  // metrics.csv logging a test accuracy one sample off
    Restore keep(run / "metrics.csv");
    auto rows = read_metrics_csv(run / "metrics.csv");
    rows.back().test_acc += 1.0 / 500;
    write_metrics_csv(run / "metrics.csv", rows);
    const AuditReport r = audit(run);
    CHECK(status_of(r, "accuracy") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "accuracy"), Catch::Contains("test accuracy recomputed"));
    CHECK(status_of(r, "metrics") == AuditStatus::Pass);
    CHECK(r.failed() == 1);
  }

  {  // probes.csv with a different MASC accuracy
    Restore keep(run / "probes.csv");
    CsvTable t = read_csv((run / "probes.csv").string());
    CsvWriter w((run / "probes.csv").string(), t.header);
    for (size_t i = 0; i < t.rows.size(); ++i) {
      std::vector<std::string> row = t.rows[i];
      if (t.at(i, "probe") == "masc")
        row[t.column("test_acc")] = csv_number(t.number(i, "test_acc") + 0.002);
      w.row(row);
    }
    w.close();
    const AuditReport r = audit(run);
    CHECK(status_of(r, "probes") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "probes"), Catch::Contains("masc test_acc recomputed"));
    CHECK(r.failed() == 1);
  }

  {  // a manifest recording another BLAS kernel: a warning, accuracies within rounding
    Restore keep(run / "manifest.json");
    Manifest m = Manifest::load((run / "manifest.json").string());
    std::string blas = m.json()["runtime"]["blas"].get<std::string>();
    const size_t at = blas.find("core=");
    REQUIRE(at != std::string::npos);
    blas.replace(at, blas.find(' ', at) - at, "core=SomeOtherKernel");
    m.json()["runtime"]["blas"] = blas;
    m.save((run / "manifest.json").string());
    std::ostringstream log;
    AuditOptions o;
    o.grad_samples = 2;
    const AuditReport r = audit_run(run, o, log);
    INFO(log.str());
    CHECK(r.ok());
    REQUIRE(r.runtime_warnings.size() == 1);
    CHECK_THAT(log.str(), Catch::Contains("warning: BLAS kernel differs: the run used "
                                          "core=SomeOtherKernel"));
    CHECK_THAT(detail_of(r, "accuracy"), Catch::Contains("within 1 sample"));
  }

  {  // manifest without labels_sha256, or with an edited config
    Restore keep(run / "manifest.json");
    Manifest m = Manifest::load((run / "manifest.json").string());
    m.json().erase("labels_sha256");
    m.save((run / "manifest.json").string());
    AuditReport r = audit(run);
    CHECK(status_of(r, "manifest") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "manifest"), Catch::Contains("labels_sha256"));
    CHECK(r.failed() == 8);  // nothing can be re-derived without it
    m = Manifest::load((run / "manifest.json").string());
    m.set_labels_sha256(std::string(64, '0'));
    m.json()["config"]["lr"] = -1.0;  // "unset" would silently become the default
    m.save((run / "manifest.json").string());
    r = audit(run);
    CHECK(status_of(r, "manifest") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "manifest"), Catch::Contains("config.lr"));
  }

  {  // a dataset file that changed
    // A copy of MNIST with one test label changed, given with --data-dir.
    const fs::path copy = tmp / "data" / "mnist";
    fs::create_directories(copy);
    for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      const std::string src = data::find_idx_file(fs::path(data_root) / "mnist", f);
      fs::copy_file(src, copy / fs::path(src).filename());
    }
    AuditOptions o;
    o.data_dir = (tmp / "data").string();
    AuditReport r = audit(run, o);
    INFO(format_audit(r));
    CHECK(r.ok());  // an identical copy elsewhere is the same data
    const std::string labels = data::find_idx_file(copy.string(), "t10k-labels-idx1-ubyte");
    std::vector<uint8_t> b = mp::testing::read_file(labels);
    REQUIRE(fs::path(labels).extension() != ".gz");
    b[8] = static_cast<uint8_t>((b[8] + 1) % 10);
    mp::testing::write_file(labels, b);
    r = audit(run, o);
    CHECK(status_of(r, "dataset") == AuditStatus::Fail);
    CHECK_THAT(detail_of(r, "dataset"), Catch::Contains("t10k-labels-idx1-ubyte hashes to"));
    CHECK_FALSE(r.ok());
  }
}

TEST_CASE("audit: bad options and a missing run", "[apps][audit]") {
  TempDir tmp;
  mp::testing::CliResult r =
      mp::testing::run_cli_capture({"audit", "--run", (tmp / "nope").string()});
  CHECK(r.rc == 1);
  CHECK_THAT(r.out, Catch::Contains("FAIL  manifest") && Catch::Contains("does not exist"));
  CHECK(mp::testing::one_error_line(r.err));
  r = mp::testing::run_cli_capture({"audit", "--run", tmp.path().string(), "--checkpoint", "x"});
  CHECK(r.rc == 1);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("--checkpoint must be 'last' or an epoch number"));
  r = mp::testing::run_cli_capture({"audit", "--run", tmp.path().string(), "--grad-samples", "0"});
  CHECK(r.rc == 1);
  CHECK_THAT(r.err, Catch::Contains("--grad-samples must be positive"));
  r = mp::testing::run_cli_capture({"audit"});
  CHECK(r.rc == 2);
  CHECK(mp::testing::one_error_line(r.err));
  CHECK_THAT(r.err, Catch::Contains("--run"));
}
