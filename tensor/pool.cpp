#include "tensor/pool.h"

#include <cstring>
#include <limits>

#include "tensor/check.h"
#include "tensor/parallel.h"

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

// One (image, channel) plane: x [H,W] -> y [OH,OW], idx [OH,OW].
void maxpool_plane(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.stride - g.pad;
    const int64_t ha = h0 < 0 ? 0 : h0, hb = h0 + g.K < g.H ? h0 + g.K : g.H;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.stride - g.pad;
      const int64_t wa = w0 < 0 ? 0 : w0, wb = w0 + g.K < g.W ? w0 + g.K : g.W;
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

// The study's CNN pools 2x2 / stride 2 / no padding: every window is inside the plane, so the
// four candidates are compared branch-free (select chains the compiler vectorises), in the same
// order and with the same rule as maxpool_plane: strict > keeps the first maximum, NaN wins.
inline void take(float v, int32_t i, float* m, int32_t* best) {
  const bool t = v > *m || (v != v && *m == *m);
  *m = t ? v : *m;
  *best = t ? i : *best;
}

void maxpool_plane_2x2(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  const int64_t W = g.W, OW = g.OW;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const float* r0 = x + 2 * oh * W;
    const float* r1 = r0 + W;
    float* yo = y + oh * OW;
    int32_t* io = idx + oh * OW;
    const int32_t base = static_cast<int32_t>(2 * oh * W);
#pragma omp simd
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int32_t i0 = base + static_cast<int32_t>(2 * ow);
      float m = r0[2 * ow];
      int32_t best = i0;
      take(r0[2 * ow + 1], i0 + 1, &m, &best);
      take(r1[2 * ow], i0 + static_cast<int32_t>(W), &m, &best);
      take(r1[2 * ow + 1], i0 + static_cast<int32_t>(W) + 1, &m, &best);
      yo[ow] = m;
      io[ow] = best;
    }
  }
}

void avgpool_plane(const float* x, const Pool2dGeom& g, float* y) {
  const float inv = 1.0f / static_cast<float>(g.K * g.K);
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.stride - g.pad;
    const int64_t ha = h0 < 0 ? 0 : h0, hb = h0 + g.K < g.H ? h0 + g.K : g.H;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.stride - g.pad;
      const int64_t wa = w0 < 0 ? 0 : w0, wb = w0 + g.K < g.W ? w0 + g.K : g.W;
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
    const int64_t h0 = oh * g.stride - g.pad;
    const int64_t ha = h0 < 0 ? 0 : h0, hb = h0 + g.K < g.H ? h0 + g.K : g.H;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.stride - g.pad;
      const int64_t wa = w0 < 0 ? 0 : w0, wb = w0 + g.K < g.W ? w0 + g.K : g.W;
      const float d = dy[oh * g.OW + ow] * inv;
      for (int64_t h = ha; h < hb; ++h)
        for (int64_t w = wa; w < wb; ++w) dx[h * g.W + w] += d;
    }
  }
}

}  // namespace

void maxpool2d_fwd(const float* x, const Pool2dGeom& g, float* y, int32_t* idx) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  parallel_for_stream(g.N * g.C, out * g.K * g.K, [&](int64_t p0, int64_t p1) {
    const bool k2 = g.K == 2 && g.stride == 2 && g.pad == 0;
    for (int64_t p = p0; p < p1; ++p) {
      if (k2)
        maxpool_plane_2x2(x + p * in, g, y + p * out, idx + p * out);
      else
        maxpool_plane(x + p * in, g, y + p * out, idx + p * out);
    }
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
