#include "tensor/pool.h"

#include <cstring>
#include <limits>
#include <vector>

#include "tensor/check.h"
#include "tensor/parallel.h"
#include "tensor/v16.h"

namespace mp {

Pool2dGeom Pool2dGeom::make(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t stride,
                            int64_t pad) {
  MP_CHECK(N >= 0 && C >= 1 && H >= 1 && W >= 1 && K >= 1,
           "Pool2dGeom: bad sizes N=" << N << " C=" << C << " H=" << H << " W=" << W << " K=" << K);
  MP_CHECK(stride >= 1 && pad >= 0 && 2 * pad <= K,
           "Pool2dGeom: stride=" << stride << " pad=" << pad << " for window " << K
                                 << " (need stride >= 1, 0 <= pad <= K/2)");
  MP_CHECK(H + 2 * pad >= K && W + 2 * pad >= K, "Pool2dGeom: window "
                                                     << K << " larger than the padded input "
                                                     << H + 2 * pad << "x" << W + 2 * pad);
  MP_CHECK(H * W < (int64_t(1) << 31), "Pool2dGeom: plane too large for int32 indices");
  Pool2dGeom g{N, C, H, W, K, stride, pad, 0, 0};
  g.OH = (H + 2 * pad - K) / stride + 1;
  g.OW = (W + 2 * pad - K) / stride + 1;
  return g;
}

namespace {

// The input rows (or columns) [begin, end) under output position `o`'s window: it starts at
// o * stride - pad and is clipped to the n input cells (padding cells are never read).
struct Span {
  int64_t begin, end;
};
inline Span window(int64_t o, const Pool2dGeom& g, int64_t n) {
  const int64_t start = o * g.stride - g.pad;
  return {start < 0 ? 0 : start, start + g.K < n ? start + g.K : n};
}

// One (image, channel) plane: x [H,W] -> y [OH,OW], idx [OH,OW].
void maxpool_plane(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const auto [ha, hb] = window(oh, g, g.H);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const auto [wa, wb] = window(ow, g, g.W);
      float m = -std::numeric_limits<float>::infinity();
      int64_t best = ha * g.W + wa;
      for (int64_t h = ha; h < hb; ++h)
        for (int64_t w = wa; w < wb; ++w) {
          const float v = x[h * g.W + w];
          if (v > m || (v != v && m == m)) {  // strict >: first maximum wins; NaN propagates
            m = v;
            best = h * g.W + w;
          }
        }
      y[oh * g.OW + ow] = m;
      idx[oh * g.OW + ow] = static_cast<int32_t>(best);
    }
  }
}

// The study's CNN pools 2x2 / stride 2 / no padding: every window is inside the plane. The
// candidates are compared with the rule of maxpool_plane (strict > keeps the first maximum in
// row-major window order, the first NaN wins), as a pairwise tournament: (a, b) on the top row,
// (c, d) on the bottom, then the bottom winner against the top one. For this rule that equals
// the sequential scan a, b, c, d: a pair's winner is its first maximum or first NaN, and the
// bottom pair only wins by being strictly greater, or NaN against a non-NaN.
//
// Vectorised in two passes over the plane because the rows are short (14 outputs at 28x28,
// 7 at 14x14): per-row loops fell to the compiler's scalar remainder code, whose branches
// mispredict on ReLU output (ties at zero everywhere). Measured in a cnn-mnist training step:
// 1.3 ms for the first pooling layer before, 0.33 ms after (all three: 3.0 -> 1.0 ms).
using namespace simd;

// Lanes where the later candidate replaces the earlier one (the scalar rule, lane-wise).
inline v16i later_wins(v16 later, v16 earlier) {
  return (later > earlier) | ((later != later) & (earlier == earlier));
}

inline void take(float v, int32_t i, float* m, int32_t* best) {
  if (v > *m || (v != v && *m == *m)) {
    *m = v;
    *best = i;
  }
}

