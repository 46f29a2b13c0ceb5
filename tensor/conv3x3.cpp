#include "tensor/conv3x3.h"

#include <cstring>
#include <vector>

#include "tensor/check.h"
#include "tensor/parallel.h"
#include "tensor/v16.h"

namespace mp {

namespace {

using namespace simd;

inline int64_t round_up(int64_t n, int64_t m) {
  return (n + m - 1) / m * m;
}

// Scratch reused across calls on the same thread (OpenMP keeps its workers, so their
// thread_locals persist): a steady-state training step allocates nothing here.
enum Slot { kPadIn, kPadGrad, kGridT, kOut, kWeights, kPartial, kPartialBias, kSlots };
float* workspace(Slot s, int64_t n) {
  thread_local std::vector<float> ws[kSlots];
  std::vector<float>& v = ws[s];
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}
double* bias_workspace(int64_t n) {
  thread_local std::vector<double> ws;
  if (static_cast<int64_t>(ws.size()) < n) ws.resize(static_cast<size_t>(n));
  return ws.data();
}

// One output row from the grid: dst[i] = f(src[i]) for i < n, f = copy, + bias, or + bias then
// ReLU (NaN stays NaN, as in relu_fwd). Rows are short (28, 14 and 7 floats in the study's CNN)
// and per-row loops fell into scalar remainder code, so a row is covered by whole vectors of
// 16, 8 or 4 lanes, the last one overlapping the previous: the overlapped elements are computed
// from the same inputs and stored twice with the same value.
enum class RowOp { kCopy, kBias, kBiasRelu };

template <RowOp OP, typename V>
inline V row_f(V v, float bias) {
  if (OP == RowOp::kCopy) return v;
  v = v + bias;
  if (OP == RowOp::kBias) return v;
  return v <= 0.0f ? V{} : v;
}

template <RowOp OP, typename V>
inline void row_vectors(const float* src, float* dst, int64_t n, float bias) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  auto one = [&](int64_t i) {
    V v;
    std::memcpy(&v, src + i, sizeof v);
    v = row_f<OP>(v, bias);
    std::memcpy(dst + i, &v, sizeof v);
  };
  int64_t i = 0;
  for (; i + L <= n; i += L) one(i);
  if (i < n) one(n - L);
}

template <RowOp OP>
void write_row(const float* src, float* dst, int64_t n, float bias) {
  typedef float v8 __attribute__((vector_size(32)));
  typedef float v4 __attribute__((vector_size(16)));
  if (n >= kL) {
    row_vectors<OP, v16>(src, dst, n, bias);
  } else if (n >= 8) {
    row_vectors<OP, v8>(src, dst, n, bias);
  } else if (n >= 4) {
    row_vectors<OP, v4>(src, dst, n, bias);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      float v = src[i];
      if (OP != RowOp::kCopy) v += bias;
      if (OP == RowOp::kBiasRelu) v = v <= 0.0f ? 0.0f : v;
      dst[i] = v;
    }
  }
}

// dst[i] = mask[i] > 0 ? src[i] : 0 for i < n (the ReLU backward; a NaN mask entry masks), by
// the same overlapping whole vectors as write_row.
template <typename V>
inline void masked_vectors(const float* src, const float* mask, float* dst, int64_t n) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  auto one = [&](int64_t i) {
    V v, m;
    std::memcpy(&v, src + i, sizeof v);
    std::memcpy(&m, mask + i, sizeof m);
    v = m > 0.0f ? v : V{};
    std::memcpy(dst + i, &v, sizeof v);
  };
  int64_t i = 0;
  for (; i + L <= n; i += L) one(i);
  if (i < n) one(n - L);
}

void masked_row(const float* src, const float* mask, float* dst, int64_t n) {
  typedef float v8 __attribute__((vector_size(32)));
  typedef float v4 __attribute__((vector_size(16)));
  if (n >= kL) {
    masked_vectors<v16>(src, mask, dst, n);
  } else if (n >= 8) {
    masked_vectors<v8>(src, mask, dst, n);
  } else if (n >= 4) {
    masked_vectors<v4>(src, mask, dst, n);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = mask[i] > 0.0f ? src[i] : 0.0f;
  }
}

