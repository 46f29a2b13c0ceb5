#pragma once
// Subsets of a dataset (smoke runs, probe fitting on part of the data): which indices to keep,
// and a copy of just those images.
#include <cstdint>
#include <vector>

#include "data/image_set.h"

namespace mp::data {

// 0, 1, ..., n-1 (n <= n_total): the first n samples in dataset order.
std::vector<int64_t> subset_first(int64_t n_total, int64_t n);

// n indices whose class proportions follow `labels`: class k gets floor(n * count_k / N) and
// the remaining slots go to the classes with the largest fractional parts (ties: lower class).
// Within a class the members are the first quota_k of an mp::Rng(seed) permutation of that
// class's indices (classes drawn in order 0..K-1 from one generator). Returned ascending, so a
// subset keeps dataset order.
std::vector<int64_t> subset_stratified(const std::vector<int32_t>& labels, int64_t n,
                                       uint32_t seed);

// Images and labels at idx (in that order), same geometry and class names.
ImageSet take(const ImageSet& set, const std::vector<int64_t>& idx);
// The same selection applied to a label array (e.g. corrupted labels).
std::vector<int32_t> take_labels(const std::vector<int32_t>& labels,
                                 const std::vector<int64_t>& idx);

}  // namespace mp::data
