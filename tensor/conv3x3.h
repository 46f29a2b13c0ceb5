#pragma once
// Direct 3x3 "same" convolution (stride 1, pad 1: every layer of the study's CNN) without
// im2col. Each input plane is copied once into a zero-bordered (H+2) x (W+2) plane; on that
// padded grid the 9 taps of the kernel are 9 constant offsets, so an output position q =
// h*(W+2) + w gathers in[q + kh*(W+2) + kw] -- contiguous vectors, no index arithmetic, no
// masks. The two extra columns per row are computed and thrown away (7 % of a 28x28 plane).
// Registers hold a tile of output channels x 16-position vectors; weights are broadcast.
// The backward input gradient is the same kernel on the padded output gradient with the
// flipped, transposed weights; the weight gradient vectorises over output channels on a
// channels-last copy of the output gradient. Measured on one core against im2col + OpenBLAS
// (tensor/conv2d.cpp) in docs/performance.md.
//
// Results do not depend on the thread count: every output element is one accumulation in a
// fixed order, and the weight gradient is summed over a fixed number of image chunks in order.
// conv2d_fwd_ref / conv2d_bwd_ref (tensor/conv2d.h) are the oracles.
#include <cstdint>

#include "tensor/im2col.h"

namespace mp {

// True for the geometry these kernels handle: 3x3 kernel, stride 1, padding 1.
bool conv3x3_supported(const Conv2dGeom& g);

// x [N,C,H,W], w [OC,C,3,3], b [OC] (nullable) -> y [N,OC,H,W] = conv(x, w) + b, then
// max(y, 0) when relu (fused into the write-out; NaN stays NaN).
void conv3x3_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                 int64_t OC, bool relu, float* y);

// Backward of y = conv(x, w) + b [then ReLU]. gy [N,OC,H,W] is the gradient of y; when y_relu
// is not null it is the forward's (post-ReLU) output and gy is first masked by y_relu > 0 (the
// fused ReLU backward). dx [N,C,H,W] (nullable), dw [OC,C,3,3] and db [OC] (nullable) are
// overwritten.
void conv3x3_bwd(const float* x, const float* w, const float* gy, const float* y_relu, int64_t N,
                 const Conv2dGeom& g, int64_t OC, float* dx, float* dw, float* db);

}  // namespace mp
