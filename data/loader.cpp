#include "data/loader.h"

#include <algorithm>
#include <numeric>

#include "tensor/check.h"
#include "tensor/rng.h"

namespace mp::data {

namespace {

// lut[c*256 + v]: the normalised value of byte v in channel c, computed once with the same
// float operations as the direct formula, so a table lookup equals (v/255.f - m) / s exactly.
std::vector<float> make_lut(const Normalization& norm, int channels) {
  const size_t nm = norm.mean.size(), ns = norm.std.size();
  MP_CHECK((nm == 1 || nm == size_t(channels)) && (ns == 1 || ns == size_t(channels)),
           "normalisation has " << nm << " mean(s) and " << ns << " std(s) for " << channels
                                << "-channel images (give 1 or " << channels << " of each)");
  std::vector<float> lut(static_cast<size_t>(channels) * 256);
  for (int c = 0; c < channels; ++c) {
    const float m = norm.mean[nm == 1 ? 0 : size_t(c)];
    const float s = norm.std[ns == 1 ? 0 : size_t(c)];
    MP_CHECK(s > 0.0f, "normalisation std of channel " << c << " must be positive, got " << s);
    for (int v = 0; v < 256; ++v)
      lut[size_t(c) * 256 + size_t(v)] = (static_cast<float>(v) / 255.0f - m) / s;
  }
  return lut;
}

// Shape contract: img [C, plane] uint8 -> out [C, plane] float32 through the per-channel table.
void normalize_one(const uint8_t* img, int channels, int64_t plane, const float* lut, float* out) {
  for (int c = 0; c < channels; ++c) {
    const float* t = lut + c * 256;
    const uint8_t* p = img + c * plane;
    float* o = out + c * plane;
    for (int64_t j = 0; j < plane; ++j) o[j] = t[p[j]];
  }
}

}  // namespace

void normalize_images(const ImageSet& set, int64_t begin, int64_t count, const Normalization& norm,
                      float* out) {
  MP_CHECK(begin >= 0 && count >= 0 && begin + count <= set.n,
           "normalize_images: images [" << begin << ", " << begin + count << ") outside a set of "
                                        << set.n);
  const std::vector<float> lut = make_lut(norm, set.c);
  const int64_t plane = static_cast<int64_t>(set.h) * set.w, sz = set.image_size();
  for (int64_t i = 0; i < count; ++i)
    normalize_one(set.image(begin + i), set.c, plane, lut.data(), out + i * sz);
}

uint32_t epoch_seed(uint32_t seed, int64_t epoch) {
  uint64_t z = (uint64_t(seed) << 32) ^ uint64_t(epoch) ^ 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z ^ (z >> 32));
}

Loader::Loader(const ImageSet& set, const std::vector<int32_t>& labels_true,
               const std::vector<int32_t>& labels_train, int64_t batch_size, bool shuffle,
               uint32_t seed, const Normalization& norm, const std::vector<int64_t>& subset)
    : set_(set),
      labels_true_(labels_true),
      labels_train_(labels_train),
      batch_size_(batch_size),
      shuffle_(shuffle),
      seed_(seed),
      lut_(make_lut(norm, set.c)) {
  MP_CHECK(batch_size > 0, "batch size must be positive, got " << batch_size);
  MP_CHECK(static_cast<int64_t>(labels_true.size()) == set.n &&
               static_cast<int64_t>(labels_train.size()) == set.n,
           "loader: " << set.n << " images but " << labels_true.size() << " true and "
                      << labels_train.size() << " training labels");
  MP_CHECK(static_cast<int64_t>(set.pixels.size()) == set.n * set.image_size(),
           "loader: image buffer holds " << set.pixels.size() << " bytes, expected "
                                         << set.n * set.image_size());
  if (subset.empty()) {
    base_.resize(static_cast<size_t>(set.n));
    std::iota(base_.begin(), base_.end(), int64_t(0));
  } else {
    for (int64_t i : subset)
      MP_CHECK(i >= 0 && i < set.n, "loader: subset index " << i << " outside a set of " << set.n);
    base_ = subset;
  }
  start_epoch(0);
}

void Loader::start_epoch(int64_t epoch) {
  MP_CHECK(epoch >= 0, "epoch must be non-negative, got " << epoch);
  order_ = base_;
  if (shuffle_) {
    Rng rng(epoch_seed(seed_, epoch));
    rng.shuffle(order_);
  }
  pos_ = 0;
}

bool Loader::next(Batch& b) {
  const int64_t n = num_samples();
  if (pos_ >= n) return false;
  const int64_t B = std::min(batch_size_, n - pos_);
  const Shape want{B, set_.c, set_.h, set_.w};
  // Reuse the caller's buffer when it already has this shape (every full batch of an epoch).
  if (!b.x.defined() || b.x.shape() != want || !b.x.is_contiguous()) b.x = Tensor::empty(want);
  b.y_true.resize(static_cast<size_t>(B));
  b.y_train.resize(static_cast<size_t>(B));
  b.index.resize(static_cast<size_t>(B));
  const int64_t plane = static_cast<int64_t>(set_.h) * set_.w, sz = set_.image_size();
  float* x = b.x.data();
  for (int64_t r = 0; r < B; ++r) {
    const int64_t i = order_[static_cast<size_t>(pos_ + r)];
    normalize_one(set_.image(i), set_.c, plane, lut_.data(), x + r * sz);
    b.y_true[static_cast<size_t>(r)] = labels_true_[static_cast<size_t>(i)];
    b.y_train[static_cast<size_t>(r)] = labels_train_[static_cast<size_t>(i)];
    b.index[static_cast<size_t>(r)] = i;
  }
  pos_ += B;
  return true;
}

}  // namespace mp::data
