// The study's invariants end to end on real MNIST (docs/method.md §12, §1): a model trained on
// p = 0.6 corrupted labels until it memorises them generalises worse than the probes read out of
// its own hidden layers, and writing the linear probe into the output layer with zero bias gives
// a model whose predictions are the probe's, sample for sample.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "apps/run/run_model.h"
#include "apps/run/trainer.h"
#include "apps/study/analysis.h"
#include "probes/model_eval.h"
#include "test_train_fixture.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("invariants: a memorising model's probes beat it, the zero-bias edit equals the probe",
          "[apps][audit][realdata]") {
  MP_REQUIRE_MNIST(data_root);
  MP_SKIP_UNDER_SANITIZERS();
  TempDir tmp;
  TrainConfig c = mp::testing::small_config(data_root);
  c.corrupt = 0.6;
  c.train_subset = 200;
  c.test_subset = 1000;
  // Adam lr 3e-4, batch 8: memorised on the evaluation pass at epoch 35 (measured with
  // Cooperlake's kernels; the paper's SGD lr 1e-3 needs hundreds of epochs). Measured at the end:
  // model test 32.8 %, best MASC 39.3 % and best linear probe 51.1 % (both at the input layer).
  c.optimizer = "adam";
  c.lr = 3e-4;
  c.batch_size = 8;
  c.max_epochs = 150;
  c.checkpoints = "none";
  // The invariants below need a model that memorises the corrupted labels as the probes see it:
  // its final weights, evaluated after the epoch. The default running count can reach 100 % while
  // that pass still misses a row (docs/method.md, "When training stops"), so this run stops on
  // the evaluation pass, which makes the memorisation a property of the stop, not of how one
  // kernel happens to round.
  c.stop_on = "eval";
  std::ostringstream log;
  const TrainOutcome o = train_run(c, tmp / "run", {}, log);
  INFO(log.str());
  REQUIRE(o.stop_reason == "target reached");
  REQUIRE(o.last.train_acc_corrupted == 1.0);

  OpenedRun r = open_run(tmp / "run", "last");
  const double model_test = probes::accuracy(
      probes::evaluate_model(*r.model, r.data.test, data::Normalization()).predictions,
      r.data.test.labels);
  CHECK(model_test == o.last.test_acc);

  probes::ProbeSpec spec;
  spec.probes = {"masc", "linear"};
  spec.masc_subspaces = {"corrupted"};
  std::ostringstream plog;
  const auto res = run_probes(r, resolve_layers(*r.model, "all"), spec, plog, false);
  INFO(plog.str());
  double best_masc = 0, best_linear = 0;
  for (const auto& p : res) {
    INFO(p.layer << " " << p.probe << " test " << p.test_acc);
    (p.probe == "masc" ? best_masc : best_linear) =
        std::max(p.probe == "masc" ? best_masc : best_linear, p.test_acc);
    // Fitted on the corrupted labels of a memorised representation, MASC's training accuracy
    // against them stays high at the layers the network memorised with.
    if (p.probe == "masc" && p.layer == "fc4") CHECK(p.train_acc_corrupted > 0.9);
  }
  INFO("model test " << model_test << ", best MASC " << best_masc << ", best linear "
                     << best_linear);
  CHECK(best_masc > model_test);
  CHECK(best_linear > model_test);

  // Transfer with zero bias: the edited model's predictions are the linear probe's, on every
  // training and test image; its test accuracy is therefore the probe's.
  std::ostringstream tlog;
  const TransferOutcome t = run_transfer(r, true, (tmp / "edited.safetensors").string(), tlog);
  CHECK(t.layer == "fc4");
  CHECK(t.prediction_mismatches == 0);
  CHECK(t.test_acc == t.probe_test_acc);
  CHECK(t.model_test_acc == model_test);
  const auto fc4_linear = std::find_if(res.begin(), res.end(), [](const probes::ProbeResult& p) {
    return p.layer == "fc4" && p.probe == "linear";
  });
  REQUIRE(fc4_linear != res.end());
  CHECK(t.probe_test_acc == fc4_linear->test_acc);
  CHECK(fs::exists(tmp / "edited.safetensors"));
  // Keeping the bias: no sample-for-sample claim (mismatches are not counted).
  // The same opened run (a second one in this process would be refused the analysis lock that
  // r holds), with the edit undone in memory as reproduce does.
  r.load_checkpoint(r.epoch);
  const TransferOutcome k = run_transfer(r, false, (tmp / "kept.safetensors").string(), tlog);
  CHECK(k.prediction_mismatches == -1);
}
