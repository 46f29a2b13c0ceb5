// best_layers: the study's "best layer" is the best hidden layer; the input layer is the
// model-independent baseline (docs/method.md §1) and is marked only when nothing else was probed.
#include <catch2/catch.hpp>

#include <vector>

#include "probes/layer_probes.h"

using mp::probes::ProbeResult;

namespace {
ProbeResult r(const char* layer, const char* probe, double acc) {
  ProbeResult p;
  p.layer = layer;
  p.probe = probe;
  p.subspace = "corrupted";
  p.test_acc = acc;
  return p;
}
}  // namespace

TEST_CASE("best_layers picks the best hidden layer per probe, never a better input layer",
          "[probes]") {
  // The input beats every hidden layer for the linear probe (as on small MNIST subsets).
  const std::vector<ProbeResult> res = {r("input", "linear", 0.56), r("fc1", "linear", 0.42),
                                        r("fc2", "linear", 0.36),   r("input", "masc", 0.30),
                                        r("fc1", "masc", 0.28),     r("fc2", "masc", 0.34),
                                        r("fc3", "masc", 0.34)};
  const std::vector<bool> best = mp::probes::best_layers(res);
  CHECK(best == std::vector<bool>{false, true, false, false, false, true, false});  // ties: first
}

TEST_CASE("best_layers falls back to the input layer when it is the only one probed", "[probes]") {
  const std::vector<ProbeResult> res = {r("input", "linear", 0.5), r("input", "masc", 0.4),
                                        r("fc4", "masc", 0.1)};
  CHECK(mp::probes::best_layers(res) == std::vector<bool>{true, false, true});
  CHECK(mp::probes::is_input_layer("input"));
  CHECK_FALSE(mp::probes::is_input_layer("fc1"));
}
