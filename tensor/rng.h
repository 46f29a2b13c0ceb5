#pragma once
// Seeded random generator: a Mersenne Twister (std::mt19937, 32-bit) whose derived draws follow
// numpy's legacy RandomState exactly where the study needs it (docs/method.md §2), so that a run
// is a pure function of its seed and memprobe's corrupted labels equal the reference code's bit for
// bit. Not thread-safe: one generator per consumer.
#include <cstdint>
#include <random>
#include <vector>

namespace mp {

class Rng {
 public:
  explicit Rng(uint32_t seed = 42) : g_(seed) {}

  uint32_t next_u32() { return static_cast<uint32_t>(g_()); }
  // numpy legacy random_sample(): 53-bit double in [0, 1) from two 32-bit draws.
  double uniform_double();
  // numpy legacy randint(0, n) / choice(n) for one value: masked rejection sampling
  // (v = next & mask, mask = next power of two minus one, redraw while v >= n). n >= 1.
  uint32_t randint(uint32_t n);
  // numpy legacy shuffle/permutation: Fisher-Yates from the end, j = randint(i + 1).
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      size_t j = randint(static_cast<uint32_t>(i));
      std::swap(v[i - 1], v[j]);
    }
  }
  std::vector<int64_t> permutation(int64_t n);
  // float in [lo, hi): for initialisation and synthetic data.
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(uniform_double());
  }
  // Standard normal by Box-Muller on uniform_double() (deterministic across platforms, unlike
  // std::normal_distribution whose algorithm is implementation-defined).
  double normal();

  std::mt19937& engine() { return g_; }

 private:
  std::mt19937 g_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace mp