// The padded grid of one H x W plane. Position q = h*Wp + w (w < W real, w = W, W+1 junk) reads
// tap (kh, kw) at q + kh*Wp + kw of the zero-bordered plane. Tiles cover NQR >= NQ positions;
// `plane` leaves room for every read of the last tile.
struct Pad {
  int64_t H, W, Wp, NQ, NQR, plane;
  int PV;  // 16-position vectors per tile
  int64_t shift[9];
};

Pad make_pad(int64_t H, int64_t W) {
  Pad p{};
  p.H = H;
  p.W = W;
  p.Wp = W + 2;
  p.NQ = H * p.Wp;
  // The tile width that computes the fewest junk positions; on a tie the 3-vector tile (8
  // channels), measured the fastest where it ties (28x28, 14x14).
  p.PV = 3;
  p.NQR = round_up(p.NQ, 3 * kL);
  for (int pv = 4; pv <= 6; ++pv) {
    const int64_t r = round_up(p.NQ, pv * kL);
    if (r < p.NQR) {
      p.PV = pv;
      p.NQR = r;
    }
  }
  const int64_t need = p.NQR + 2 * p.Wp + 2;
  p.plane = round_up(need > (H + 2) * p.Wp ? need : (H + 2) * p.Wp, kL);
  for (int kh = 0; kh < 3; ++kh)
    for (int kw = 0; kw < 3; ++kw) p.shift[kh * 3 + kw] = kh * p.Wp + kw;
  return p;
}

// pp = the zero-bordered copy of src [H,W]: rows 0 and H+1, columns 0 and W+1 and the tail
// after the last row are zero (only those are written, the interior is overwritten). With a
// mask (the forward's post-ReLU output), src is masked by mask > 0 on the way: the padded
// planes of the masked output gradient, the input of the input-gradient convolution.
void pad_plane(const float* src, const Pad& p, float* pp, const float* mask = nullptr) {
  std::memset(pp, 0, sizeof(float) * static_cast<size_t>(p.Wp + 1));
  for (int64_t h = 0; h < p.H; ++h) {
    float* dst = pp + (h + 1) * p.Wp + 1;
    if (mask)
      masked_row(src + h * p.W, mask + h * p.W, dst, p.W);
    else
      write_row<RowOp::kCopy>(src + h * p.W, dst, p.W, 0.0f);
    dst[p.W] = 0.0f;      // right border of this row
    dst[p.W + 1] = 0.0f;  // left border of the next
  }
  const int64_t end = (p.H + 1) * p.Wp + 1;
  std::memset(pp + end, 0, sizeof(float) * static_cast<size_t>(p.plane - end));
}

// a[0..15] (16 rows of 16 floats) transposed in registers: 4 rounds of pairwise interleaves.
// In the round with block size B, rows r and r + B (r & B == 0) exchange B-lane blocks; after
// the rounds for B = 8, 4, 2, 1 element (r, c) sits at (c, r).
template <int B, typename Lo, typename Hi>
inline void transpose_round(v16* a, Lo lo, Hi hi) {
  for (int r = 0; r < kL; ++r) {
    if (r & B) continue;
    const v16 x = a[r], y = a[r + B];
    a[r] = lo(x, y);
    a[r + B] = hi(x, y);
  }
}
inline void transpose16(v16* a) {
  transpose_round<8>(a, shuffle2<0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23>,
                     shuffle2<8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31>);
  transpose_round<4>(a, shuffle2<0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27>,
                     shuffle2<4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31>);
  transpose_round<2>(a, shuffle2<0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29>,
                     shuffle2<2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31>);
  transpose_round<1>(a, shuffle2<0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30>,
                     shuffle2<1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31>);
}

