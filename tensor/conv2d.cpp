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

// Output rows per band: the band's col matrix (K x rows*OW floats) should stay in L2 next to
// its dcol twin in backward (~128 KB each), but keep >= 128 columns so the GEMM stays efficient.
// Measured: a 28x28 plane with K = 144 runs its GEMM at ~110 GFLOP/s in 224-column bands vs ~75
// as one 784-column GEMM whose col matrix no longer fits in L2 beside dcol.
int64_t band_rows(const Conv2dGeom& g) {
  constexpr int64_t kBandFloats = 32768, kMinCols = 128;
  int64_t rows = kBandFloats / (g.col_rows() * g.OW);
  const int64_t min_rows = (kMinCols + g.OW - 1) / g.OW;
  if (rows < min_rows) rows = min_rows;
  return rows < g.OH ? rows : g.OH;
}

// Number of batch chunks with their own partial dw in backward. A function of the shapes only,
// never of the thread count, so dw does not depend on it. Up to 8 (more than the cores of the
// machines this targets), but the partial slabs are capped near 8 MB: a ResNet stage-4 weight
// (512 x 4608 floats) would otherwise spend more time summing 7 slabs than in its GEMMs.
int64_t dw_chunks(int64_t N, int64_t WN) {
  constexpr int64_t kMaxChunks = 8, kMaxPartialFloats = int64_t(1) << 21;
  int64_t c = 1 + kMaxPartialFloats / (WN > 0 ? WN : 1);
  if (c < 2) c = 2;
  if (c > kMaxChunks) c = kMaxChunks;
  return N < c ? N : c;
}

}  // namespace

// Images run in parallel, each as bands of output rows: im2col of the band into a thread-local
// buffer, then one single-threaded sgemm (OpenBLAS runs serially inside an OpenMP region) straight
// into y. Threads split images, not GEMMs: a first layer's GEMM (K = 9 or 27) is too thin to
// split. Batching several images into one wide GEMM was measured too, and was no faster.
void conv2d_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* y) {
  check_conv(g, N, OC, "conv2d_fwd");
  const int64_t K = g.col_rows(), P = g.col_cols(), img = g.C * g.H * g.W, R = band_rows(g);
  parallel_for(N, 2 * OC * K * P, [&](int64_t n0, int64_t n1) {
    float* col = workspace(kCol, K * R * g.OW);
    for (int64_t n = n0; n < n1; ++n) {
      float* yn = y + n * OC * P;
      for (int64_t oh0 = 0; oh0 < g.OH; oh0 += R) {
        const int64_t oh1 = oh0 + R < g.OH ? oh0 + R : g.OH, Pb = (oh1 - oh0) * g.OW;
        im2col_rows(x + n * img, g, oh0, oh1, col);
        // y_n[:, band] [OC, Pb] (row stride P) = w [OC, K] * col [K, Pb]
        sgemm(false, false, OC, Pb, K, 1.0f, w, K, col, Pb, 0.0f, yn + oh0 * g.OW, P);
      }
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
  const int64_t R = band_rows(g);
  const int64_t chunks = dw_chunks(N, WN);
  if (chunks == 0) {
    std::memset(dw, 0, sizeof(float) * WN);
    if (db) std::memset(db, 0, sizeof(float) * OC);
    return;
  }
  // Chunk 0 accumulates straight into dw; chunks 1.. into partial slabs.
  float* partial = workspace(kPartial, (chunks - 1) * WN);
  const int64_t flops_per_image = (dx ? 4 : 2) * OC * K * P;
  parallel_for(chunks, (N / chunks) * flops_per_image, [&](int64_t c0, int64_t c1) {
    float* col = workspace(kCol, K * R * g.OW);
    float* dcol = dx ? workspace(kDcol, K * R * g.OW) : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      float* dwc = c == 0 ? dw : partial + (c - 1) * WN;
      float beta = 0.0f;  // the first GEMM of a chunk overwrites its slab
      for (int64_t n = N * c / chunks; n < N * (c + 1) / chunks; ++n) {
        float* dxn = dx ? dx + n * img : nullptr;
        if (dxn) std::memset(dxn, 0, sizeof(float) * img);
        for (int64_t oh0 = 0; oh0 < g.OH; oh0 += R) {
          const int64_t oh1 = oh0 + R < g.OH ? oh0 + R : g.OH, Pb = (oh1 - oh0) * g.OW;
          const float* dyb = dy + n * OC * P + oh0 * g.OW;  // dy_n[:, band], row stride P
          im2col_rows(x + n * img, g, oh0, oh1, col);
          // dw_c += dy_band [OC, Pb] * col^T [Pb, K]
          sgemm(false, true, OC, K, Pb, 1.0f, dyb, P, col, Pb, beta, dwc, K);
          beta = 1.0f;
          if (!dxn) continue;
          // dcol [K, Pb] = w^T [K, OC] * dy_band, folded back into the image
          sgemm(true, false, K, Pb, OC, 1.0f, w, K, dyb, P, 0.0f, dcol, Pb);
          col2im_rows(dcol, g, oh0, oh1, dxn);
        }
      }
    }
  });
  // Fixed-order reduction of the partial slabs (parallel over elements, never over chunks).
  parallel_for_stream(
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