// The plane's used part (2*OH rows of 2*OW columns) as one flat array, so the horizontal pairs
// never straddle two rows: pass 1 takes pair k = x[2k], x[2k+1] (indices 2k, 2k+1 of the
// compact plane); pass 2 combines pair rows 2*oh and 2*oh+1. An odd W (the last column is never
// in a window) is first copied into the compact `xc`, and its indices mapped back at the end.
// Scratch: xc 4*OH*OW floats (odd W only), hm / hi 2*OH*OW + 16 (pass 2 reads a whole vector
// at the end of the last pair row).
void maxpool_plane_2x2(const float* x, const Pool2dGeom& g, float* y, int32_t* idx, float* xc,
                       float* hm, int32_t* hi) {
  const int64_t OW = g.OW, W2 = 2 * OW, pairs = g.OH * W2;
  if (g.W != W2) {
    for (int64_t r = 0; r < 2 * g.OH; ++r)
      std::memcpy(xc + r * W2, x + r * g.W, sizeof(float) * static_cast<size_t>(W2));
    x = xc;
  }
  const v16i lane2 = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
  const v16i one = lane2 * 0 + 1;
  int64_t k = 0;
  for (; k + kL <= pairs; k += kL) {
    const v16 lo = load16(x + 2 * k), hi16 = load16(x + 2 * k + kL);
    const v16 e = shuffle2<0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30>(lo, hi16);
    const v16 o = shuffle2<1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31>(lo, hi16);
    const v16i t = later_wins(o, e);
    const v16 m = t ? o : e;
    const v16i i = lane2 + static_cast<int32_t>(2 * k) + (t & one);
    std::memcpy(hm + k, &m, sizeof m);
    std::memcpy(hi + k, &i, sizeof i);
  }
  for (; k < pairs; ++k) {
    float m = x[2 * k];
    int32_t i = static_cast<int32_t>(2 * k);
    take(x[2 * k + 1], i + 1, &m, &i);
    hm[k] = m;
    hi[k] = i;
  }
  for (int64_t j = pairs; j < pairs + kL; ++j) {  // defined values for pass 2's overreads
    hm[j] = 0.0f;
    hi[j] = 0;
  }
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float* tm = hm + 2 * oh * OW;
    const int32_t* ti = hi + 2 * oh * OW;
    for (int64_t ow = 0; ow < OW; ow += kL) {
      const v16 a = load16(tm + ow), b = load16(tm + OW + ow);
      const v16i t = later_wins(b, a);
      const v16 m = t ? b : a;
      const v16i i = t ? load16i(ti + OW + ow) : load16i(ti + ow);
      const size_t n = static_cast<size_t>(OW - ow < kL ? OW - ow : kL);
      std::memcpy(y + oh * OW + ow, &m, n * sizeof(float));
      std::memcpy(idx + oh * OW + ow, &i, n * sizeof(int32_t));
    }
  }
  if (g.W != W2) {  // compact index r*W2 + c -> plane index r*W + c
    for (int64_t o = 0; o < g.OH * OW; ++o)
      idx[o] += static_cast<int32_t>(idx[o] / W2 * (g.W - W2));
  }
}

void avgpool_plane(const float* x, const Pool2dGeom& g, float* y) {
  const float inv = 1.0f / static_cast<float>(g.K * g.K);
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const auto [ha, hb] = window(oh, g, g.H);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const auto [wa, wb] = window(ow, g, g.W);
      float s = 0.0f;
      for (int64_t h = ha; h < hb; ++h)
        for (int64_t w = wa; w < wb; ++w) s += x[h * g.W + w];
      y[oh * g.OW + ow] = s * inv;
    }
  }
}

void avgpool_plane_bwd(const float* dy, const Pool2dGeom& g, float* dx) {
  const float inv = 1.0f / static_cast<float>(g.K * g.K);
  std::memset(dx, 0, sizeof(float) * g.H * g.W);
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const auto [ha, hb] = window(oh, g, g.H);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const auto [wa, wb] = window(ow, g, g.W);
      const float d = dy[oh * g.OW + ow] * inv;
      for (int64_t h = ha; h < hb; ++h)
        for (int64_t w = wa; w < wb; ++w) dx[h * g.W + w] += d;
    }
  }
}

}  // namespace

void maxpool2d_fwd(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  const bool k2 = g.K == 2 && g.stride == 2 && g.pad == 0;
  parallel_for_stream(g.N * g.C, out * g.K * g.K, [&](int64_t p0, int64_t p1) {
    if (!k2) {
      for (int64_t p = p0; p < p1; ++p) maxpool_plane(x + p * in, g, y + p * out, idx + p * out);
      return;
    }
    // Per-thread scratch reused across calls: a training step allocates nothing here.
    thread_local std::vector<float> xc, hm;
    thread_local std::vector<int32_t> hi;
    const size_t pairs = static_cast<size_t>(2 * g.OH * g.OW);
    if (hm.size() < pairs + kL) {
      xc.resize(2 * pairs);
      hm.resize(pairs + kL);
      hi.resize(pairs + kL);
    }
    for (int64_t p = p0; p < p1; ++p)
      maxpool_plane_2x2(x + p * in, g, y + p * out, idx + p * out, xc.data(), hm.data(), hi.data());
  });
}

void maxpool2d_bwd(const float* dy, const int32_t* idx, const Pool2dGeom& g, float* dx) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  parallel_for_stream(g.N * g.C, in + out, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      float* d = dx + p * in;
      std::memset(d, 0, sizeof(float) * in);
      for (int64_t o = 0; o < out; ++o) d[idx[p * out + o]] += dy[p * out + o];
    }
  });
}

