// The tau ablation (docs/method.md §8): several MASC component rules from ONE eigen-decomposition
// per class. Each rule's probe is the single-rule fit's: the same k_per_class and predictions,
// and with a decomposition made for that rule, the same bases to the bit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "golden_tiny.h"
#include "probe_fixtures.h"
#include "probes/layer_probes.h"
#include "probes/linear_probe.h"
#include "probes/masc.h"
#include "tensor/rng.h"

using namespace mp::probes;
using namespace mp::probes::golden;
using mp::probes::testing::max_abs_diff;
using mp::probes::testing::projector;

namespace {

MascOptions single(const ComponentRule& r, EigenPath path) {
  MascOptions o;
  o.tau = r.tau;
  o.fixed_k = r.fixed_k;
  o.path = path;
  return o;
}

// Gaussian rows with a per-class mean direction: full-rank classes whose spectra spread, so the
// rules keep different counts.
void noisy(int64_t n, int64_t d, int K, std::vector<float>& X, std::vector<int32_t>& y) {
  mp::Rng rng(11);
  X.resize(static_cast<size_t>(n * d));
  y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % K);
    y[static_cast<size_t>(i)] = c;
    for (int64_t j = 0; j < d; ++j) {
      const double scale = 1.0 / (1 + static_cast<double>((j + 3 * c) % d));
      X[static_cast<size_t>(i * d + j)] =
          static_cast<float>(rng.normal() * scale + (j % K == c ? 1.0 : 0.0));
    }
  }
}

}  // namespace

TEST_CASE("MASC rules: each rule of one decomposition is the single-rule fit", "[probes][masc]") {
  const std::vector<ComponentRule> rules = {{0.99, 0}, {0.25, 0}, {0.5, 0},  {0.75, 0},
                                            {0.8, 0},  {1.0, 0},  {0.99, 1}, {0.99, 3}};
  std::vector<float> Xn, Tn;
  std::vector<int32_t> yn, ytn;
  noisy(240, 24, 4, Xn, yn);
  noisy(80, 24, 4, Tn, ytn);
  const std::vector<int32_t> yg = golden_labels();
  struct Case {
    const float *X, *T;
    int64_t n, m, d;
    const int32_t* y;
    int K;
  };
  const Case cases[] = {{kTrain.data(), kTest.data(), 30, 12, 6, yg.data(), 3},
                        {Xn.data(), Tn.data(), 240, 80, 24, yn.data(), 4}};
  for (const Case& c : cases) {
    for (EigenPath path : {EigenPath::kDirect, EigenPath::kGram}) {
      INFO("d " << c.d << " gram " << (path == EigenPath::kGram));
      MascOptions all = single(rules[0], path);
      all.more_rules.assign(rules.begin() + 1, rules.end());
      REQUIRE(masc_rules(all).size() == rules.size());
      const std::vector<MascProbe> multi = fit_masc_rules(c.X, c.n, c.d, c.y, c.K, all);
      REQUIRE(multi.size() == rules.size());
      // The decomposition once, for all rules: every probe above is a prefix of it.
      const std::vector<ClassEigen> eig =
          all_class_eigen(c.X, c.n, c.d, c.y, c.K, rules, path, true);
      std::vector<int> distinct;
      for (size_t r = 0; r < rules.size(); ++r) {
        INFO(rule_name(rules[r]));
        const MascProbe one = fit_masc(c.X, c.n, c.d, c.y, c.K, single(rules[r], path));
        CHECK(multi[r].k == one.k);
        CHECK(predict_masc(multi[r], c.T, c.m) == predict_masc(one, c.T, c.m));
        CHECK(predict_masc(multi[r], c.X, c.n) == predict_masc(one, c.X, c.n));
        // The same subspaces (the eigensolver may take another route for more vectors).
        for (int k = 0; k < c.K; ++k) {
          CHECK(max_abs_diff(projector(multi[r].basis[k], multi[r].k[k], c.d),
                             projector(one.basis[k], one.k[k], c.d)) < 1e-9);
        }
        // From one shared decomposition: bit for bit the probe fit_masc_rules returned.
        const MascProbe shared = masc_for_rule(eig, c.d, rules[r]);
        CHECK(shared.basis == multi[r].basis);
        CHECK(shared.k == multi[r].k);
        // The single-rule path is masc_for_rule on a decomposition made for that rule alone.
        const MascProbe own = masc_for_rule(
            all_class_eigen(c.X, c.n, c.d, c.y, c.K, rules[r], path, true), c.d, rules[r]);
        CHECK(own.basis == one.basis);
        CHECK(own.k == one.k);
        distinct.push_back(multi[r].k[0]);
      }
      // The rules did keep different counts (else the test would prove little).
      CHECK(*std::min_element(distinct.begin(), distinct.end()) <
            *std::max_element(distinct.begin(), distinct.end()));
    }
  }
}

