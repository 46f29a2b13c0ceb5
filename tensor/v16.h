#pragma once
// Sixteen-lane float vectors for the hand-tiled kernels (conv3x3, thin GEMM, max-pool), written
// with GCC's vector extensions: one zmm register with AVX-512, split by the compiler on
// narrower vector units, so the kernels stay portable C++ without intrinsics. Loads and stores
// go through memcpy (no alignment or aliasing assumptions; compiled to plain vector moves).
#include <cstdint>
#include <cstring>

namespace mp::simd {

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));
constexpr int kL = 16;

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline v16i load16i(const int32_t* p) {
  v16i v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, v16 v) {
  std::memcpy(p, &v, sizeof v);
}
// s in every lane. Written as a plain broadcast so that a scalar loaded from memory becomes one
// `vbroadcastss mem, zmm` (a load-port op). The earlier `v16{} + s` made GCC emit a scalar add
// plus a register broadcast per weight, two extra FP-pipe ops next to every 3 FMAs in the
// convolution tiles (and it turned -0.0 into +0.0).
inline v16 splat(float s) {
  return v16{s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s};
}

// Lanes of the 32-lane concatenation (a, b) picked by the constant indices I (16 of them, each
// < 32): GCC's __builtin_shuffle or clang's __builtin_shufflevector (the fuzz build is clang).
template <int... I>
inline v16 shuffle2(v16 a, v16 b) {
  static_assert(sizeof...(I) == kL, "shuffle2 takes 16 lane indices");
#if defined(__clang__)
  return __builtin_shufflevector(a, b, I...);
#else
  return __builtin_shuffle(a, b, v16i{I...});
#endif
}

}  // namespace mp::simd
