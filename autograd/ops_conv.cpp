// 2-D convolution with an optional fused ReLU: 3x3 stride-1 pad-1 layers (the study's CNN) run
// the direct kernels of tensor/conv3x3 (bias and ReLU fused into the forward's write-out, the
// ReLU mask into the backward's first pass), everything else im2col + sgemm (tensor/conv2d).
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/conv2d.h"
#include "tensor/conv3x3.h"
#include "tensor/elementwise.h"

namespace mp::ag {

using detail::contig;
using detail::shape_str;

namespace {

// Hands a parameter gradient to the engine, or adds it straight into the existing leaf grad
// `acc` (from leaf_grad_out with beta 1).
void put_or_accumulate(BackwardCtx& ctx, int i, Tensor* acc, Tensor g) {
  if (acc)
    add_f32(acc->data(), g.data(), acc->data(), g.numel());
  else
    ctx.put(i, std::move(g));
}

Var conv_impl(const char* name, const Var& x, const Var& w, const Var& b, int64_t stride,
              int64_t pad, bool with_relu) {
  OpScope prof(name);
  MP_CHECK(x.defined() && w.defined() && x.ndim() == 4 && w.ndim() == 4 && x.size(1) == w.size(1),
           name << ": input " << shape_str(x) << " and weight " << shape_str(w)
                << " must be [N,C,H,W] and [OC,C,KH,KW]");
  const int64_t N = x.size(0), OC = w.size(0);
  MP_CHECK(!b.defined() || (b.ndim() == 1 && b.size(0) == OC),
           name << ": bias " << shape_str(b) << " for " << OC << " output channels");
  const Conv2dGeom g =
      Conv2dGeom::make(x.size(1), x.size(2), x.size(3), w.size(2), w.size(3), stride, pad);
  Tensor X = contig(x), Wt = contig(w);
  Tensor Y = Tensor::empty({N, OC, g.OH, g.OW});
  prof.gemm(OC, N * g.col_cols(), g.col_rows());
  Tensor Bt = b.defined() ? contig(b) : Tensor();
  const float* bias = Bt.defined() ? Bt.data() : nullptr;
  // The direct kernels at every channel count. bench/bench_conv, 2026-12-08 (AMD EPYC, 2 threads,
  // OpenBLAS Haswell kernels): the study's 1- and 3-channel first layers run 2.0-2.8x faster
  // direct than as im2col + sgemm (a K = 9 or 27 product that no BLAS runs well), forward and
  // backward. (Until then 1-2 channels went through im2col forward and 1-7 backward, thresholds
  // measured on the first, slower version of the direct kernels.) The direct path does not call
  // BLAS, so these layers now round alike whatever BLAS kernel is loaded.
  const bool direct = conv3x3_supported(g);
  if (direct) {
    conv3x3_fwd(X.data(), Wt.data(), bias, N, g, OC, with_relu, Y.data());
  } else {
    conv2d_fwd(X.data(), Wt.data(), bias, N, g, OC, Y.data());
    if (with_relu) relu_fwd(Y.data(), Y.data(), Y.numel());
  }
  if (!should_record({x, w, b})) return Var(Y);
  Tensor Ys = with_relu ? Y : Tensor();
  auto fn = [X, Wt, Ys, N, g, OC, direct](const Tensor& G, BackwardCtx& ctx) {
    Tensor Gz = G;
    if (Ys.defined() && !direct) {
      Gz = Tensor::empty(G.shape());
      relu_bwd(Ys.data(), G.data(), Gz.data(), G.numel());
    }
    // The kernel overwrites dw and db: a lazily zeroed parameter gradient (beta 0) is written
    // in place; otherwise into a temporary that is then accumulated.
    float wbeta = 1.0f, bbeta = 1.0f;
    Tensor* wacc = ctx.needs(1) ? ctx.leaf_grad_out(1, &wbeta) : nullptr;
    Tensor* bacc = ctx.needs(2) ? ctx.leaf_grad_out(2, &bbeta) : nullptr;
    const bool w_direct = wacc && wbeta == 0.0f, b_direct = bacc && bbeta == 0.0f;
    Tensor dx = ctx.needs(0) ? Tensor::empty(X.shape()) : Tensor();
    Tensor dw = w_direct ? *wacc : Tensor::empty(Wt.shape());  // the kernel always produces dw
    Tensor db = b_direct ? *bacc : ctx.needs(2) ? Tensor::empty({OC}) : Tensor();
    float* dxp = dx.defined() ? dx.data() : nullptr;
    float* dbp = db.defined() ? db.data() : nullptr;
    if (direct)
      conv3x3_bwd(X.data(), Wt.data(), G.data(), Ys.defined() ? Ys.data() : nullptr, N, g, OC, dxp,
                  dw.data(), dbp);
    else
      conv2d_bwd(X.data(), Wt.data(), Gz.data(), N, g, OC, dxp, dw.data(), dbp);
    if (dx.defined()) ctx.put(0, std::move(dx));
    if (ctx.needs(1) && !w_direct) put_or_accumulate(ctx, 1, wacc, std::move(dw));
    if (db.defined() && !b_direct) put_or_accumulate(ctx, 2, bacc, std::move(db));
  };
  return record(name, Y, {x, w, b}, fn);
}

}  // namespace

Var conv2d(const Var& x, const Var& w, const Var& b, int64_t stride, int64_t pad) {
  return conv_impl("conv2d", x, w, b, stride, pad, false);
}

Var conv2d_relu(const Var& x, const Var& w, const Var& b, int64_t stride, int64_t pad) {
  return conv_impl("conv2d_relu", x, w, b, stride, pad, true);
}

}  // namespace mp::ag
