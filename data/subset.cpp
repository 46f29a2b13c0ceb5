#include "data/subset.h"

#include <algorithm>
#include <cstring>

#include "tensor/check.h"
#include "tensor/rng.h"

namespace mp::data {

std::vector<int64_t> subset_first(int64_t n_total, int64_t n) {
  MP_CHECK(n >= 0 && n <= n_total,
           "subset of " << n << " samples requested from a set of " << n_total);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  return idx;
}

std::vector<int64_t> subset_stratified(const std::vector<int32_t>& labels, int64_t n,
                                       uint32_t seed) {
  const int64_t total = static_cast<int64_t>(labels.size());
  MP_CHECK(n >= 0 && n <= total,
           "stratified subset of " << n << " samples requested from a set of " << total);
  int32_t K = 0;
  for (int32_t y : labels) {
    MP_CHECK(y >= 0, "stratified subset: negative label " << y);
    K = std::max(K, y + 1);
  }
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(K));
  for (int64_t i = 0; i < total; ++i)
    members[static_cast<size_t>(labels[static_cast<size_t>(i)])].push_back(i);
  // Largest-remainder apportionment of n over the class counts (integer arithmetic, exact).
  std::vector<int64_t> quota(static_cast<size_t>(K));
  std::vector<int64_t> rem(static_cast<size_t>(K));
  int64_t given = 0;
  for (int32_t k = 0; k < K; ++k) {
    const int64_t c = static_cast<int64_t>(members[static_cast<size_t>(k)].size());
    quota[static_cast<size_t>(k)] = total ? n * c / total : 0;
    rem[static_cast<size_t>(k)] = total ? n * c % total : 0;
    given += quota[static_cast<size_t>(k)];
  }
  std::vector<int32_t> order(static_cast<size_t>(K));
  for (int32_t k = 0; k < K; ++k) order[static_cast<size_t>(k)] = k;
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return rem[static_cast<size_t>(a)] > rem[static_cast<size_t>(b)];
  });
  for (size_t j = 0; given < n && j < order.size(); ++j) {
    ++quota[static_cast<size_t>(order[j])];
    ++given;
  }
  Rng rng(seed);
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(n));
  for (int32_t k = 0; k < K; ++k) {
    std::vector<int64_t>& m = members[static_cast<size_t>(k)];
    rng.shuffle(m);
    out.insert(out.end(), m.begin(), m.begin() + quota[static_cast<size_t>(k)]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

ImageSet take(const ImageSet& set, const std::vector<int64_t>& idx) {
  ImageSet s;
  s.n = static_cast<int64_t>(idx.size());
  s.c = set.c;
  s.h = set.h;
  s.w = set.w;
  s.num_classes = set.num_classes;
  s.class_names = set.class_names;
  const int64_t sz = set.image_size();
  s.pixels.resize(static_cast<size_t>(s.n * sz));
  s.labels.resize(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) {
    const int64_t i = idx[j];
    MP_CHECK(i >= 0 && i < set.n, "take: index " << i << " outside a set of " << set.n);
    std::memcpy(s.image(static_cast<int64_t>(j)), set.image(i), static_cast<size_t>(sz));
    s.labels[j] = set.labels[static_cast<size_t>(i)];
  }
  return s;
}

std::vector<int32_t> take_labels(const std::vector<int32_t>& labels,
                                 const std::vector<int64_t>& idx) {
  std::vector<int32_t> out(idx.size());
  for (size_t j = 0; j < idx.size(); ++j) {
    MP_CHECK(idx[j] >= 0 && idx[j] < static_cast<int64_t>(labels.size()),
             "take_labels: index " << idx[j] << " outside " << labels.size() << " labels");
    out[j] = labels[static_cast<size_t>(idx[j])];
  }
  return out;
}

}  // namespace mp::data
