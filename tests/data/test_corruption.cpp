#include <catch2/catch.hpp>

#include <cmath>
#include "data/corruption.h"

#include "tensor/check.h"

using namespace mp;

// Expected values produced with Debian's numpy 1.24.2 (the reference's RNG):
//   np.random.seed(s); sel = np.random.rand(30) <= p; new = np.random.choice(10, sel.sum())
//   out = labels.copy(); out[sel] = new
// and for the shuffle mode: pool = labels[sel]; np.random.shuffle(pool); out[sel] = pool.
static const std::vector<int32_t> kLabels = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9,
                                             3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7};

TEST_CASE("corrupt_labels equals numpy's legacy stream (seed 42, p 0.5)", "[data][corruption]") {
  const data::Corruption c = data::corrupt_labels(kLabels, 10, 0.5, 42);
  CHECK(c.labels == std::vector<int32_t>({2, 1, 4, 1, 6, 4, 8, 6, 5, 3, 6, 8, 9, 1, 3,
                                          8, 1, 3, 9, 8, 6, 9, 4, 1, 3, 3, 6, 3, 2, 7}));
  CHECK(c.selected == std::vector<uint8_t>({1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1,
                                            1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1}));
  CHECK(c.n_selected == 17);
  CHECK(c.n_changed == 15);
}

TEST_CASE("corrupt_labels equals numpy for other seeds and levels", "[data][corruption]") {
  data::Corruption c = data::corrupt_labels(kLabels, 10, 0.2, 7);
  CHECK(c.labels == std::vector<int32_t>({6, 1, 4, 1, 5, 9, 2, 7, 5, 3, 5, 8, 9, 7, 9,
                                          3, 2, 3, 8, 9, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7}));
  CHECK(c.n_selected == 5);
  CHECK(c.n_changed == 3);
  c = data::corrupt_labels(kLabels, 10, 0.8, 123);
  CHECK(c.labels == std::vector<int32_t>({5, 0, 2, 6, 2, 4, 2, 4, 6, 3, 0, 6, 4, 7, 6,
                                          7, 1, 5, 7, 9, 2, 2, 4, 8, 1, 2, 1, 1, 3, 5}));
  CHECK(c.n_selected == 28);
  CHECK(c.n_changed == 26);
  c = data::corrupt_labels(kLabels, 10, 1.0, 42);
  CHECK(c.labels == std::vector<int32_t>({2, 6, 4, 8, 6, 1, 3, 8, 1, 9, 8, 9, 4, 1, 3,
                                          6, 7, 2, 0, 3, 1, 7, 3, 1, 5, 5, 9, 3, 5, 1}));
  CHECK(c.n_selected == 30);
  CHECK(c.n_changed == 28);
  c = data::corrupt_labels(kLabels, 10, 0.0, 42);
  CHECK(c.labels == kLabels);
  CHECK(c.n_selected == 0);
}

TEST_CASE("corrupt_labels shuffle mode equals numpy's shuffle of the selected labels",
          "[data][corruption]") {
  data::Corruption c = data::corrupt_labels(kLabels, 10, 0.5, 42, data::CorruptionMode::Shuffle);
  CHECK(c.labels == std::vector<int32_t>({3, 1, 4, 1, 7, 9, 4, 6, 5, 3, 2, 8, 9, 3, 8,
                                          8, 4, 3, 6, 3, 6, 2, 5, 7, 2, 3, 5, 3, 2, 9}));
  CHECK(c.n_selected == 17);
  CHECK(c.n_changed == 14);
  c = data::corrupt_labels(kLabels, 10, 0.7, 5, data::CorruptionMode::Shuffle);
  CHECK(c.labels == std::vector<int32_t>({3, 1, 5, 1, 5, 2, 2, 3, 7, 3, 9, 8, 6, 3, 9,
                                          4, 9, 4, 2, 8, 3, 6, 5, 6, 4, 8, 3, 3, 2, 7}));
  CHECK(c.n_changed == 19);
  // Shuffling keeps the class histogram.
  std::vector<int> before(10), after(10);
  for (size_t i = 0; i < kLabels.size(); ++i) {
    ++before[static_cast<size_t>(kLabels[i])];
    ++after[static_cast<size_t>(c.labels[i])];
  }
  CHECK(before == after);
}

TEST_CASE("corrupt_labels rejects p outside 0..1 and bad labels", "[data][corruption]") {
  CHECK_THROWS_WITH(data::corrupt_labels(kLabels, 10, -0.1, 1), Catch::Contains("[0, 1]"));
  CHECK_THROWS_WITH(data::corrupt_labels(kLabels, 10, 1.5, 1), Catch::Contains("1.5"));
  CHECK_THROWS_AS(data::corrupt_labels(kLabels, 10, std::nan(""), 1), mp::Error);
  CHECK_THROWS_WITH(data::corrupt_labels(kLabels, 9, 0.5, 1), Catch::Contains("true label 9"));
}