// The output gradient of one image, masked by the forward output when y_relu != null (the
// ReLU backward: gy where y > 0, else 0), channels-last on the grid: gyT [NQ][OCp], zero at
// the junk positions and in the padding lanes o >= OC. 16 channels x 16 positions at a time:
// 16 contiguous channel-row loads, a register transpose, 16 one-cache-line stores (a scalar
// transpose was ~2 ms of a cnn-mnist step). Positions run over the flat H*W index; the last
// block overlaps the previous one when H*W is not a multiple of 16 (same values stored twice).
void grad_channels_last(const float* gy, const float* y_relu, const Pad& p, int64_t OC, int64_t OCp,
                        float* gyT) {
  const int64_t HW = p.H * p.W;
  for (int64_t h = 0; h < p.H; ++h)  // junk positions of every channel block
    for (int64_t w = p.W; w < p.Wp; ++w)
      for (int64_t o0 = 0; o0 < OCp; o0 += kL) store16(gyT + (h * p.Wp + w) * OCp + o0, v16{});
  if (HW < kL) {  // planes smaller than one vector: element by element
    for (int64_t o = 0; o < OCp; ++o)
      for (int64_t i = 0; i < HW; ++i) {
        const int64_t q = i / p.W * p.Wp + i % p.W;
        float v = 0.0f;
        if (o < OC) v = !y_relu || y_relu[o * HW + i] > 0.0f ? gy[o * HW + i] : 0.0f;
        gyT[q * OCp + o] = v;
      }
    return;
  }
  for (int64_t o0 = 0; o0 < OCp; o0 += kL) {
    const int64_t on = OC - o0 < kL ? OC - o0 : kL;
    for (int64_t i0 = 0; i0 < HW; i0 += kL) {
      const int64_t i = i0 + kL <= HW ? i0 : HW - kL;
      v16 a[kL];
      for (int64_t o = 0; o < kL; ++o) {
        if (o >= on) {
          a[o] = v16{};
          continue;
        }
        const v16 v = load16(gy + (o0 + o) * HW + i);
        a[o] = y_relu ? (load16(y_relu + (o0 + o) * HW + i) > 0.0f ? v : v16{}) : v;
      }
      transpose16(a);
      int64_t h = i / p.W, w = i % p.W;
      for (int j = 0; j < kL; ++j) {
        store16(gyT + (h * p.Wp + w) * OCp + o0, a[j]);
        if (++w == p.W) {
          w = 0;
          ++h;
        }
      }
    }
  }
}

// out[o][v*16 + lane] (o < OB, row stride ldo) = sum over ci < CI and the 9 taps t of
// wpk[(ci*9 + t)*O + o] * in[ci*plane + shift[t] + v*16 + lane]; `in` points at the tile's
// first position. Per output element: one float accumulation in (ci, t) order.
template <int OB, int PV>
inline void dconv_tile(const float* in, int64_t plane, int64_t CI, const int64_t* shift,
                       const float* wpk, int64_t O, float* out, int64_t ldo) {
  v16 acc[OB][PV];
  for (int o = 0; o < OB; ++o)
    for (int v = 0; v < PV; ++v) acc[o][v] = v16{};
  for (int64_t ci = 0; ci < CI; ++ci) {
    const float* src = in + ci * plane;
    const float* wc = wpk + ci * 9 * O;
    for (int t = 0; t < 9; ++t) {
      v16 xv[PV];
      for (int v = 0; v < PV; ++v) xv[v] = load16(src + shift[t] + v * kL);
      const float* wt = wc + t * O;
      for (int o = 0; o < OB; ++o) {
        const v16 ww = splat(wt[o]);
        for (int v = 0; v < PV; ++v) acc[o][v] += ww * xv[v];
      }
    }
  }
  for (int o = 0; o < OB; ++o)
    for (int v = 0; v < PV; ++v) store16(out + o * ldo + v * kL, acc[o][v]);
}

