#pragma once
// MASC, the Minimum Angle Subspace Classifier (docs/method.md §8): per class, the span of the top
// eigenvectors of the uncentred second moment S_c = X_c^T X_c; a row is assigned to the class
// whose subspace it makes the smallest angle with, i.e. argmax_c ||V_c x||^2 / ||x||^2.
// MASC is quadratic: score_c(x) = x^T (V_c^T V_c) x / x^T x. Results are those of double-precision
// arithmetic (predict_masc reaches them through certified complement or float32 scoring).
//
// Conventions (documented behaviour, not accidents):
//  - A class with no rows (or only zero rows) gets an empty subspace: k_c = 0, score 0.
//  - x = 0 scores 0 for every class -> class 0; never NaN.
//  - Ties go to the lowest class index.
//  - k_c is clamped to the class's numerical rank (see class_eigen.h).
#include <cstdint>
#include <vector>

#include "probes/class_eigen.h"

namespace mp::probes {

struct MascOptions {
  double tau = 0.99;  // variance fraction: k_c = 1 + #{j : cumsum(lambda / sum lambda)_j <= tau}
  int fixed_k = 0;    // > 0 keeps exactly k components per class (clamped to the rank)
  // The tau ablation (docs/method.md §8): further rules scored from the same decomposition as
  // the primary rule (tau, fixed_k) above. Empty: one rule, as before the ablation existed.
  std::vector<ComponentRule> more_rules;
  EigenPath path = EigenPath::kAuto;  // kAuto: Gram matrix iff N_c < d
  bool parallel_classes = true;       // see all_class_eigen()
};

struct MascProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<std::vector<double>> basis;        // per class, k_c x d row-major orthonormal rows
  std::vector<int> k;                            // k_c
  std::vector<std::vector<double>> eigenvalues;  // per class, descending (see ClassEigen)
  std::vector<int64_t> class_rows;               // N_c used for the fit
  std::vector<char> gram;                        // 1 if class c used the Gram path
  // Where the fit computed them (ClassEigen::complement; never saved to probe files, which do not
  // need them): per class the d - k_c eigenvectors not in `basis`, (d - k_c) x d, and a bound on
  // how far [basis; complement] is from orthonormal; orth_defect[c] < 0 (or an empty vector)
  // means class c has none. masc_complement.h scores with them.
  std::vector<std::vector<double>> complement;
  std::vector<double> orth_defect;
  // Per class, where the fit's time went (ClassEigen::seconds; empty for a probe read from a file).
  std::vector<FitSeconds> fit_seconds;
};

// True when class c of the probe carries its complement (see MascProbe::complement).
bool has_complement(const MascProbe& p, int c);

MascProbe fit_masc(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                   const MascOptions& opts = {});

// The probe from already computed per-class eigen data (how fit_masc_and_linear shares it).
MascProbe masc_from_eigen(std::vector<ClassEigen> eig, int64_t d);

// Every rule of `opts`, the primary (tau, fixed_k) first, then more_rules without repeats.
std::vector<ComponentRule> masc_rules(const MascOptions& opts);

// The probe of one rule from a decomposition computed for that rule or for several rules with it
// (all_class_eigen with a rule list): each class keeps the first rule_components() vectors. Only
// the component count changes between rules, never the eigenvectors, so a fit with one rule is
// exactly masc_for_rule(all_class_eigen(..., rule, ...), rule).
MascProbe masc_for_rule(const std::vector<ClassEigen>& eig, int64_t d, const ComponentRule& rule);

// One MASC per rule of masc_rules(opts), in that order, from ONE decomposition per class.
std::vector<MascProbe> fit_masc_rules(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                      int num_classes, const MascOptions& opts);

// Throws, naming `who`, unless the probe is fitted and each basis holds k_c x dim values.
void check_masc_probe(const MascProbe& p, const char* who);

// N x K row-major scores ||V_c x||^2 / ||x||^2 (0 for x = 0 or an empty class). One dgemm per
// row block against the concatenated bases (double), then per-class sums of squares.
std::vector<double> masc_scores(const MascProbe& probe, const float* X, int64_t N);

// Column c of masc_scores, computed for class c alone with the same calls and rounding (rows
// are scored independently of each other, projection.h): what predict_masc rescores.
std::vector<double> masc_class_scores(const MascProbe& probe, int c, const float* X, int64_t N);

// argmax of masc_scores, row for row (ties -> lowest class index), faster: rows are scored with
// a proven bound against masc_scores, either through the complement of each wide subspace
// (masc_complement.h, when the fit computed it and it saves work) or in float32
// (masc_certified.h), and only the rows that bound leaves undecided are scored by masc_scores'
// own arithmetic.
std::vector<int32_t> predict_masc(const MascProbe& probe, const float* X, int64_t N);

// argmax of masc_scores computed for every row in double: predict_masc's oracle.
std::vector<int32_t> predict_masc_double(const MascProbe& probe, const float* X, int64_t N);

// Plain twin (test oracle): the quadratic form x^T (V_c^T V_c) x / x^T x with P_c = V_c^T V_c
// formed explicitly, by loops. O(N d^2 K): small inputs only.
std::vector<double> masc_scores_reference(const MascProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
