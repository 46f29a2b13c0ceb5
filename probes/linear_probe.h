#pragma once
// The linear probe of docs/method.md §9 ("VeLPIC" in the reference): per class, v_c = the top
// eigenvector of S_c = X_c^T X_c (the first MASC direction), sign-fixed so that its mean
// projection over ALL N training rows is non-negative; predict argmax_c v_c . x (no bias, no
// normalisation). No training and no hyper-parameters; W = [v_1; ...; v_K] is what weight
// editing (§8) writes into the model's output layer.
//
// Conventions: a class with no rows (or only zero rows) gets v_c = 0 (score 0 for every x);
// ties -> lowest class index; m_c == 0 keeps the solver's sign (the peer flips only if < 0).
#include <cstdint>
#include <vector>

#include "probes/class_eigen.h"
#include "probes/masc.h"

namespace mp::probes {

struct LinearProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<double> W;  // K x d row-major, unit rows (zero row for an empty class)
};

LinearProbe fit_linear_probe(const float* X, int64_t N, int64_t d, const int32_t* labels,
                             int num_classes, EigenPath path = EigenPath::kAuto,
                             bool parallel_classes = true);

// From per-class eigen data (row 0 of each class's vectors), sign-fixed on the N x d rows X.
LinearProbe linear_from_eigen(const std::vector<ClassEigen>& eig, const float* X, int64_t N,
                              int64_t d);

// N x K scores v_c . x (double).
std::vector<double> linear_scores(const LinearProbe& probe, const float* X, int64_t N);

// argmax_c v_c . x; ties -> lowest class index.
std::vector<int32_t> predict_linear(const LinearProbe& probe, const float* X, int64_t N);

// Column means of X (N x d) in double: m_c = v_c . mean(X) is the sign-fix statistic.
std::vector<double> column_means(const float* X, int64_t N, int64_t d);

// MASC and the linear probe from ONE eigendecomposition per class, for every MASC rule at once.
struct MascAndLinear {
  MascProbe masc;               // the primary rule (opts.tau, opts.fixed_k)
  std::vector<MascProbe> more;  // the rest of masc_rules(opts), in its order
  LinearProbe linear;           // row 0 of each class: the same for every rule
};
MascAndLinear fit_masc_and_linear(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                  int num_classes, const MascOptions& opts = {});

}  // namespace mp::probes
