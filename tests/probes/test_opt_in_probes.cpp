// probe_layer() with the opt-in probes: lda, qda and knn rows next to MASC's, scored like NCM.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "probes/layer_probes.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp::probes;

TEST_CASE("probe_layer runs lda, qda and knn when asked, never by default", "[probes]") {
  const int64_t N = 120, M = 45, d = 6;
  mp::Rng rng(11);
  Matrix X(N, d), T(M, d);
  std::vector<int32_t> yc(N), yt(N), ytest(M);
  for (int64_t i = 0; i < N + M; ++i) {
    const int32_t c = static_cast<int32_t>(i % 3);
    float* row = i < N ? X.row(i) : T.row(i - N);
    for (int64_t j = 0; j < d; ++j)
      row[j] = static_cast<float>(rng.normal() + (j % 3 == c ? 2.0 : 0.0));
    if (i < N) {
      yt[i] = c;
      yc[i] = i % 10 == 0 ? (c + 1) % 3 : c;  // 10 % corrupted
    } else {
      ytest[i - N] = c;
    }
  }
  const ProbeSpec defaults;
  for (const std::string& p : defaults.probes) CHECK((p != "lda" && p != "qda" && p != "knn"));
  ProbeSpec spec;
  spec.probes = {"masc", "lda", "qda", "knn"};
  spec.masc_subspaces = {"corrupted"};
  LayerInputs in{&X, &T, &yc, &yt, &ytest, 3};
  const std::vector<ProbeResult> r = probe_layer("fc1", in, spec);
  REQUIRE(r.size() == 4);
  CHECK(r[1].probe == "lda");
  CHECK(r[1].params == "within_rank=6 rank=2");
  CHECK(r[2].probe == "qda");
  CHECK(r[2].params == "reg=0");
  CHECK(r[3].probe == "knn");
  for (size_t i = 1; i < 4; ++i) {
    CHECK(r[i].subspace == "corrupted");
    CHECK(r[i].test_acc > 0.8);  // well separated classes
    CHECK(r[i].train_acc_true > 0.8);
  }
  // No leave-one-out: with k = 1 each training row is its own nearest neighbour.
  spec.probes = {"knn"};
  spec.knn.k = 1;
  CHECK(probe_layer("fc1", in, spec)[0].train_acc_corrupted == 1.0);
  spec.qda.reg = 2;
  CHECK_THROWS_AS(probe_layer("fc1", in, spec), mp::Error);
}
