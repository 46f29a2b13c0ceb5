#pragma once
// Linear discriminant analysis, an opt-in probe (docs/method.md §10): Gaussian classes sharing one
// covariance, fitted on the labels given (the corrupted ones in the study), priors from the class
// counts. The decision rule of scikit-learn's LinearDiscriminantAnalysis() defaults (solver
// "svd", no shrinkage, tol 1e-4), which the reference used:
//   1. Xc = each row minus its class mean; std_j = the (population) std of column j of Xc, with
//      std_j = 0 -> 1 (constant or dead features); Z = Xc / std / sqrt(N - K).
//   2. SVD of Z: S, V. rank_w = #{S > tol}; scalings = diag(1/std) V[:, :rank_w] diag(1/S).
//      Directions without within-class variance are dropped, not regularised.
//   3. Between: B = rows sqrt(n_k / (N - K)) (mu_k - xbar) (xbar = sum_k prior_k mu_k) times
//      scalings; SVD of B: rank = #{S_b > tol S_b[0]}; W = scalings V_b[:, :rank] (d x rank).
//   4. c_k = (mu_k - xbar) W; coef_k = W c_k; intercept_k = -||c_k||^2 / 2 + log prior_k -
//      xbar . coef_k; score_k(x) = coef_k . x + intercept_k, predict argmax (ties -> lowest k).
// The SVDs are computed as eigen-decompositions of Z^T Z (d x d) and B B^T (K x K), in double
// (scikit-learn keeps float32 input in float32): the same singular values and vectors up to
// rounding. A class without rows is absent, as in scikit-learn: score -inf, never predicted.
// Cost: O(N d^2 + d^3) time, O(d^2) memory.
#include <cstdint>
#include <vector>

namespace mp::probes {

struct LdaOptions {
  double tol = 1e-4;  // scikit-learn's tol: absolute on step 2's S, relative to S_b[0] in step 3
};

struct LdaProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<double> coef;       // K x d row-major (zero for a class without rows)
  std::vector<double> intercept;  // K (-inf for a class without rows)
  int within_rank = 0;            // rank_w of step 2
  int rank = 0;                   // rank of step 3: the dimension of the decision space
  std::vector<int64_t> class_rows;
};

// X: N x d float32 row-major, labels N in [0, K); needs N > (number of non-empty classes).
LdaProbe fit_lda(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const LdaOptions& opts = {});

// N x K scores coef_k . x + intercept_k (one dgemm per row block and class, double).
std::vector<double> lda_scores(const LdaProbe& probe, const float* X, int64_t N);

// argmax of lda_scores; ties -> lowest class index.
std::vector<int32_t> predict_lda(const LdaProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
