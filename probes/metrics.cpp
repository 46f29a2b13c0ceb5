#include "probes/metrics.h"

#include "tensor/check.h"

namespace mp::probes {

double accuracy(const std::vector<int32_t>& pred, const int32_t* labels, int64_t N) {
  MP_CHECK(static_cast<int64_t>(pred.size()) == N,
           "probes/accuracy: " << pred.size() << " predictions for " << N << " labels");
  MP_CHECK(labels != nullptr || N == 0, "probes/accuracy: labels pointer is null with N=" << N);
  if (N == 0) return 0.0;
  int64_t hit = 0;
  for (int64_t i = 0; i < N; ++i) hit += pred[static_cast<size_t>(i)] == labels[i] ? 1 : 0;
  return static_cast<double>(hit) / static_cast<double>(N);
}

std::vector<int64_t> confusion_counts(const std::vector<int32_t>& pred, const int32_t* labels,
                                      int64_t N, int num_classes) {
  MP_CHECK(static_cast<int64_t>(pred.size()) == N,
           "probes/confusion_counts: " << pred.size() << " predictions for " << N << " labels");
  MP_CHECK(num_classes >= 1, "probes/confusion_counts: num_classes=" << num_classes);
  std::vector<int64_t> m(static_cast<size_t>(num_classes) * num_classes, 0);
  for (int64_t i = 0; i < N; ++i) {
    const int32_t t = labels[i], p = pred[static_cast<size_t>(i)];
    MP_CHECK(t >= 0 && t < num_classes && p >= 0 && p < num_classes,
             "probes/confusion_counts: row " << i << " has label " << t << " / prediction " << p
                                             << " outside [0, " << num_classes << ")");
    ++m[static_cast<size_t>(t) * num_classes + p];
  }
  return m;
}

std::vector<double> per_class_accuracy(const std::vector<int64_t>& confusion, int num_classes) {
  MP_CHECK(static_cast<int64_t>(confusion.size()) == int64_t{num_classes} * num_classes,
           "probes/per_class_accuracy: confusion has " << confusion.size() << " cells, expected "
                                                       << num_classes << "^2");
  std::vector<double> acc(static_cast<size_t>(num_classes), 0.0);
  for (int c = 0; c < num_classes; ++c) {
    int64_t row = 0;
    for (int p = 0; p < num_classes; ++p)
      row += confusion[static_cast<size_t>(c) * num_classes + p];
    if (row > 0) {
      acc[static_cast<size_t>(c)] =
          static_cast<double>(confusion[static_cast<size_t>(c) * num_classes + c]) / row;
    }
  }
  return acc;
}

}  // namespace mp::probes
