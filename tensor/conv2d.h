#pragma once
// Whole-batch 2-D convolution (cross-correlation, PyTorch semantics) as im2col + sgemm.
// x [N,C,H,W], w [OC,C,KH,KW], b [OC] (nullable), y [N,OC,OH,OW]; geometry from Conv2dGeom.
// Results do not depend on thread scheduling: per-thread partial weight gradients are reduced
// in a fixed order. Scratch memory is a reused thread-local workspace.
#include <cstdint>

#include "tensor/im2col.h"

namespace mp {

// y [N,OC,OH,OW] = conv(x, w) + b  (y overwritten)
void conv2d_fwd(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* y);
// dy [N,OC,OH,OW] -> dx [N,C,H,W] (nullable, overwritten), dw [OC,C,KH,KW] (overwritten),
// db [OC] (nullable, overwritten)
void conv2d_bwd(const float* x, const float* w, const float* dy, int64_t N, const Conv2dGeom& g,
                int64_t OC, float* dx, float* dw, float* db);

// Direct nested loops with double accumulation: the oracle.
void conv2d_fwd_ref(const float* x, const float* w, const float* b, int64_t N, const Conv2dGeom& g,
                    int64_t OC, float* y);
void conv2d_bwd_ref(const float* x, const float* w, const float* dy, int64_t N, const Conv2dGeom& g,
                    int64_t OC, float* dx, float* dw, float* db);

}  // namespace mp
