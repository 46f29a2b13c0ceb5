#include "tensor/im2col.h"

#include <cstring>

#include "tensor/check.h"

namespace mp {

Conv2dGeom Conv2dGeom::make(int64_t C, int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t stride,
                            int64_t pad) {
  MP_CHECK(C >= 1 && H >= 1 && W >= 1 && KH >= 1 && KW >= 1,
           "Conv2dGeom: sizes must be positive (C=" << C << " H=" << H << " W=" << W << " KH=" << KH
                                                    << " KW=" << KW << ")");
  MP_CHECK(stride >= 1 && pad >= 0,
           "Conv2dGeom: stride=" << stride << " pad=" << pad << " (need stride >= 1, pad >= 0)");
  MP_CHECK(H + 2 * pad >= KH && W + 2 * pad >= KW,
           "Conv2dGeom: kernel " << KH << "x" << KW << " larger than the padded input "
                                 << H + 2 * pad << "x" << W + 2 * pad);
  Conv2dGeom g{C, H, W, KH, KW, stride, pad, 0, 0};
  g.OH = (H + 2 * pad - KH) / stride + 1;
  g.OW = (W + 2 * pad - KW) / stride + 1;
  return g;
}

namespace {

// For kernel column kw: the output columns [ow0, ow1) whose input column iw = ow*stride - pad
// + kw lies inside the image; the others read padding.
inline void valid_cols(const Conv2dGeom& g, int64_t kw, int64_t* ow0, int64_t* ow1) {
  const int64_t lo_num = g.pad - kw;
  int64_t lo = lo_num <= 0 ? 0 : (lo_num + g.stride - 1) / g.stride;
  const int64_t hi_num = g.W - 1 + g.pad - kw;
  int64_t hi = hi_num < 0 ? 0 : hi_num / g.stride + 1;
  if (hi > g.OW) hi = g.OW;
  if (lo > hi) lo = hi;
  *ow0 = lo;
  *ow1 = hi;
}

// Output rows in [oh0, oh1) whose input row ih = oh*stride - pad + kh lies inside the image.
inline void valid_rows(const Conv2dGeom& g, int64_t kh, int64_t oh0, int64_t oh1, int64_t* oh_a,
                       int64_t* oh_b) {
  const int64_t lo_num = g.pad - kh;
  int64_t lo = lo_num <= 0 ? 0 : (lo_num + g.stride - 1) / g.stride;
  const int64_t hi_num = g.H - 1 + g.pad - kh;
  int64_t hi = hi_num < 0 ? 0 : hi_num / g.stride + 1;
  if (lo < oh0) lo = oh0;
  if (hi > oh1) hi = oh1;
  if (lo > hi) lo = hi;
  *oh_a = lo;
  *oh_b = hi;
}

// "Same" stride-1 geometry (OW == W, e.g. 3x3 pad 1: all of the study's CNN): a col row is the
// image plane shifted by (kh - pad) rows and (kw - pad) columns, so its valid rows are ONE
// contiguous block copy; only the pad columns that wrapped into the neighbouring image row are
// then zeroed. On 7x7 planes the row-by-row version spent its time in per-row call overhead.
inline bool same_stride1(const Conv2dGeom& g) {
  return g.stride == 1 && g.OW == g.W;
}

// One col row (c, kh, kw) for output rows [oh0, oh1); row[(oh - oh0)*W + ow].
void im2col_row_same(const float* plane, const Conv2dGeom& g, int64_t kh, int64_t kw, int64_t oh0,
                     int64_t oh1, float* row) {
  const int64_t W = g.W, off = kw - g.pad;
  int64_t oh_a, oh_b;
  valid_rows(g, kh, oh0, oh1, &oh_a, &oh_b);
  for (int64_t i = 0; i < (oh_a - oh0) * W; ++i) row[i] = 0.0f;
  for (int64_t i = (oh_b - oh0) * W; i < (oh1 - oh0) * W; ++i) row[i] = 0.0f;
  if (oh_b <= oh_a) return;
  // row[(oh - oh0)*W + ow] = plane[(oh + kh - pad)*W + ow + off] for the whole block at once,
  // clipped to the plane (a pad wider than the image can push it past either end).
  const int64_t s = (oh_a + kh - g.pad) * W + off, d = (oh_a - oh0) * W, n = (oh_b - oh_a) * W;
  const int64_t lo = s < 0 ? -s : 0, hi = n < g.H * W - s ? n : g.H * W - s;
  if (hi > lo) std::memcpy(row + d + lo, plane + s + lo, sizeof(float) * (hi - lo));
  for (int64_t i = 0; i < lo && i < n; ++i) row[d + i] = 0.0f;
  for (int64_t i = hi > 0 ? hi : 0; i < n; ++i) row[d + i] = 0.0f;
  // Zero the wrapped pad columns: ow + off outside [0, W).
  const int64_t zl = -off < W ? -off : W, zr = W - off > 0 ? W - off : 0;
  for (int64_t oh = oh_a; oh < oh_b; ++oh) {
    float* r = row + (oh - oh0) * W;
    for (int64_t ow = 0; ow < zl; ++ow) r[ow] = 0.0f;
    for (int64_t ow = zr; ow < W; ++ow) r[ow] = 0.0f;
  }
}

void im2col_row_general(const float* plane, const Conv2dGeom& g, int64_t kh, int64_t kw,
                        int64_t oh0, int64_t oh1, float* row) {
  int64_t ow0, ow1;
  valid_cols(g, kw, &ow0, &ow1);
  const int64_t off = kw - g.pad, st = g.stride;  // input column of output column ow: ow*st + off
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    float* out = row + (oh - oh0) * g.OW;
    const int64_t ih = oh * st - g.pad + kh;
    if (ih < 0 || ih >= g.H) {
      for (int64_t ow = 0; ow < g.OW; ++ow) out[ow] = 0.0f;
      continue;
    }
    const float* in = plane + ih * g.W;
    for (int64_t ow = 0; ow < ow0; ++ow) out[ow] = 0.0f;
    for (int64_t ow = ow0; ow < ow1; ++ow) out[ow] = in[ow * st + off];
    for (int64_t ow = ow1; ow < g.OW; ++ow) out[ow] = 0.0f;
  }
}

void col2im_row(const float* row, const Conv2dGeom& g, int64_t kh, int64_t kw, int64_t oh0,
                int64_t oh1, float* plane) {
  int64_t ow0, ow1, oh_a, oh_b;
  valid_cols(g, kw, &ow0, &ow1);
  valid_rows(g, kh, oh0, oh1, &oh_a, &oh_b);
  const int64_t off = kw - g.pad, st = g.stride;
  for (int64_t oh = oh_a; oh < oh_b; ++oh) {
    const float* src = row + (oh - oh0) * g.OW;
    float* out = plane + (oh * st - g.pad + kh) * g.W;
    if (st == 1) {
#pragma omp simd
      for (int64_t ow = ow0; ow < ow1; ++ow) out[ow + off] += src[ow];
    } else {
      for (int64_t ow = ow0; ow < ow1; ++ow) out[ow * st + off] += src[ow];
    }
  }
}

void check_band(const Conv2dGeom& g, int64_t oh0, int64_t oh1, const char* who) {
  MP_CHECK(0 <= oh0 && oh0 <= oh1 && oh1 <= g.OH,
           who << ": output rows [" << oh0 << ", " << oh1 << ") outside [0, " << g.OH << ")");
}

}  // namespace

