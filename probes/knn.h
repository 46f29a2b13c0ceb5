#pragma once
// k-nearest neighbours with cosine similarity (an opt-in baseline, docs/method.md §10): the
// training rows (with the labels given, the corrupted ones in the study) are the model; a row is
// assigned the majority label of its k most similar training rows. scikit-learn's
// KNeighborsClassifier(n_neighbors=5, metric="cosine", weights="uniform") as the reference used
// it, exact (brute force, no approximate index). Similarities in double precision.
//
// Conventions (documented behaviour, not accidents):
//  - cos(x, t) = (x . t) / (||x|| ||t||); a zero row (x = 0 or t = 0, common after ReLU) has
//    similarity 0 with everything, as scikit-learn's normalize() leaves it (cosine distance 1).
//  - Neighbour order: higher similarity first; equal similarity -> lower training index first.
//  - Vote: the label with the most of the k neighbours; tied counts -> the smallest label
//    (scikit-learn's uniform weights: scipy.stats.mode / argmax of the class counts).
//  - Predicting the training rows includes each row itself among its neighbours (like
//    scikit-learn's predict(X_train)): no leave-one-out.
#include <cstdint>
#include <vector>

namespace mp::probes {

struct KnnOptions {
  int k = 5;
  int64_t test_block = 256;    // query rows per dgemm (0 = default)
  int64_t train_block = 4096;  // training rows per dgemm (0 = default)
};

// The fitted "model" is the training set itself: a view, not a copy (X must outlive the probe).
struct KnnProbe {
  int num_classes = 0;
  int64_t rows = 0, dim = 0;
  const float* X = nullptr;  // rows x dim, row-major, the caller's memory
  std::vector<int32_t> labels;
  std::vector<double> inv_norm;  // 1 / ||t_j|| (0 for a zero row), double
  KnnOptions opts;
};

// X: N x d float32 row-major (kept by pointer), labels N in [0, K).
KnnProbe fit_knn(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes,
                 const KnnOptions& opts = {});

// The k nearest training rows of each query row: M x k indices (row-major), best first, by the
// order above. Q: M x d float32. Blocked: one dgemm per (query block, training block) pair, a
// running top-k per query row; memory is O(blocks), never M x N.
std::vector<int64_t> knn_neighbors(const KnnProbe& probe, const float* Q, int64_t M);

// Majority vote over knn_neighbors (ties -> smallest label).
std::vector<int32_t> predict_knn(const KnnProbe& probe, const float* Q, int64_t M);

// The vote of one neighbour list (k labels) over K classes: most frequent, ties -> smallest.
int32_t knn_vote(const int32_t* neighbor_labels, int k, int num_classes);

}  // namespace mp::probes
