#pragma once
// 2-D pooling on NCHW float32 buffers. x [N,C,H,W] -> y [N,C,OH,OW].
#include <cstdint>

namespace mp {

struct Pool2dGeom {
  int64_t N, C, H, W, K, stride, pad, OH, OW;
  // Square window K, OH = (H + 2*pad - K)/stride + 1 (floor, like PyTorch ceil_mode=False).
  // Validates (positive sizes, pad <= K/2 as PyTorch requires) and throws mp::Error.
  static Pool2dGeom make(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t stride,
                         int64_t pad);
};

// y [N,C,OH,OW] = window max (padding never wins); idx [N,C,OH,OW] = flat h*W+w of the max
// within its H*W plane, ties -> first in row-major window order.
void maxpool2d_fwd(const float* x, const Pool2dGeom& g, float* y, int32_t* idx);
// dx [N,C,H,W] zeroed, then dx[idx] += dy
void maxpool2d_bwd(const float* dy, const int32_t* idx, const Pool2dGeom& g, float* dx);
// Average over the K*K window counting padding (count_include_pad=true, PyTorch default).
void avgpool2d_fwd(const float* x, const Pool2dGeom& g, float* y);
void avgpool2d_bwd(const float* dy, const Pool2dGeom& g, float* dx);  // dx overwritten
// x [N,C,HW] -> y [N,C] mean over HW
void global_avgpool_fwd(const float* x, int64_t N, int64_t C, int64_t HW, float* y);
// dy [N,C] -> dx [N,C,HW] = dy / HW (overwritten)
void global_avgpool_bwd(const float* dy, int64_t N, int64_t C, int64_t HW, float* dx);

void maxpool2d_fwd_ref(const float* x, const Pool2dGeom& g, float* y, int32_t* idx);
void maxpool2d_bwd_ref(const float* dy, const int32_t* idx, const Pool2dGeom& g, float* dx);
void avgpool2d_fwd_ref(const float* x, const Pool2dGeom& g, float* y);
void avgpool2d_bwd_ref(const float* dy, const Pool2dGeom& g, float* dx);
void global_avgpool_fwd_ref(const float* x, int64_t N, int64_t C, int64_t HW, float* y);
void global_avgpool_bwd_ref(const float* dy, int64_t N, int64_t C, int64_t HW, float* dx);

}  // namespace mp
