#pragma once
// The analysis steps of the study on an opened run, shared by the individual commands
// (probe, transfer, dynamics) and by `reproduce`: each writes its CSV in the run directory
// (docs/formats.md) and returns what it computed.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "apps/run/phase_times.h"
#include "apps/run/run_model.h"
#include "probes/activation_matrix.h"
#include "probes/layer_probes.h"

namespace mp::app {

// Layers to probe: "all" or a comma list, validated against the model's layer names.
std::vector<std::string> resolve_layers(const nn::Model& m, const std::string& spec);

// What the activation passes of run_probes give besides the probes, so a caller needs no pass
// of its own: the unedited model's predictions (its logits come out of the same forward, at the
// same batch size as evaluate_model's, hence the same predictions) and one layer's rows.
struct SharedPass {
  std::string keep_layer;                      // in: the layer whose rows to hand back, or ""
  std::vector<int32_t> train_pred, test_pred;  // out: the model's predictions
  probes::Matrix keep_train, keep_test;        // out: empty when keep_layer was not probed
  // out: the linear probe fitted at keep_layer on the corrupted labels, when "linear" was probed
  // there (the transfer writes this very probe into the output layer instead of refitting it)
  std::optional<probes::LinearProbe> keep_linear;
};

// Probes `layers` of the run's current checkpoint. Activations are collected a few layers at a
// time (at most ~1 GiB of floats per pass) so wide layers do not all sit in memory together.
// Rows for (epoch, layer, probe, subspace) in probes.csv are replaced, others kept. With
// write_csv the wall time of each activation pass and probe goes to timing.csv too; `times`
// (optional) receives the same rows.
std::vector<probes::ProbeResult> run_probes(OpenedRun& r, const std::vector<std::string>& layers,
                                            const probes::ProbeSpec& spec, std::ostream& log,
                                            bool write_csv = true,
                                            std::vector<PhaseTime>* times = nullptr,
                                            SharedPass* pass = nullptr);

struct TransferOutcome {
  int epoch = 0;
  std::string layer, bias, checkpoint;
  double test_acc = 0, train_acc_corrupted = 0, train_acc_true = 0;
  double model_test_acc = 0;           // the unedited model, for comparison
  double probe_test_acc = 0;           // the linear probe at `layer`
  int64_t prediction_mismatches = -1;  // edited model vs probe, test + train (zero bias only)
};

// docs/method.md §12 on the run's current checkpoint. Saves the edited model to `out_file`
// (default RUN/transfer/epoch_NNNN-bias_<b>.safetensors) and appends/replaces its row in
// transfer.csv. Leaves r.model edited.
TransferOutcome run_transfer(OpenedRun& r, bool zero_bias, const std::string& out_file,
                             std::ostream& log, bool write_csv = true);

// docs/method.md §13: for every saved checkpoint not yet in dynamics.csv, the model's accuracies,
// MASC and linear-probe accuracy per layer, and the edited model's accuracy. Returns the number of
// checkpoints computed in this call.
int run_dynamics(OpenedRun& r, const std::vector<std::string>& layers,
                 const probes::ProbeSpec& spec, std::ostream& log);

}  // namespace mp::app
