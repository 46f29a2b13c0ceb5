#include "probes/masc.h"

#include <algorithm>
#include <utility>

#include "probes/masc_certified.h"
#include "probes/projection.h"
#include "tensor/check.h"

namespace mp::probes {

MascProbe masc_from_eigen(std::vector<ClassEigen> eig, int64_t d) {
  MascProbe p;
  p.num_classes = static_cast<int>(eig.size());
  p.dim = d;
  for (auto& e : eig) {
    p.k.push_back(e.k);
    p.class_rows.push_back(e.rows);
    p.gram.push_back(e.gram ? 1 : 0);
    p.basis.push_back(std::move(e.vectors));
    p.eigenvalues.push_back(std::move(e.eigenvalues));
    p.complement.push_back(std::move(e.complement));
    p.orth_defect.push_back(e.orth_defect);
    p.fit_seconds.push_back(e.seconds);
  }
  return p;
}

bool has_complement(const MascProbe& p, int c) {
  return c >= 0 && static_cast<size_t>(c) < p.orth_defect.size() &&
         p.orth_defect[static_cast<size_t>(c)] >= 0;
}

std::vector<ComponentRule> masc_rules(const MascOptions& opts) {
  std::vector<ComponentRule> rules = {ComponentRule{opts.tau, opts.fixed_k}};
  for (const ComponentRule& r : opts.more_rules) {
    // By name: with a fixed k the tau is unused, so {0.5, 1} and {0.99, 1} are the same rule.
    const auto same = [&r](const ComponentRule& o) { return rule_name(o) == rule_name(r); };
    if (std::none_of(rules.begin(), rules.end(), same)) rules.push_back(r);
  }
  return rules;
}

MascProbe masc_for_rule(const std::vector<ClassEigen>& eig, int64_t d, const ComponentRule& rule) {
  MascProbe p;
  p.num_classes = static_cast<int>(eig.size());
  p.dim = d;
  for (const ClassEigen& e : eig) {
    const int k = rule_components(e.eigenvalues, e.rank, d, rule);
    MP_CHECK(k <= e.k, "probes/masc_for_rule: rule " << rule_name(rule) << " keeps " << k
                                                     << " components but only " << e.k
                                                     << " were computed");
    p.k.push_back(k);
    p.class_rows.push_back(e.rows);
    p.gram.push_back(e.gram ? 1 : 0);
    p.basis.emplace_back(e.vectors.begin(), e.vectors.begin() + static_cast<int64_t>(k) * d);
    p.eigenvalues.push_back(e.eigenvalues);
    // A rule keeping fewer vectors than were computed: its complement is the rest of the kept
    // vectors followed by the computed complement (the same Q, so the same orth_defect).
    // Only where it is at most half as wide as the basis, as class_eigen decides for its own k.
    std::vector<double> comp;
    const bool keep = e.orth_defect >= 0 && 3 * static_cast<int64_t>(k) >= 2 * d;
    if (keep) {
      comp.assign(e.vectors.begin() + static_cast<int64_t>(k) * d, e.vectors.end());
      comp.insert(comp.end(), e.complement.begin(), e.complement.end());
    }
    p.complement.push_back(std::move(comp));
    p.orth_defect.push_back(keep ? e.orth_defect : -1.0);
    p.fit_seconds.push_back(e.seconds);
  }
  return p;
}

std::vector<MascProbe> fit_masc_rules(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                      int num_classes, const MascOptions& opts) {
  const std::vector<ComponentRule> rules = masc_rules(opts);
  const std::vector<ClassEigen> eig =
      all_class_eigen(X, N, d, labels, num_classes, rules, opts.path, opts.parallel_classes);
  std::vector<MascProbe> out;
  for (const ComponentRule& r : rules) out.push_back(masc_for_rule(eig, d, r));
  return out;
}

MascProbe fit_masc(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                   const MascOptions& opts) {
  const ComponentRule rule{opts.tau, opts.fixed_k};
  return masc_from_eigen(
      all_class_eigen(X, N, d, labels, num_classes, rule, opts.path, opts.parallel_classes), d);
}

void check_masc_probe(const MascProbe& p, const char* who) {
  MP_CHECK(p.num_classes >= 1 && static_cast<int>(p.basis.size()) == p.num_classes &&
               static_cast<int>(p.k.size()) == p.num_classes,
           who << ": probe is not fitted or inconsistent (num_classes=" << p.num_classes << ")");
  for (int c = 0; c < p.num_classes; ++c) {
    MP_CHECK(static_cast<int64_t>(p.basis[c].size()) == p.k[c] * p.dim,
             who << ": class " << c << " basis holds " << p.basis[c].size() << " values, expected "
                 << p.k[c] << " x " << p.dim);
  }
  MP_CHECK(p.orth_defect.empty() || (static_cast<int>(p.orth_defect.size()) == p.num_classes &&
                                     static_cast<int>(p.complement.size()) == p.num_classes),
           who << ": complement given for " << p.complement.size() << " and orth_defect for "
               << p.orth_defect.size() << " of " << p.num_classes << " classes");
  for (int c = 0; c < p.num_classes; ++c) {
    if (!has_complement(p, c)) continue;
    MP_CHECK(static_cast<int64_t>(p.complement[c].size()) == (p.dim - p.k[c]) * p.dim,
             who << ": class " << c << " complement holds " << p.complement[c].size()
                 << " values, expected " << (p.dim - p.k[c]) << " x " << p.dim);
  }
}

namespace {
// ||V_c x||^2 / ||x||^2 from the k projections p of one row: masc_scores and masc_class_scores
// share it so that both round alike.
double score_of(const double* p, int64_t k, double sq) {
  double acc = 0;
  for (int64_t j = 0; j < k; ++j) acc += p[j] * p[j];
  return acc / sq;
}
}  // namespace

// X is (N, d) float32 -> scores (N, K) double.
std::vector<double> masc_scores(const MascProbe& probe, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_scores");
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  // The bases side by side, each class a group of rows: a row block is converted to double
  // once and projected by one dgemm per class, so classes with identical bases score
  // identically on every BLAS kernel (masc.h: ties go to the lowest index).
  std::vector<int64_t> offset(static_cast<size_t>(K) + 1, 0);
  for (int c = 0; c < K; ++c) offset[c + 1] = offset[c] + probe.k[c];
  const int64_t R = offset[K];
  std::vector<double> W(static_cast<size_t>(R * d));
  for (int c = 0; c < K; ++c) {
    std::copy(probe.basis[c].begin(), probe.basis[c].end(), W.begin() + offset[c] * d);
  }
  std::vector<double> scores(static_cast<size_t>(N * K), 0.0);
  auto score_rows = [&](int64_t r0, int64_t nb, const double* P, const double* sq) {
    for (int64_t i = 0; i < nb; ++i) {
      double* s = scores.data() + (r0 + i) * K;
      if (!(sq[i] > 0)) continue;  // x = 0: every score 0, class 0
      const double* p = P + i * R;
      for (int c = 0; c < K; ++c) s[c] = score_of(p + offset[c], probe.k[c], sq[i]);
    }
  };
  for_each_grouped_projection_block(X, N, d, W.data(), offset, score_rows);
  return scores;
}

std::vector<double> masc_class_scores(const MascProbe& probe, int c, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_class_scores");
  MP_CHECK(c >= 0 && c < probe.num_classes,
           "probes/masc_class_scores: class " << c << " of " << probe.num_classes);
  const int64_t k = probe.k[c];
  std::vector<double> scores(static_cast<size_t>(N), 0.0);
  // The same grouped call shape as masc_scores' group c (its own dgemm into a k-wide scratch).
  for_each_grouped_projection_block(X, N, probe.dim, probe.basis[c].data(), {0, k},
                                    [&](int64_t r0, int64_t nb, const double* P, const double* sq) {
                                      for (int64_t i = 0; i < nb; ++i) {
                                        if (sq[i] > 0)
                                          scores[static_cast<size_t>(r0 + i)] =
                                              score_of(P + i * k, k, sq[i]);
                                      }
                                    });
  return scores;
}

std::vector<int32_t> predict_masc(const MascProbe& probe, const float* X, int64_t N) {
  return predict_masc_certified(probe, X, N, nullptr);
}

std::vector<int32_t> predict_masc_double(const MascProbe& probe, const float* X, int64_t N) {
  return argmax_rows(masc_scores(probe, X, N).data(), N, probe.num_classes);
}

std::vector<double> masc_scores_reference(const MascProbe& probe, const float* X, int64_t N) {
  check_masc_probe(probe, "probes/masc_scores_reference");
  const int K = probe.num_classes;
  const int64_t d = probe.dim;
  std::vector<double> scores(static_cast<size_t>(N * K), 0.0);
  for (int c = 0; c < K; ++c) {
    // Projector P_c = V_c^T V_c (d x d).
    std::vector<double> Pc(static_cast<size_t>(d * d), 0.0);
    const std::vector<double>& V = probe.basis[c];
    for (int j = 0; j < probe.k[c]; ++j) {
      for (int64_t a = 0; a < d; ++a) {
        for (int64_t b = 0; b < d; ++b) Pc[a * d + b] += V[j * d + a] * V[j * d + b];
      }
    }
    for (int64_t i = 0; i < N; ++i) {
      const float* x = X + i * d;
      double num = 0, den = 0;
      for (int64_t a = 0; a < d; ++a) {
        den += static_cast<double>(x[a]) * x[a];
        for (int64_t b = 0; b < d; ++b) num += static_cast<double>(x[a]) * Pc[a * d + b] * x[b];
      }
      scores[static_cast<size_t>(i * K + c)] = den > 0 ? num / den : 0.0;
    }
  }
  return scores;
}

}  // namespace mp::probes
