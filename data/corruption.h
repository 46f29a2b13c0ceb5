#pragma once
// Label corruption exactly as docs/method.md §2 and the reference code do it, so that the same
// seed gives bit-identical corrupted labels: with numpy's legacy stream (mp::Rng), draw all N
// uniforms first; sample i is selected when u_i <= p; then, for the selected samples in index
// order, draw a label uniformly from {0..K-1} (numpy choice(K, n_selected); it may equal the true
// label). Test labels are never corrupted. Both label arrays are kept by the caller.
#include <cstdint>
#include <vector>

namespace mp::data {

enum class CorruptionMode {
  Random,   // the reference's: a fresh uniform label for every selected sample
  Shuffle,  // the selected samples' own labels permuted among themselves (class counts kept)
};

struct Corruption {
  std::vector<int32_t> labels;    // the corrupted training labels
  std::vector<uint8_t> selected;  // 1 where the sample was selected (its label was redrawn)
  int64_t n_selected = 0;
  int64_t n_changed = 0;  // selected samples whose label actually differs from the true one
};

// p must lie in [0, 1]; true labels in [0, num_classes). Shuffle uses the same selection draw,
// then mp::Rng::shuffle (numpy's legacy shuffle) on the selected samples' labels in index order.
Corruption corrupt_labels(const std::vector<int32_t>& true_labels, int num_classes, double p,
                          uint32_t seed, CorruptionMode mode = CorruptionMode::Random);

}  // namespace mp::data
