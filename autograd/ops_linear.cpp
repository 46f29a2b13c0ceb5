// Matrix products: matmul and the fully-connected layer (with an optional fused ReLU). A whole
// batch is one GEMM forward and one GEMM per gradient; the weight gradient is written straight
// into a slab-backed parameter gradient after a lazy zero_grad, else computed the same way into
// a temporary and added. sgemm_auto sends thin products (a batch of <= 64) to tensor/gemm_thin.
#include <cstring>

#include "autograd/grad_sink.h"
#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/elementwise.h"
#include "tensor/gemm.h"
#include "tensor/gemm_thin.h"

namespace mp::ag {

using detail::contig;
using detail::shape_str;

Var matmul(const Var& a, const Var& b, bool ta, bool tb) {
  OpScope prof("matmul");
  MP_CHECK(a.defined() && b.defined() && a.ndim() == 2 && b.ndim() == 2,
           "matmul: needs two 2-D inputs, got " << shape_str(a) << " and " << shape_str(b));
  Tensor A = contig(a), B = contig(b);
  const int64_t M = ta ? A.size(1) : A.size(0), K = ta ? A.size(0) : A.size(1);
  const int64_t Kb = tb ? B.size(1) : B.size(0), N = tb ? B.size(0) : B.size(1);
  MP_CHECK(K == Kb, "matmul: inner sizes differ: " << A.shape().str() << (ta ? "^T" : "") << " x "
                                                   << B.shape().str() << (tb ? "^T" : ""));
  Tensor Y = Tensor::empty({M, N});
  prof.gemm(M, N, K);
  sgemm_auto(ta, tb, M, N, K, 1.0f, A.data(), A.size(1), B.data(), B.size(1), 0.0f, Y.data(), N);
  if (!should_record({a, b})) return Var(Y);
  Tensor As = b.requires_grad() ? A : Tensor();  // dB needs A, dA needs B
  Tensor Bs = a.requires_grad() ? B : Tensor();
  return record("matmul", Y, {a, b}, [As, Bs, ta, tb, M, N, K](const Tensor& G, BackwardCtx& ctx) {
    if (ctx.needs(0)) {  // d op(A) = G op(B)^T
      Tensor dA = Tensor::empty(ta ? Shape{K, M} : Shape{M, K});
      if (!ta)
        sgemm_auto(false, !tb, M, K, N, 1.0f, G.data(), N, Bs.data(), Bs.size(1), 0.0f, dA.data(),
                   K);
      else
        sgemm_auto(tb, true, K, M, N, 1.0f, Bs.data(), Bs.size(1), G.data(), N, 0.0f, dA.data(), M);
      ctx.put(0, std::move(dA));
    }
    if (ctx.needs(1)) {  // d op(B) = op(A)^T G
      Tensor dB = Tensor::empty(tb ? Shape{N, K} : Shape{K, N});
      if (!tb)
        sgemm_auto(!ta, false, K, N, M, 1.0f, As.data(), As.size(1), G.data(), N, 0.0f, dB.data(),
                   N);
      else
        sgemm_auto(true, ta, N, K, M, 1.0f, G.data(), N, As.data(), As.size(1), 0.0f, dB.data(), K);
      ctx.put(1, std::move(dB));
    }
  });
}

namespace {

Var linear_impl(const char* name, const Var& x, const Var& W, const Var& b, bool with_relu) {
  OpScope prof(name);
  MP_CHECK(x.defined() && W.defined() && x.ndim() == 2 && W.ndim() == 2 && x.size(1) == W.size(1),
           name << ": x " << shape_str(x) << " and weight " << shape_str(W)
                << " must be [B,in] and [out,in]");
  const int64_t B = x.size(0), in = x.size(1), out = W.size(0);
  MP_CHECK(!b.defined() || (b.ndim() == 1 && b.size(0) == out),
           name << ": bias " << shape_str(b) << " for " << out << " outputs");
  Tensor X = contig(x), Wt = contig(W);
  Tensor Y = Tensor::empty({B, out});
  prof.gemm(B, out, in);
  // x [B,in] . W^T [in,out] -> y [B,out]
  sgemm_auto(false, true, B, out, in, 1.0f, X.data(), in, Wt.data(), in, 0.0f, Y.data(), out);
  if (with_relu) {
    if (b.defined())
      bias_relu_rows(Y.data(), contig(b).data(), B, out);
    else
      relu_fwd(Y.data(), Y.data(), Y.numel());
  } else if (b.defined()) {
    bias_add_rows(Y.data(), contig(b).data(), B, out);
  }
  if (!should_record({x, W, b})) return Var(Y);
  Tensor Xs = W.requires_grad() ? X : Tensor();  // dW needs x, dx needs W
  Tensor Ws = x.requires_grad() ? Wt : Tensor();
  Tensor Ys = with_relu ? Y : Tensor();  // ReLU backward masks by the output
  auto fn = [Xs, Ws, Ys, B, in, out](const Tensor& G, BackwardCtx& ctx) {
    Tensor Gz = G;
    if (Ys.defined()) {
      Gz = Tensor::empty(G.shape());
      relu_bwd(Ys.data(), G.data(), Gz.data(), G.numel());
    }
    if (ctx.needs(0)) {  // dx [B,in] = Gz [B,out] . W [out,in]
      Tensor dX = Tensor::empty({B, in});
      sgemm_auto(false, false, B, in, out, 1.0f, Gz.data(), out, Ws.data(), in, 0.0f, dX.data(),
                 in);
      ctx.put(0, std::move(dX));
    }
    float beta = 1.0f;
    // A fused optimizer update (autograd/grad_sink.h): the weight gradient goes to the sink one
    // block of rows at a time, computed by the same thin kernel (the same values, element for
    // element) into a cache-resident buffer instead of 4 x out x in bytes of memory that the
    // optimizer would read back. Only where sgemm_auto would take that kernel anyway.
    GradSink* wsink = nullptr;
    if (ctx.needs(1) &&
        std::strcmp(sgemm_auto_path(true, false, out, in, B, 1.0f, 0.0f), "thin_tn") == 0)
      wsink = ctx.leaf_grad_sink(1);
    if (wsink) {
      sgemm_thin_tn_consume(out, in, B, Gz.data(), out, Xs.data(), in,
                            [wsink, in](int64_t r0, int64_t rows, const float* block) {
                              wsink->consume(r0 * in, (r0 + rows) * in, block);
                            });
    } else if (ctx.needs(1)) {  // dW [out,in] = Gz^T [out,B] . x [B,in]
      // Always one product with beta 0, whatever the gradient's zero state: into a lazily
      // zeroed gradient directly, else into a temporary then added. Accumulating with beta 1
      // instead would take another kernel (OpenBLAS rather than gemm_thin, or another
      // rounding inside OpenBLAS), and an eager zero fill would then differ in the last bit
      // from a lazy one (the Haswell kernel does; see tests/nn/test_optim_lazy_zero.cpp).
      Tensor* acc = ctx.leaf_grad_out(1, &beta);
      const bool direct = acc && beta == 0.0f;
      Tensor dW = direct ? *acc : Tensor::empty({out, in});
      sgemm_auto(true, false, out, in, B, 1.0f, Gz.data(), out, Xs.data(), in, 0.0f, dW.data(), in);
      if (acc && !direct)
        add_f32(acc->data(), dW.data(), acc->data(), dW.numel());  // 0 + x == x: exact
      else if (!acc)
        ctx.put(1, std::move(dW));
    }
    GradSink* bsink = ctx.needs(2) ? ctx.leaf_grad_sink(2) : nullptr;
    if (bsink) {
      Tensor db = Tensor::empty({out});
      sum_rows(Gz.data(), B, out, db.data());
      bsink->consume(0, out, db.data());
    } else if (ctx.needs(2)) {  // db [out] = column sums of Gz
      Tensor* acc = ctx.leaf_grad_out(2, &beta);
      if (acc && beta == 0.0f) {  // a lazily zeroed gradient: write the sums straight in
        sum_rows(Gz.data(), B, out, acc->data());
      } else {
        Tensor db = Tensor::empty({out});
        sum_rows(Gz.data(), B, out, db.data());
        if (acc)
          add_f32(acc->data(), db.data(), acc->data(), out);
        else
          ctx.put(2, std::move(db));
      }
    }
  };
  return record(name, Y, {x, W, b}, fn);
}

}  // namespace

Var linear(const Var& x, const Var& W, const Var& b) {
  return linear_impl("linear", x, W, b, false);
}

Var linear_relu(const Var& x, const Var& W, const Var& b) {
  return linear_impl("linear_relu", x, W, b, true);
}

}  // namespace mp::ag
