#include "tensor/conv2d.h"

#include <cstring>
#include <vector>

#include "tensor/check.h"
#include "tensor/elementwise.h"
#include "tensor/gemm.h"

namespace mp {

namespace {

void check_conv(const Conv2dGeom& g, int64_t N, int64_t OC, const char* who) {
  MP_CHECK(N >= 0 && OC >= 1, who << ": bad batch N=" << N << " or out channels OC=" << OC);
}

// Scratch buffer reused across calls on the same thread: steady-state training allocates nothing.
float* workspace(size_t n) {
  thread_local std::vector<float> ws;
  if (ws.size() < n) ws.resize(n);
  return ws.data();
}

}  // namespace

void conv2d_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* y) {
  check_conv(g, N, OC, "conv2d_fwd");
  const int64_t K = g.col_rows(), P = g.col_cols();
  float* col = workspace(static_cast<size_t>(K * P));
  for (int64_t n = 0; n < N; ++n) {
    im2col(x + n * g.C * g.H * g.W, g, col);
    sgemm(false, false, OC, P, K, 1.0f, w, K, col, P, 0.0f, y + n * OC * P, P);
  }
  if (b) bias_add_channels(y, b, N, OC, P);
}

void conv2d_bwd(const float* x, const float* w, const float* dy, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* dx, float* dw, float* db) {
  check_conv(g, N, OC, "conv2d_bwd");
  const int64_t K = g.col_rows(), P = g.col_cols(), img = g.C * g.H * g.W;
  float* col = workspace(static_cast<size_t>(K * P));
  std::memset(dw, 0, sizeof(float) * OC * K);
  if (dx) std::memset(dx, 0, sizeof(float) * N * img);
  for (int64_t n = 0; n < N; ++n) {
    const float* dyn = dy + n * OC * P;
    im2col(x + n * img, g, col);
    sgemm(false, true, OC, K, P, 1.0f, dyn, P, col, P, 1.0f, dw, K);  // dw += dy_n col_n^T
    if (dx) {
      sgemm(true, false, K, P, OC, 1.0f, w, K, dyn, P, 0.0f, col, P);  // dcol = w^T dy_n
      col2im(col, g, dx + n * img);
    }
  }
  if (db) sum_channels(dy, N, OC, P, db);
}

// ---- reference twins: direct loops, double accumulation ----

void conv2d_fwd_ref(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                    int64_t OC, float* y) {
  check_conv(g, N, OC, "conv2d_fwd_ref");
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < OC; ++oc)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double acc = b ? b[oc] : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                acc += static_cast<double>(x[((n * g.C + c) * g.H + ih) * g.W + iw]) *
                       w[((oc * g.C + c) * g.KH + kh) * g.KW + kw];
              }
          y[((n * OC + oc) * g.OH + oh) * g.OW + ow] = static_cast<float>(acc);
        }
}

void conv2d_bwd_ref(const float* x, const float* w, const float* dy, int64_t N, const Conv2dGeom& g,
                    int64_t OC, float* dx, float* dw, float* db) {
  check_conv(g, N, OC, "conv2d_bwd_ref");
  const int64_t img = g.C * g.H * g.W, wn = OC * g.C * g.KH * g.KW;
  std::vector<double> dxa(dx ? static_cast<size_t>(N * img) : 0, 0.0);
  std::vector<double> dwa(static_cast<size_t>(wn), 0.0), dba(static_cast<size_t>(OC), 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < OC; ++oc)
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const double d = dy[((n * OC + oc) * g.OH + oh) * g.OW + ow];
          dba[static_cast<size_t>(oc)] += d;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t kh = 0; kh < g.KH; ++kh)
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                const int64_t xi = ((n * g.C + c) * g.H + ih) * g.W + iw;
                const int64_t wi = ((oc * g.C + c) * g.KH + kh) * g.KW + kw;
                dwa[static_cast<size_t>(wi)] += d * x[xi];
                if (dx) dxa[static_cast<size_t>(xi)] += d * w[wi];
              }
        }
  for (int64_t i = 0; i < wn; ++i) dw[i] = static_cast<float>(dwa[static_cast<size_t>(i)]);
  if (dx)
    for (int64_t i = 0; i < N * img; ++i) dx[i] = static_cast<float>(dxa[static_cast<size_t>(i)]);
  if (db)
    for (int64_t i = 0; i < OC; ++i) db[i] = static_cast<float>(dba[static_cast<size_t>(i)]);
}

}  // namespace mp