// grid [O][NQR] = direct 3x3 convolution of the CI padded planes `in` with packed weights
// wpk [CI][9][O]. Tiles of OBMAX channels, then 4, 2, 1 for the remainder.
template <int PV, int OBMAX>
void dconv_pv(const float* in, const Pad& p, int64_t CI, const float* wpk, int64_t O, float* grid) {
  for (int64_t q0 = 0; q0 < p.NQR; q0 += PV * kL) {
    const float* src = in + q0;
    float* dst = grid + q0;
    int64_t o = 0;
    for (; o + OBMAX <= O; o += OBMAX)
      dconv_tile<OBMAX, PV>(src, p.plane, CI, p.shift, wpk + o, O, dst + o * p.NQR, p.NQR);
    for (; o + 4 <= O; o += 4)
      dconv_tile<4, PV>(src, p.plane, CI, p.shift, wpk + o, O, dst + o * p.NQR, p.NQR);
    for (; o + 2 <= O; o += 2)
      dconv_tile<2, PV>(src, p.plane, CI, p.shift, wpk + o, O, dst + o * p.NQR, p.NQR);
    for (; o < O; ++o)
      dconv_tile<1, PV>(src, p.plane, CI, p.shift, wpk + o, O, dst + o * p.NQR, p.NQR);
  }
}

// Accumulators per tile: channels x position vectors <= 24 of the 32 vector registers.
void dconv(const float* in, const Pad& p, int64_t CI, const float* wpk, int64_t O, float* grid) {
  switch (p.PV) {
    case 3:
      dconv_pv<3, 8>(in, p, CI, wpk, O, grid);
      break;
    case 4:
      dconv_pv<4, 6>(in, p, CI, wpk, O, grid);
      break;
    case 5:
      dconv_pv<5, 4>(in, p, CI, wpk, O, grid);
      break;
    default:
      dconv_pv<6, 4>(in, p, CI, wpk, O, grid);
      break;
  }
}

// dwt[j][v*16 + lane] += sum over q < NQ of gyT[q*ldg + v*16 + lane] * rows[j][q]: NJ rows of
// the weight gradient (one (input channel, tap) pair each) against MV vectors of output
// channels. gyT is the channels-last output gradient, zero at junk positions.
template <int MV, int NJ>
inline void dw_tile(const float* gyT, int64_t ldg, int64_t NQ, const float* const* rows, float* dwt,
                    int64_t ldd) {
  v16 acc[NJ][MV];
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < MV; ++v) acc[j][v] = load16(dwt + j * ldd + v * kL);
  for (int64_t q = 0; q < NQ; ++q) {
    v16 a[MV];
    for (int v = 0; v < MV; ++v) a[v] = load16(gyT + q * ldg + v * kL);
    for (int j = 0; j < NJ; ++j) {
      const v16 b = splat(rows[j][q]);
      for (int v = 0; v < MV; ++v) acc[j][v] += a[v] * b;
    }
  }
  for (int j = 0; j < NJ; ++j)
    for (int v = 0; v < MV; ++v) store16(dwt + j * ldd + v * kL, acc[j][v]);
}

template <int MV, int NJ>
void dw_rows(const float* gyT, int64_t ldg, int64_t NQ, const float* const* rows, int64_t CT,
             float* dwt, int64_t ldd) {
  int64_t j = 0;
  for (; j + NJ <= CT; j += NJ) dw_tile<MV, NJ>(gyT, ldg, NQ, rows + j, dwt + j * ldd, ldd);
  for (; j < CT; ++j) dw_tile<MV, 1>(gyT, ldg, NQ, rows + j, dwt + j * ldd, ldd);
}

