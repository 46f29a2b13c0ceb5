#include "tensor/conv2d.h"

#include <cstring>
#include <vector>

#include "tensor/check.h"
#include "tensor/elementwise.h"
#include "tensor/gemm.h"
#include "tensor/parallel.h"
#include "tensor/vec.h"

namespace mp {

namespace {

void check_conv(const Conv2dGeom& g, int64_t N, int64_t OC, const char* who) {
  MP_CHECK(N >= 0 && OC >= 1, who << ": bad batch N=" << N << " or out channels OC=" << OC);
  MP_CHECK(g.OH >= 1 && g.OW >= 1 && g.C * g.KH * g.KW >= 1,
           who << ": geometry not from Conv2dGeom::make (OH=" << g.OH << " OW=" << g.OW << ")");
}

// Scratch buffers reused across calls on the same thread (OpenMP keeps its worker threads, so
// their thread_locals persist): steady-state training allocates nothing. Separate slots because
// one thread needs several buffers at once.
enum Slot { kCol, kDcol, kPartial, kSlots };
float* workspace(Slot slot, int64_t n) {
  thread_local std::vector<float> ws[kSlots];
  std::vector<float>& v = ws[slot];
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

}  // namespace

// One GEMM per image, images in parallel. Measured on the study's layers (bench_gemm and CPU-time
// runs): OpenBLAS runs these cache-resident shapes (OC x OH*OW x C*9, even 64 x 49 x 576) at
// 85-110 GFLOP/s on one core, while batching several images' im2col into one wider GEMM was no
// faster (the col matrix falls out of L2) and costs a scatter of the output. Each thread's
// sgemm runs single-threaded inside the OpenMP region, so threads split images, not GEMMs, which
// is what thin GEMMs (K = 9 or 27 for a first layer) need.
void conv2d_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* y) {
  check_conv(g, N, OC, "conv2d_fwd");
  const int64_t K = g.col_rows(), P = g.col_cols(), img = g.C * g.H * g.W;
  parallel_for(N, 2 * OC * K * P, [&](int64_t n0, int64_t n1) {
    float* col = workspace(kCol, K * P);
    for (int64_t n = n0; n < n1; ++n) {
      float* yn = y + n * OC * P;
      im2col(x + n * img, g, col);
      sgemm(false, false, OC, P, K, 1.0f, w, K, col, P, 0.0f, yn, P);
      if (b)
        for (int64_t oc = 0; oc < OC; ++oc) vec_add_scalar(P, b[oc], yn + oc * P);
    }
  });
}

// Backward: the batch is cut into a fixed number of chunks that depends only on N (never on
// the thread count); each chunk accumulates its own partial dw, and the partials are summed in
// chunk order. So dw is bit-identical run to run and for any number of threads.
void conv2d_bwd(const float* x, const float* w, const float* dy, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* dx, float* dw, float* db) {
  check_conv(g, N, OC, "conv2d_bwd");
  const int64_t K = g.col_rows(), P = g.col_cols(), img = g.C * g.H * g.W, WN = OC * K;
  constexpr int64_t kChunks = 8;  // >= the cores of any machine this runs on; partials are small
  const int64_t chunks = N < kChunks ? N : kChunks;
  if (chunks == 0) {
    std::memset(dw, 0, sizeof(float) * WN);
    if (db) std::memset(db, 0, sizeof(float) * OC);
    return;
  }
  // Chunk 0 accumulates straight into dw; chunks 1.. into partial slabs.
  float* partial = workspace(kPartial, (chunks - 1) * WN);
  const int64_t flops_per_image = (dx ? 4 : 2) * OC * K * P;
  parallel_for(chunks, (N / chunks) * flops_per_image, [&](int64_t c0, int64_t c1) {
    float* col = workspace(kCol, K * P);
    float* dcol = dx ? workspace(kDcol, K * P) : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      float* dwc = c == 0 ? dw : partial + (c - 1) * WN;
      float beta = 0.0f;  // the first GEMM of a chunk overwrites its slab
      for (int64_t n = N * c / chunks; n < N * (c + 1) / chunks; ++n) {
        const float* dyn = dy + n * OC * P;
        im2col(x + n * img, g, col);
        // dw_c += dy_n [OC, P] * col_n^T [P, K]
        sgemm(false, true, OC, K, P, 1.0f, dyn, P, col, P, beta, dwc, K);
        beta = 1.0f;
        if (!dx) continue;
        // dcol [K, P] = w^T [K, OC] * dy_n, folded back into the image
        sgemm(true, false, K, P, OC, 1.0f, w, K, dyn, P, 0.0f, dcol, P);
        float* dxn = dx + n * img;
        std::memset(dxn, 0, sizeof(float) * img);
        col2im(dcol, g, dxn);
      }
    }
  });
  // Fixed-order reduction of the partial slabs (parallel over elements, never over chunks).
  parallel_for(
      WN, chunks,
      [&](int64_t i0, int64_t i1) {
        for (int64_t c = 1; c < chunks; ++c) vec_acc(i1 - i0, partial + (c - 1) * WN + i0, dw + i0);
      },
      16);
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
