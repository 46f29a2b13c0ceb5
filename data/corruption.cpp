#include "data/corruption.h"

#include "tensor/check.h"
#include "tensor/rng.h"

namespace mp::data {

Corruption corrupt_labels(const std::vector<int32_t>& true_labels, int num_classes, double p,
                          uint32_t seed, CorruptionMode mode) {
  MP_CHECK(p >= 0.0 && p <= 1.0, "label corruption level p must lie in [0, 1], got " << p);
  MP_CHECK(num_classes > 0, "label corruption: num_classes must be positive, got " << num_classes);
  const size_t n = true_labels.size();
  for (size_t i = 0; i < n; ++i)
    MP_CHECK(true_labels[i] >= 0 && true_labels[i] < num_classes,
             "label corruption: true label " << true_labels[i] << " at " << i << " is outside [0, "
                                             << num_classes << ")");
  Corruption c;
  c.labels = true_labels;
  c.selected.assign(n, 0);
  Rng rng(seed);
  // All N uniforms come first (numpy: rand(N) <= p), only then the new labels.
  std::vector<size_t> chosen;
  for (size_t i = 0; i < n; ++i) {
    if (rng.uniform_double() <= p) {
      c.selected[i] = 1;
      chosen.push_back(i);
    }
  }
  c.n_selected = static_cast<int64_t>(chosen.size());
  if (mode == CorruptionMode::Random) {
    // numpy choice(K, m): m independent randint(K) draws, assigned in index order.
    for (size_t i : chosen) c.labels[i] = static_cast<int32_t>(rng.randint(uint32_t(num_classes)));
  } else {
    std::vector<int32_t> pool;
    pool.reserve(chosen.size());
    for (size_t i : chosen) pool.push_back(true_labels[i]);
    rng.shuffle(pool);
    for (size_t k = 0; k < chosen.size(); ++k) c.labels[chosen[k]] = pool[k];
  }
  for (size_t i : chosen) c.n_changed += c.labels[i] != true_labels[i];
  return c;
}

}  // namespace mp::data
