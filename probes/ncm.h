#pragma once
// Nearest class mean with cosine similarity (docs/method.md §10 baseline): class means of the rows
// grouped by the given labels, compared to a row by cos(x, mu_c). Double precision.
// Conventions: a zero row or a zero mean (empty class) has cosine 0 with everything -> never NaN;
// ties (e.g. x = 0) -> lowest class index.
#include <cstdint>
#include <vector>

namespace mp::probes {

struct NcmProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<double> means;  // K x d, each row L2-normalised (zero row if the mean is zero)
  std::vector<int64_t> class_rows;
};

NcmProbe fit_ncm(const float* X, int64_t N, int64_t d, const int32_t* labels, int num_classes);

// N x K cosine similarities.
std::vector<double> ncm_scores(const NcmProbe& probe, const float* X, int64_t N);

std::vector<int32_t> predict_ncm(const NcmProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