void avgpool2d_fwd(const float* x, const Pool2dGeom& g, float* y) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  parallel_for_stream(g.N * g.C, out * g.K * g.K, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) avgpool_plane(x + p * in, g, y + p * out);
  });
}

void avgpool2d_bwd(const float* dy, const Pool2dGeom& g, float* dx) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  parallel_for_stream(g.N * g.C, in + out * g.K * g.K, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) avgpool_plane_bwd(dy + p * out, g, dx + p * in);
  });
}

void global_avgpool_fwd(const float* x, int64_t N, int64_t C, int64_t HW, float* y) {
  MP_CHECK(HW >= 1, "global_avgpool_fwd: empty plane");
  parallel_for_stream(N * C, HW, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      double s = 0.0;
      const float* xp = x + p * HW;
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < HW; ++i) s += xp[i];
      y[p] = static_cast<float>(s / static_cast<double>(HW));
    }
  });
}

void global_avgpool_bwd(const float* dy, int64_t N, int64_t C, int64_t HW, float* dx) {
  MP_CHECK(HW >= 1, "global_avgpool_bwd: empty plane");
  const float inv = 1.0f / static_cast<float>(HW);
  parallel_for_stream(N * C, HW, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const float v = dy[p] * inv;
      for (int64_t i = 0; i < HW; ++i) dx[p * HW + i] = v;
    }
  });
}

// ---- reference twins: the window written out in full, padding skipped per tap ----

void maxpool2d_fwd_ref(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        float m = 0.0f;
        int64_t best = -1;
        for (int64_t kh = 0; kh < g.K; ++kh)
          for (int64_t kw = 0; kw < g.K; ++kw) {
            const int64_t h = oh * g.stride - g.pad + kh, w = ow * g.stride - g.pad + kw;
            if (h < 0 || h >= g.H || w < 0 || w >= g.W) continue;
            const float v = x[p * g.H * g.W + h * g.W + w];
            if (best < 0 || v > m || (v != v && m == m)) {
              m = v;
              best = h * g.W + w;
            }
          }
        y[p * g.OH * g.OW + oh * g.OW + ow] = m;
        idx[p * g.OH * g.OW + oh * g.OW + ow] = static_cast<int32_t>(best);
      }
}

void maxpool2d_bwd_ref(const float* dy, const int32_t* idx, const Pool2dGeom& g, float* dx) {
  for (int64_t i = 0; i < g.N * g.C * g.H * g.W; ++i) dx[i] = 0.0f;
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t o = 0; o < g.OH * g.OW; ++o)
      dx[p * g.H * g.W + idx[p * g.OH * g.OW + o]] += dy[p * g.OH * g.OW + o];
}

void avgpool2d_fwd_ref(const float* x, const Pool2dGeom& g, float* y) {
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        double s = 0.0;
        for (int64_t kh = 0; kh < g.K; ++kh)
          for (int64_t kw = 0; kw < g.K; ++kw) {
            const int64_t h = oh * g.stride - g.pad + kh, w = ow * g.stride - g.pad + kw;
            if (h >= 0 && h < g.H && w >= 0 && w < g.W) s += x[p * g.H * g.W + h * g.W + w];
          }
        y[p * g.OH * g.OW + oh * g.OW + ow] = static_cast<float>(s / (g.K * g.K));
      }
}

void avgpool2d_bwd_ref(const float* dy, const Pool2dGeom& g, float* dx) {
  for (int64_t i = 0; i < g.N * g.C * g.H * g.W; ++i) dx[i] = 0.0f;
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t kh = 0; kh < g.K; ++kh)
          for (int64_t kw = 0; kw < g.K; ++kw) {
            const int64_t h = oh * g.stride - g.pad + kh, w = ow * g.stride - g.pad + kw;
            if (h >= 0 && h < g.H && w >= 0 && w < g.W)
              dx[p * g.H * g.W + h * g.W + w] +=
                  static_cast<float>(dy[p * g.OH * g.OW + oh * g.OW + ow] / double(g.K * g.K));
          }
}

void global_avgpool_fwd_ref(const float* x, int64_t N, int64_t C, int64_t HW, float* y) {
  for (int64_t p = 0; p < N * C; ++p) {
    double s = 0.0;
    for (int64_t i = 0; i < HW; ++i) s += x[p * HW + i];
    y[p] = static_cast<float>(s / static_cast<double>(HW));
  }
}

void global_avgpool_bwd_ref(const float* dy, int64_t N, int64_t C, int64_t HW, float* dx) {
  for (int64_t p = 0; p < N * C; ++p)
    for (int64_t i = 0; i < HW; ++i) dx[p * HW + i] = dy[p] / static_cast<float>(HW);
}

}  // namespace mp