TEST_CASE("MASC rules: the golden tiny case at every tau from one fit", "[probes][masc]") {
  const std::vector<int32_t> y = golden_labels();
  MascOptions o;  // tau 0.99 primary, the ablation's other values beside it
  o.more_rules = {{0.5, 0}, {0.8, 0}, {0.9, 0}};
  const std::vector<MascProbe> p = fit_masc_rules(kTrain.data(), 30, 6, y.data(), 3, o);
  REQUIRE(p.size() == 4);
  // The numpy peer's k at each tau (test_masc.cpp's golden table).
  CHECK(p[0].k == std::vector<int>{4, 4, 4});
  CHECK(p[1].k == std::vector<int>{1, 1, 1});
  CHECK(p[2].k == std::vector<int>{1, 2, 1});
  CHECK(p[3].k == std::vector<int>{2, 2, 2});
  CHECK(predict_masc(p[0], kTest.data(), 12) ==
        std::vector<int32_t>{0, 1, 0, 0, 1, 0, 0, 0, 0, 2, 2, 2});
  CHECK(predict_masc(p[1], kTest.data(), 12) ==
        std::vector<int32_t>{0, 1, 0, 0, 1, 0, 2, 0, 0, 2, 1, 2});
}

TEST_CASE("MASC rules: the primary rule and the linear probe are those of a one-rule fit",
          "[probes][masc]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  noisy(240, 24, 4, X, y);
  MascOptions plain;
  MascOptions abl;
  abl.more_rules = {{0.25, 0}, {0.5, 0}, {0.75, 0}, {0.99, 1}, {0.5, 1}};  // k=1 twice: one rule
  REQUIRE(masc_rules(abl).size() == 5);
  const MascAndLinear a = fit_masc_and_linear(X.data(), 240, 24, y.data(), 4, plain);
  const MascAndLinear b = fit_masc_and_linear(X.data(), 240, 24, y.data(), 4, abl);
  CHECK(a.more.empty());
  REQUIRE(b.more.size() == 4);
  // tau 0.99 keeps the most components, so it decided the decomposition in both fits.
  CHECK(b.masc.basis == a.masc.basis);
  CHECK(b.masc.k == a.masc.k);
  CHECK(b.linear.W == a.linear.W);
}

TEST_CASE("MASC rules: probe_layer writes one masc row per rule and subspace", "[probes][masc]") {
  std::vector<float> X, T;
  std::vector<int32_t> y, yt;
  noisy(240, 24, 4, X, y);
  noisy(80, 24, 4, T, yt);
  ProbeSpec spec;
  spec.probes = {"masc", "linear"};
  spec.masc.more_rules = {{0.25, 0}, {0.99, 1}};
  const LayerViews in{{X.data(), 240, 24}, {T.data(), 80, 24}, &y, &y, &yt, 4};
  const std::vector<ProbeResult> res = probe_layer("fc1", in, spec);
  std::vector<std::string> got;
  for (const ProbeResult& r : res) got.push_back(r.probe + "/" + r.subspace + "/" + r.rule);
  CHECK(got == std::vector<std::string>{"masc/corrupted/tau=0.99", "masc/corrupted/tau=0.25",
                                        "masc/corrupted/k=1", "linear/corrupted/",
                                        "masc/true/tau=0.99", "masc/true/tau=0.25",
                                        "masc/true/k=1"});
  CHECK(res[2].k_per_class == std::vector<int>{1, 1, 1, 1});
  // Every rule is its own best-layer group.
  const std::vector<bool> best = best_layers(res);
  CHECK(std::count(best.begin(), best.end(), true) == 7);
  // A bad rule is refused naming the flag.
  spec.masc.more_rules = {{1.5, 0}};
  CHECK_THROWS_WITH(probe_layer("fc1", in, spec), Catch::Contains("--tau"));
}

TEST_CASE("MASC rules: rule names", "[probes][masc]") {
  CHECK(rule_name({0.99, 0}) == "tau=0.99");
  CHECK(rule_name({0.25, 0}) == "tau=0.25");
  CHECK(rule_name({1.0, 0}) == "tau=1");
  CHECK(rule_name({0.1 + 0.2, 0}) == "tau=0.30000000000000004");
  CHECK(rule_name({0.99, 1}) == "k=1");
}