// dwt [CT][OCp] += the weight gradient of one image; output channels in groups of <= 4 vectors.
void dw_image(const float* gyT, int64_t OCp, int64_t NQ, const float* const* rows, int64_t CT,
              float* dwt) {
  for (int64_t g = 0; g < OCp; g += 4 * kL) {
    const int64_t mv = (OCp - g) / kL < 4 ? (OCp - g) / kL : 4;
    switch (mv) {
      case 1:  // CT is a multiple of 9 (the taps): 9-row tiles leave no remainder
        dw_rows<1, 9>(gyT + g, OCp, NQ, rows, CT, dwt + g, OCp);
        break;
      case 2:
        dw_rows<2, 9>(gyT + g, OCp, NQ, rows, CT, dwt + g, OCp);
        break;
      case 3:
        dw_rows<3, 8>(gyT + g, OCp, NQ, rows, CT, dwt + g, OCp);
        break;
      default:
        dw_rows<4, 6>(gyT + g, OCp, NQ, rows, CT, dwt + g, OCp);
        break;
    }
  }
}

void check_geometry(const Conv2dGeom& g, int64_t N, int64_t OC, const char* who) {
  MP_CHECK(conv3x3_supported(g), who << ": needs a 3x3 kernel with stride 1 and padding 1, got "
                                     << g.KH << "x" << g.KW << " stride " << g.stride << " pad "
                                     << g.pad);
  MP_CHECK(N >= 0 && OC >= 1 && g.C >= 1 && g.H >= 1 && g.W >= 1,
           who << ": bad sizes N=" << N << " C=" << g.C << " OC=" << OC);
}

}  // namespace

bool conv3x3_supported(const Conv2dGeom& g) {
  return g.KH == 3 && g.KW == 3 && g.stride == 1 && g.pad == 1 && g.OH == g.H && g.OW == g.W;
}

void conv3x3_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                 int64_t OC, bool relu, float* y) {
  check_geometry(g, N, OC, "conv3x3_fwd");
  const Pad p = make_pad(g.H, g.W);
  const int64_t C = g.C, HW = g.H * g.W;
  // Weights as [C][9][OC]: a tile's channel block is contiguous for each (input channel, tap).
  float* wpk = workspace(kWeights, C * 9 * OC);
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t ct = 0; ct < C * 9; ++ct) wpk[ct * OC + o] = w[o * C * 9 + ct];
  parallel_for(N, OC * C * 9 * HW, [&](int64_t n0, int64_t n1) {
    float* xp = workspace(kPadIn, C * p.plane);
    float* grid = workspace(kOut, OC * p.NQR);
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t c = 0; c < C; ++c) pad_plane(x + (n * C + c) * HW, p, xp + c * p.plane);
      dconv(xp, p, C, wpk, OC, grid);
      // Write-out of the real positions, with the bias and the ReLU fused in.
      for (int64_t o = 0; o < OC; ++o) {
        const float bias = b ? b[o] : 0.0f;
        for (int64_t h = 0; h < g.H; ++h) {
          const float* src = grid + o * p.NQR + h * p.Wp;
          float* dst = y + ((n * OC + o) * g.H + h) * g.W;
          if (relu)
            write_row<RowOp::kBiasRelu>(src, dst, g.W, bias);
          else
            write_row<RowOp::kBias>(src, dst, g.W, bias);
        }
      }
    }
  });
}

