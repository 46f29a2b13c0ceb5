#pragma once
// `memprobe audit`: re-derives a run from its files and says, check by check, what holds.
// Every number a run reports must be reproducible from its manifest, its data and its
// checkpoints; the audit recomputes each one independently of the run's own bookkeeping:
//
//   manifest     manifest.json parses, has every required key, and the config resolves
//   checkpoints  every checkpoint's sha256 equals the manifest's; no unlisted checkpoint
//                file; each names the run's architecture
//   metrics      metrics.csv has one row per epoch 0..final and agrees with the stop rule
//   dataset      the dataset files, re-read and re-hashed, equal the manifest's sha256 (and the
//                pinned docs/data.md values)
//   labels       the corrupted labels regenerated from the seed equal labels.csv, whose sha256
//                equals the manifest's labels_sha256
//   accuracy     test / train accuracy recomputed from the checkpoint equal metrics.csv's row
//   gradient     finite differences (outputs combined in double) agree with backward on the
//                real model and a real batch of training images
//   probes       MASC (corrupted) and the linear probe recomputed for one layer equal the
//                stored probes.csv rows (skipped when probes.csv has none for that layer)
//
// A check that cannot run because an earlier one found the run broken fails with the reason.
// Results are bit-identical only for the same seed, thread count, BLAS kernel and build ISA:
// when this process differs from the run's manifest in any of them, the audit says so
// ("warning: ..." lines after the manifest check).
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace mp::app {

enum class AuditStatus { Pass, Fail, Skip };

struct AuditCheck {
  std::string name;
  AuditStatus status = AuditStatus::Fail;
  std::string detail;  // one line
};

struct AuditOptions {
  std::string checkpoint = "last";  // "last" or an epoch number
  std::string layer;                // probes check; "" = the model's last hidden layer
  std::string data_dir;             // "" = the run's own (its config's data_dir or the default)
  int64_t grad_samples = 20;        // coordinates checked per parameter tensor
  int64_t grad_batch = 8;           // training images in the gradient check's batch
};

struct AuditReport {
  std::vector<AuditCheck> checks;
  int epoch = -1;         // the checkpoint audited (-1 if none could be chosen)
  int run_threads = 0;    // threads the run was trained with (manifest runtime.threads)
  int audit_threads = 0;  // threads in force during the audit
  // Where this process differs from the run's recorded runtime (BLAS kernel, OpenBLAS, threads,
  // build ISA; runtime_differences()): each is printed as a warning after the manifest check,
  // and any of them makes the accuracy check allow rounding-level differences.
  std::vector<std::string> runtime_warnings;
  int failed() const;
  bool ok() const { return failed() == 0; }
};

// Never throws for a broken run (that is a failed check); throws mp::Error only for bad options.
// Each check's line (format_check) goes to `log` as soon as the check is done: the gradient and
// probe checks of a large run take minutes.
AuditReport audit_run(const std::filesystem::path& run, const AuditOptions& opt, std::ostream& log);

// "PASS  name        detail"
std::string format_check(const AuditCheck& c);
// "audit: 8 checks, 7 passed, 1 failed, 0 skipped"
std::string audit_summary(const AuditReport& r);
// Every check's line, then the summary.
std::string format_audit(const AuditReport& r);

}  // namespace mp::app
