#include "data/image_set.h"

#include "tensor/check.h"

namespace mp::data {

void validate(const ImageSet& set, const std::string& what) {
  MP_CHECK(set.n >= 0 && set.c > 0 && set.h > 0 && set.w > 0,
           what << ": bad image set geometry n=" << set.n << " c=" << set.c << " h=" << set.h
                << " w=" << set.w);
  MP_CHECK(static_cast<int64_t>(set.pixels.size()) == set.n * set.image_size(),
           what << ": " << set.pixels.size() << " pixel bytes for " << set.n << " images of "
                << set.c << "x" << set.h << "x" << set.w);
  MP_CHECK(static_cast<int64_t>(set.labels.size()) == set.n,
           what << ": " << set.labels.size() << " labels for " << set.n << " images");
  MP_CHECK(set.num_classes > 0, what << ": num_classes must be positive");
  for (int64_t i = 0; i < set.n; ++i) {
    const int32_t y = set.labels[static_cast<size_t>(i)];
    MP_CHECK(y >= 0 && y < set.num_classes, what << ": label " << y << " of image " << i
                                                 << " is outside [0, " << set.num_classes << ")");
  }
}

std::vector<int64_t> class_counts(const std::vector<int32_t>& labels, int K) {
  MP_CHECK(K > 0, "class_counts: K must be positive, got " << K);
  std::vector<int64_t> counts(static_cast<size_t>(K), 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    MP_CHECK(labels[i] >= 0 && labels[i] < K,
             "class_counts: label " << labels[i] << " at " << i << " outside [0, " << K << ")");
    ++counts[static_cast<size_t>(labels[i])];
  }
  return counts;
}

std::vector<double> channel_means(const ImageSet& set) {
  std::vector<double> means(static_cast<size_t>(set.c), 0.0);
  const int64_t plane = static_cast<int64_t>(set.h) * set.w;
  if (set.n == 0 || plane == 0) return means;
  // Integer sums per channel are exact (CIFAR: 50,000 * 1024 * 255 < 2^34).
  std::vector<uint64_t> sums(static_cast<size_t>(set.c), 0);
  for (int64_t i = 0; i < set.n; ++i) {
    const uint8_t* img = set.image(i);
    for (int ch = 0; ch < set.c; ++ch) {
      const uint8_t* p = img + ch * plane;
      uint64_t s = 0;
      for (int64_t j = 0; j < plane; ++j) s += p[j];
      sums[static_cast<size_t>(ch)] += s;
    }
  }
  for (int ch = 0; ch < set.c; ++ch)
    means[static_cast<size_t>(ch)] =
        static_cast<double>(sums[static_cast<size_t>(ch)]) / static_cast<double>(set.n * plane);
  return means;
}

std::vector<std::string> numbered_class_names(int K) {
  std::vector<std::string> names;
  for (int k = 0; k < K; ++k) names.push_back(std::to_string(k));
  return names;
}

}  // namespace mp::data
