#pragma once
// im2col / col2im: unfold an image so that convolution becomes one matrix multiply
// (ggml and Caffe style). Layout: img [C,H,W], col [C*KH*KW, OH*OW], row index
// (c*KH + kh)*KW + kw, column index oh*OW + ow; out-of-image taps read as 0.
#include <cstdint>

namespace mp {

struct Conv2dGeom {
  int64_t C, H, W, KH, KW, stride, pad, OH, OW;
  // Validates (positive sizes, stride >= 1, pad >= 0, kernel fits the padded image) and
  // computes OH = (H + 2*pad - KH)/stride + 1, OW likewise. Throws mp::Error naming the values.
  static Conv2dGeom make(int64_t C, int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t stride,
                         int64_t pad);
  int64_t col_rows() const { return C * KH * KW; }
  int64_t col_cols() const { return OH * OW; }
};

// img [C,H,W] -> col [C*KH*KW, OH*OW] (overwritten)
void im2col(const float* img, const Conv2dGeom& g, float* col);
// col [C*KH*KW, OH*OW] -> img [C,H,W]: ACCUMULATES (img += fold(col)), the adjoint of im2col
void col2im(const float* col, const Conv2dGeom& g, float* img);

// A band of output rows [oh0, oh1): col [C*KH*KW, (oh1-oh0)*OW], the matching columns of the
// full col matrix. Lets conv2d work on an image in L2-sized pieces. col2im_rows accumulates.
void im2col_rows(const float* img, const Conv2dGeom& g, int64_t oh0, int64_t oh1, float* col);
void col2im_rows(const float* col, const Conv2dGeom& g, int64_t oh0, int64_t oh1, float* img);

void im2col_ref(const float* img, const Conv2dGeom& g, float* col);
void col2im_ref(const float* col, const Conv2dGeom& g, float* img);

}  // namespace mp