void im2col_rows(const float* img, const Conv2dGeom& g, int64_t oh0, int64_t oh1, float* col) {
  check_band(g, oh0, oh1, "im2col_rows");
  const int64_t ld = (oh1 - oh0) * g.OW;
  const bool same = same_stride1(g);
  for (int64_t c = 0; c < g.C; ++c) {
    const float* plane = img + c * g.H * g.W;
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        float* row = col + ((c * g.KH + kh) * g.KW + kw) * ld;
        if (same)
          im2col_row_same(plane, g, kh, kw, oh0, oh1, row);
        else
          im2col_row_general(plane, g, kh, kw, oh0, oh1, row);
      }
  }
}

void col2im_rows(const float* col, const Conv2dGeom& g, int64_t oh0, int64_t oh1, float* img) {
  check_band(g, oh0, oh1, "col2im_rows");
  const int64_t ld = (oh1 - oh0) * g.OW;
  for (int64_t c = 0; c < g.C; ++c) {
    float* plane = img + c * g.H * g.W;
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw)
        col2im_row(col + ((c * g.KH + kh) * g.KW + kw) * ld, g, kh, kw, oh0, oh1, plane);
  }
}

void im2col(const float* img, const Conv2dGeom& g, float* col) {
  im2col_rows(img, g, 0, g.OH, col);
}

void col2im(const float* col, const Conv2dGeom& g, float* img) {
  col2im_rows(col, g, 0, g.OH, img);
}

void im2col_ref(const float* img, const Conv2dGeom& g, float* col) {
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw)
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
            const bool inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
            col[(((c * g.KH + kh) * g.KW + kw) * g.OH + oh) * g.OW + ow] =
                inside ? img[(c * g.H + ih) * g.W + iw] : 0.0f;
          }
}

void col2im_ref(const float* col, const Conv2dGeom& g, float* img) {
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw)
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t ih = oh * g.stride - g.pad + kh, iw = ow * g.stride - g.pad + kw;
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
              img[(c * g.H + ih) * g.W + iw] +=
                  col[(((c * g.KH + kh) * g.KW + kw) * g.OH + oh) * g.OW + ow];
          }
}

}  // namespace mp
