#pragma once
// Mini-batches for training and inference: uint8 images are normalised on the fly into one float
// buffer that is reused from batch to batch (no allocation in steady state), with both label
// arrays (true and training/corrupted) and the dataset index of every row.
#include <cstdint>
#include <vector>

#include "data/image_set.h"
#include "tensor/tensor.h"

namespace mp::data {

// x = (v/255 - mean[c]) / std[c], computed in float32 as torchvision's ToTensor + Normalize do.
// One value applies to every channel; otherwise one value per channel. The study's default
// (docs/method.md §3) is 0.5 / 0.5, mapping pixels to [-1, 1].
struct Normalization {
  std::vector<float> mean{0.5f}, std{0.5f};
};

// Writes `count` images starting at `begin` as normalised floats, CHW per image, into out
// (count * c*h*w floats).
// Shape contract: set images [n, C, H, W] uint8 -> out [count, C, H, W] float32.
void normalize_images(const ImageSet& set, int64_t begin, int64_t count, const Normalization& norm,
                      float* out);

struct Batch {
  Tensor x;  // [B, C, H, W]; storage reused by the next next() call while B is unchanged, so
             // clone() it if it must outlive the step
  std::vector<int32_t> y_true, y_train;
  std::vector<int64_t> index;  // dataset index of each row
  int64_t size() const { return static_cast<int64_t>(index.size()); }
};

// Iterates a set (or a subset of its indices) in batches. Order: the subset order (dataset
// order by default) every epoch, or with shuffle=true a permutation that is a pure function of
// (seed, epoch) - mp::Rng seeded with a mix of both - so resuming at epoch e replays the exact
// order of an uninterrupted run. The last batch may be smaller. The loader keeps a reference to
// `set`, which must outlive it; the label arrays are copied.
class Loader {
 public:
  Loader(const ImageSet& set, const std::vector<int32_t>& labels_true,
         const std::vector<int32_t>& labels_train, int64_t batch_size, bool shuffle, uint32_t seed,
         const Normalization& norm = {},
         const std::vector<int64_t>& subset = {});  // empty subset = the whole set

  void start_epoch(int64_t epoch);  // also called with 0 by the constructor
  bool next(Batch& b);              // false once the epoch is exhausted
  int64_t num_batches() const { return (num_samples() + batch_size_ - 1) / batch_size_; }
  int64_t num_samples() const { return static_cast<int64_t>(base_.size()); }
  int64_t batch_size() const { return batch_size_; }
  const std::vector<int64_t>& epoch_order() const { return order_; }

 private:
  const ImageSet& set_;
  std::vector<int32_t> labels_true_, labels_train_;
  int64_t batch_size_;
  bool shuffle_;
  uint32_t seed_;
  std::vector<float> lut_;  // [C][256]: normalised value of every byte, per channel
  std::vector<int64_t> base_, order_;
  int64_t pos_ = 0;
};

// The per-epoch shuffling seed: a fixed 64-bit mix (splitmix64) of seed and epoch.
uint32_t epoch_seed(uint32_t seed, int64_t epoch);

}  // namespace mp::data