void conv3x3_bwd(const float* x, const float* w, const float* gy, const float* y_relu, int64_t N,
                 const Conv2dGeom& g, int64_t OC, float* dx, float* dw, float* db) {
  check_geometry(g, N, OC, "conv3x3_bwd");
  const Pad p = make_pad(g.H, g.W);
  const int64_t C = g.C, HW = g.H * g.W, CT = C * 9, OCp = round_up(OC, kL);
  constexpr int64_t kChunks = 8;  // fixed: the weight-gradient sum order never depends on threads
  const int64_t chunks = N < kChunks ? N : kChunks;
  if (chunks == 0) {
    std::memset(dw, 0, sizeof(float) * static_cast<size_t>(OC * CT));
    if (db) std::memset(db, 0, sizeof(float) * static_cast<size_t>(OC));
    return;
  }
  // Input-gradient weights: input channel o, output channel c, tap flipped (8 - t).
  float* wpkT = dx ? workspace(kWeights, OC * 9 * C) : nullptr;
  if (dx)
    for (int64_t o = 0; o < OC; ++o)
      for (int64_t c = 0; c < C; ++c)
        for (int t = 0; t < 9; ++t) wpkT[(o * 9 + t) * C + c] = w[(o * C + c) * 9 + 8 - t];
  float* partial = workspace(kPartial, chunks * CT * OCp);
  double* bias_part = bias_workspace(chunks * OC);
  const int64_t per_image = (dx ? 2 : 1) * OC * C * 9 * HW;

  parallel_for(chunks, (N / chunks) * per_image, [&](int64_t c0, int64_t c1) {
    float* xp = workspace(kPadIn, C * p.plane);
    float* gyp = dx ? workspace(kPadGrad, OC * p.plane) : nullptr;
    float* gyT = workspace(kGridT, p.NQ * OCp);
    float* grid = dx ? workspace(kOut, C * p.NQR) : nullptr;
    thread_local std::vector<const float*> rows;  // the CT shifted rows of xp
    rows.resize(static_cast<size_t>(CT));
    for (int64_t c = 0; c < C; ++c)
      for (int t = 0; t < 9; ++t)
        rows[static_cast<size_t>(c * 9 + t)] = xp + c * p.plane + p.shift[t];
    for (int64_t k = c0; k < c1; ++k) {
      float* dwt = partial + k * CT * OCp;
      double* dbk = bias_part + k * OC;
      std::memset(dwt, 0, sizeof(float) * static_cast<size_t>(CT * OCp));
      for (int64_t o = 0; o < OC; ++o) dbk[o] = 0.0;
      for (int64_t n = N * k / chunks; n < N * (k + 1) / chunks; ++n) {
        grad_channels_last(gy + n * OC * HW, y_relu ? y_relu + n * OC * HW : nullptr, p, OC, OCp,
                           gyT);
        // Bias gradient: per-lane float sums over the positions in order, then into double.
        for (int64_t o0 = 0; o0 < OCp; o0 += kL) {
          v16 s = v16{};
          for (int64_t q = 0; q < p.NQ; ++q) s += load16(gyT + q * OCp + o0);
          for (int64_t o = o0; o < OC && o < o0 + kL; ++o) dbk[o] += s[o - o0];
        }
        for (int64_t c = 0; c < C; ++c) pad_plane(x + (n * C + c) * HW, p, xp + c * p.plane);
        dw_image(gyT, OCp, p.NQ, rows.data(), CT, dwt);
        if (!dx) continue;
        const float* gyn = gy + n * OC * HW;
        const float* yn = y_relu ? y_relu + n * OC * HW : nullptr;
        for (int64_t o = 0; o < OC; ++o)
          pad_plane(gyn + o * HW, p, gyp + o * p.plane, yn ? yn + o * HW : nullptr);
        dconv(gyp, p, OC, wpkT, C, grid);
        for (int64_t c = 0; c < C; ++c)
          for (int64_t h = 0; h < g.H; ++h)
            write_row<RowOp::kCopy>(grid + c * p.NQR + h * p.Wp, dx + ((n * C + c) * g.H + h) * g.W,
                                    g.W, 0.0f);
      }
    }
  });

  // Fixed-order reduction of the chunk partials ([CT][OCp] each) into dw [OC][CT].
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t ct = 0; ct < CT; ++ct) {
      float s = partial[ct * OCp + o];
      for (int64_t k = 1; k < chunks; ++k) s += partial[(k * CT + ct) * OCp + o];
      dw[o * CT + ct] = s;
    }
  if (db)
    for (int64_t o = 0; o < OC; ++o) {
      double s = 0.0;
      for (int64_t k = 0; k < chunks; ++k) s += bias_part[k * OC + o];
      db[o] = static_cast<float>(s);
    }
}

}  // namespace mp
