#pragma once
// Quadratic discriminant analysis, an opt-in probe (docs/method.md §10): one Gaussian per class
// with its own covariance, fitted on the labels given (the corrupted ones in the study), priors
// from the class counts. scikit-learn's QuadraticDiscriminantAnalysis(reg_param=reg) rule:
//   per class c: the SVD of the centred rows, Xc = U S V^T; S2_j = S_j^2 / (n_c - 1);
//   S2 <- (1 - reg) S2 + reg;
//   score_c(x) = -(||(x - mu_c) V S2^-1/2||^2 + sum_j log S2_j) / 2 + log prior_c.
// memprobe differs only where scikit-learn's scores are not numbers:
//  - All d directions are used. With n_c < d the SVD has only n_c singular values; the other
//    d - n_c directions have S_j = 0 exactly, so S2_j = reg there (scikit-learn drops them, which
//    leaves its "density" improper). With n_c = 1 the covariance is 0 (scikit-learn refuses).
//  - Singular covariances (wide or dead-ReLU layers: rank < d) give S2_j = 0 at reg = 0, and
//    scikit-learn's scores become inf/NaN. memprobe uses the smallest value of
//    {reg} u {1e-6, 1e-5, ..., 1e-1, 1} (ladder values above reg only) at which every class's
//    S2 is numerically positive: min_j S2_j > max(n_c, d) * eps * max_j S2_j (the rank test of
//    class_eigen.h). reg = 1 always passes (identity covariance). The value used is reported.
//    Values S_j^2 / (n_c - 1) at or below that threshold (reg = 0) are rounding noise of an exact
//    zero and are set to 0, so those directions get S2 = reg exactly.
// The SVD is computed as the eigen-decomposition of Xc^T Xc (d x d) in double, per class (the
// classes side by side on the OpenMP threads). A class without rows is absent: score -inf.
// Cost: O(N d^2 + K d^3) time, O(K d^2) memory.
#include <cstdint>
#include <vector>

namespace mp::probes {

struct QdaOptions {
  double reg = 0;  // scikit-learn's reg_param, in [0, 1]; raised when the covariance is singular
};

struct QdaProbe {
  int num_classes = 0;
  int64_t dim = 0;
  double reg = 0;                 // the regularisation used (>= QdaOptions::reg)
  std::vector<double> axes;       // K*d x d row-major: class c's rows V_j / sqrt(S2_j), d per class
                                  // (0 rows for a class without rows: see offsets)
  std::vector<int64_t> offsets;   // K + 1 row offsets into axes
  std::vector<double> mean_proj;  // mu_c . axis, one per row of axes
  std::vector<double> constant;   // K: -sum_j log S2_j / 2 + log prior_c (-inf: no rows)
  std::vector<std::vector<double>> scalings;  // per class, S2 descending (d values)
  std::vector<int64_t> class_rows;
};

// The fixed regularisation ladder: 1e-6, 1e-5, ..., 1e-1, 1.
std::vector<double> qda_reg_ladder();

// X: N x d float32 row-major, labels N in [0, K).
QdaProbe fit_qda(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const QdaOptions& opts = {});

// N x K scores (double): one dgemm per row block and class against the class's scaled axes.
std::vector<double> qda_scores(const QdaProbe& probe, const float* X, int64_t N);

// argmax of qda_scores; ties -> lowest class index.
std::vector<int32_t> predict_qda(const QdaProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
