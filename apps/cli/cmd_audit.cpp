// `memprobe audit`: re-derive a run from its files and print every check with PASS/FAIL.
#include <memory>

#include "apps/cli/commands.h"
#include "apps/study/audit.h"

namespace mp::app {

void add_audit_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "audit",
      "Re-derive a run from its files and check it: manifest, checkpoint and dataset checksums, "
      "labels regenerated from the seed, logged accuracy recomputed from the checkpoint, a "
      "finite-difference gradient check on a real batch, probe results recomputed for one layer. "
      "Exits 1 if any check fails");
  auto run = std::make_shared<std::string>();
  auto opt = std::make_shared<AuditOptions>();
  cmd->add_option("--run", *run, "Run directory")->required();
  cmd->add_option("--checkpoint", opt->checkpoint,
                  "last | an epoch number: the checkpoint whose accuracy, gradients and probes "
                  "are recomputed");
  cmd->add_option("--layer", opt->layer,
                  "Layer whose probes are recomputed (default: the model's last hidden layer)");
  cmd->add_option(
      "--data-dir", opt->data_dir,
      "Dataset directory, if not the run's own (e.g. a run trained on another machine)");
  cmd->add_option("--grad-samples", opt->grad_samples,
                  "Gradient check: coordinates per parameter tensor");
  cmd->add_option("--grad-batch", opt->grad_batch, "Gradient check: training images in the batch");
  set_action(cmd, [run, opt](CommandContext& ctx) {
    print_header(ctx);
    ctx.out << "audit of " << *run << " (checkpoint " << opt->checkpoint << ")" << std::endl;
    const AuditReport r = audit_run(*run, *opt, ctx.out);
    ctx.out << audit_summary(r);
    if (r.ok()) return 0;
    std::string names, first;
    for (const AuditCheck& c : r.checks) {
      if (c.status != AuditStatus::Fail) continue;
      names += (names.empty() ? "" : ", ") + c.name;
      if (first.empty()) first = c.name + ": " + c.detail;
    }
    ctx.err << ctx.name << ": error: " << r.failed() << " of " << r.checks.size()
            << " checks failed (" << names << "); first: " << first << "\n";
    return 1;
  });
}

}  // namespace mp::app
