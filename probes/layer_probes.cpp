#include "probes/layer_probes.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "tensor/stopwatch.h"

namespace mp::probes {

namespace {

ProbeResult score(const std::string& layer, const std::string& probe, const std::string& subspace,
                  const std::vector<int32_t>& pred_train, const std::vector<int32_t>& pred_test,
                  const LayerViews& in) {
  ProbeResult r;
  r.layer = layer;
  r.probe = probe;
  r.subspace = subspace;
  r.test_acc = accuracy(pred_test, in.test_true->data(), in.test.rows);
  r.train_acc_corrupted = accuracy(pred_train, in.train_corrupt->data(), in.train.rows);
  r.train_acc_true = accuracy(pred_train, in.train_true->data(), in.train.rows);
  return r;
}

bool wants(const ProbeSpec& s, const std::string& name) {
  for (const auto& p : s.probes)
    if (p == name) return true;
  return false;
}

// Scores one fitted probe on both splits and, when the caller keeps them, its predictions.
template <class Predict>
ProbeResult score_probe(const std::string& layer, const std::string& probe,
                        const std::string& subspace, const LayerViews& in, Predict predict,
                        FittedProbes* fitted) {
  std::vector<int32_t> train = predict(in.train.data, in.train.rows);
  std::vector<int32_t> test = predict(in.test.data, in.test.rows);
  ProbeResult r = score(layer, probe, subspace, train, test, in);
  if (fitted) {
    fitted->train_pred[probe + "/" + subspace] = std::move(train);
    fitted->test_pred[probe + "/" + subspace] = std::move(test);
  }
  return r;
}

}  // namespace

void check_probe_spec(const ProbeSpec& spec) {
  MP_CHECK(!spec.probes.empty(), "--probes: no probe given (use masc,linear,ncm,logreg)");
  for (const auto& p : spec.probes)
    MP_CHECK(p == "masc" || p == "linear" || p == "ncm" || p == "logreg" || p == "lda" ||
                 p == "qda" || p == "knn",
             "unknown probe '" << p << "' (use masc, linear, ncm, logreg, lda, qda, knn)");
  for (const auto& s : spec.masc_subspaces)
    MP_CHECK(s == "corrupted" || s == "true",
             "unknown subspace '" << s << "' (use corrupted or true)");
  MP_CHECK(spec.qda.reg >= 0 && spec.qda.reg <= 1,
           "qda_reg must be in [0, 1], got " << spec.qda.reg);
  for (const ComponentRule& r : masc_rules(spec.masc)) {
    MP_CHECK(r.fixed_k >= 0, "--k must be a positive integer, got " << r.fixed_k);
    MP_CHECK(r.fixed_k > 0 || (r.tau > 0 && r.tau <= 1), "--tau must be in (0, 1], got " << r.tau);
  }
}

std::vector<ProbeResult> probe_layer(const std::string& layer, const LayerInputs& in,
                                     const ProbeSpec& spec, FittedProbes* fitted) {
  in.train->validate("probe_layer (train)");
  in.test->validate("probe_layer (test)");
  return probe_layer(layer,
                     LayerViews{view_of(*in.train), view_of(*in.test), in.train_corrupt,
                                in.train_true, in.test_true, in.num_classes},
                     spec, fitted);
}

std::vector<ProbeResult> probe_layer(const std::string& layer, const LayerViews& in,
                                     const ProbeSpec& spec, FittedProbes* fitted) {
  check_probe_spec(spec);
  const MatrixView& X = in.train;
  const MatrixView& T = in.test;
  MP_CHECK(X.cols == T.cols,
           "layer " << layer << ": train width " << X.cols << " != test width " << T.cols);
  MP_CHECK(static_cast<int64_t>(in.train_corrupt->size()) == X.rows &&
               static_cast<int64_t>(in.train_true->size()) == X.rows &&
               static_cast<int64_t>(in.test_true->size()) == T.rows,
           "layer " << layer << ": label counts do not match the activation rows");
  const int K = in.num_classes;
  std::vector<ProbeResult> out;
  const bool masc = wants(spec, "masc"), linear = wants(spec, "linear");
  for (const std::string& sub : spec.masc_subspaces) {
    // The linear probe is defined on the corrupted labels only (docs/method.md §9); it rides along
    // with the corrupted-subspace MASC fit, which shares its eigen-decompositions.
    const bool do_linear = linear && sub == "corrupted";
    if (!masc && !do_linear) continue;
    const std::vector<int32_t>& y = sub == "true" ? *in.train_true : *in.train_corrupt;
    Stopwatch fit_clock;
    // Without MASC rows the ablation's rules are not scored, so they must not widen the fit.
    MascOptions mo = spec.masc;
    if (!masc) mo.more_rules.clear();
    MascAndLinear f = fit_masc_and_linear(X.data, X.rows, X.cols, y.data(), K, mo);
    const double fit_s = fit_clock.seconds();
    if (masc) {
      const std::vector<ComponentRule> rules = masc_rules(spec.masc);
      Stopwatch clock;
      ProbeResult r = score_probe(
          layer, "masc", sub, in,
          [&f](const float* A, int64_t n) { return predict_masc(f.masc, A, n); }, fitted);
      r.k_per_class = f.masc.k;
      r.rule = rule_name(rules.front());
      r.seconds = fit_s + clock.seconds();
      out.push_back(r);
      // The ablation's other rules: the same eigenvectors, fewer or more of them. Only the
      // primary rule's predictions go to `fitted` (what --save-probe and --predictions keep).
      for (size_t i = 0; i < f.more.size(); ++i) {
        Stopwatch more_clock;
        const MascProbe& m = f.more[i];
        ProbeResult x = score_probe(
            layer, "masc", sub, in,
            [&m](const float* A, int64_t n) { return predict_masc(m, A, n); }, nullptr);
        x.k_per_class = m.k;
        x.rule = rule_name(rules[i + 1]);
        x.seconds = more_clock.seconds();
        out.push_back(x);
      }
    }
    if (do_linear) {
      Stopwatch clock;
      out.push_back(score_probe(
          layer, "linear", "corrupted", in,
          [&f](const float* A, int64_t n) { return predict_linear(f.linear, A, n); }, fitted));
      out.back().seconds = clock.seconds() + (masc ? 0.0 : fit_s);
    }
    if (fitted) {
      if (masc) fitted->masc[sub] = std::move(f.masc);
      if (do_linear) fitted->linear = std::move(f.linear);
    }
  }
  if (linear && std::find(spec.masc_subspaces.begin(), spec.masc_subspaces.end(), "corrupted") ==
                    spec.masc_subspaces.end()) {
    Stopwatch clock;
    LinearProbe lp = fit_linear_probe(X.data, X.rows, X.cols, in.train_corrupt->data(), K);
    out.push_back(score_probe(
        layer, "linear", "corrupted", in,
        [&lp](const float* A, int64_t n) { return predict_linear(lp, A, n); }, fitted));
    out.back().seconds = clock.seconds();
    if (fitted) fitted->linear = std::move(lp);
  }
  if (wants(spec, "ncm")) {
    Stopwatch clock;
    NcmProbe p = fit_ncm(X.data, X.rows, X.cols, in.train_corrupt->data(), K);
    out.push_back(score_probe(
        layer, "ncm", "corrupted", in,
        [&p](const float* A, int64_t n) { return predict_ncm(p, A, n); }, fitted));
    out.back().seconds = clock.seconds();
    if (fitted) fitted->ncm = std::move(p);
  }
  if (wants(spec, "logreg")) {
    Stopwatch clock;
    LogRegProbe p = fit_logreg(X.data, X.rows, X.cols, in.train_corrupt->data(), K, spec.logreg);
    out.push_back(score_probe(
        layer, "logreg", "corrupted", in,
        [&p](const float* A, int64_t n) { return predict_logreg(p, A, n); }, fitted));
    out.back().seconds = clock.seconds();
    if (fitted) fitted->logreg = std::move(p);
  }
  if (wants(spec, "lda")) {
    Stopwatch clock;
    LdaProbe p = fit_lda(X.data, X.rows, X.cols, in.train_corrupt->data(), K, spec.lda);
    out.push_back(score_probe(
        layer, "lda", "corrupted", in,
        [&p](const float* A, int64_t n) { return predict_lda(p, A, n); }, fitted));
    out.back().seconds = clock.seconds();
    out.back().params =
        "within_rank=" + std::to_string(p.within_rank) + " rank=" + std::to_string(p.rank);
  }
  if (wants(spec, "qda")) {
    Stopwatch clock;
    QdaProbe p = fit_qda(X.data, X.rows, X.cols, in.train_corrupt->data(), K, spec.qda);
    out.push_back(score_probe(
        layer, "qda", "corrupted", in,
        [&p](const float* A, int64_t n) { return predict_qda(p, A, n); }, fitted));
    out.back().seconds = clock.seconds();
    std::ostringstream reg;
    reg << "reg=" << p.reg;
    out.back().params = reg.str();
  }
  if (wants(spec, "knn")) {
    Stopwatch clock;
    KnnProbe p = fit_knn(X.data, X.rows, X.cols, in.train_corrupt->data(), K, spec.knn);
    out.push_back(score_probe(
        layer, "knn", "corrupted", in,
        [&p](const float* A, int64_t n) { return predict_knn(p, A, n); }, fitted));
    out.back().seconds = clock.seconds();
  }
  return out;
}

bool is_input_layer(const std::string& layer) {
  return layer == "input";
}

bool better_layer(const std::string& layer, double test_acc, const std::string& incumbent_layer,
                  double incumbent_acc) {
  const bool hidden = !is_input_layer(layer), inc_hidden = !is_input_layer(incumbent_layer);
  if (hidden != inc_hidden) return hidden;
  return test_acc > incumbent_acc;
}

std::vector<bool> best_layers(const std::vector<ProbeResult>& results) {
  std::map<std::string, size_t> best;
  for (size_t i = 0; i < results.size(); ++i) {
    const std::string key = results[i].probe + "/" + results[i].subspace + "/" + results[i].rule;
    auto it = best.find(key);
    if (it == best.end() || better_layer(results[i].layer, results[i].test_acc,
                                         results[it->second].layer, results[it->second].test_acc))
      best[key] = i;
  }
  std::vector<bool> mark(results.size(), false);
  for (const auto& kv : best) mark[kv.second] = true;
  return mark;
}

}  // namespace mp::probes
