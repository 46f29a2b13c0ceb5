// 2-D batch normalisation. Training mode normalises with the batch statistics (and updates the
// running ones in place); evaluation mode is a fixed per-channel affine map of x built from
// the running statistics, whose gradient (needed to gradcheck a model in eval mode) is
// composed from broadcasting kernels.
#include <cmath>

#include "autograd/node.h"
#include "autograd/op_util.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/batchnorm.h"
#include "tensor/broadcast.h"
#include "tensor/elementwise.h"

namespace mp::ag {

using detail::contig;
using detail::shape_str;

namespace {

void check_stat(const char* what, const Tensor& t, int64_t C) {
  MP_CHECK(t.defined() && t.is_contiguous() && t.numel() == C,
           "batch_norm2d: " << what << " " << (t.defined() ? t.shape().str() : "undefined")
                            << " must be a contiguous tensor of " << C << " channels");
}

Var bn_train(const Var& x, const Var& gamma, const Var& beta, Tensor& rm, Tensor& rv,
             float momentum, float eps) {
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  Tensor X = contig(x), Gm = contig(gamma), Bt = contig(beta);
  Tensor Y = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({C}), invstd = Tensor::empty({C});
  batchnorm2d_fwd_train(X.data(), N, C, HW, Gm.data(), Bt.data(), eps, momentum, rm.data(),
                        rv.data(), Y.data(), mean.data(), invstd.data());
  auto fn = [X, Gm, mean, invstd, N, C, HW](const Tensor& G, BackwardCtx& ctx) {
    Tensor dx = Tensor::empty(X.shape()), dg = Tensor::empty({C}), db = Tensor::empty({C});
    batchnorm2d_bwd(G.data(), X.data(), N, C, HW, Gm.data(), mean.data(), invstd.data(), dx.data(),
                    dg.data(), db.data());
    ctx.put(0, std::move(dx));
    ctx.put(1, std::move(dg));
    ctx.put(2, std::move(db));
  };
  return record("batch_norm2d", Y, {x, gamma, beta}, fn);
}

// y = gamma * (x - rm) * inv + beta with inv = 1/sqrt(rv + eps), all per channel.
Var bn_eval(const Var& x, const Var& gamma, const Var& beta, const Tensor& rm, const Tensor& rv,
            float eps) {
  const int64_t N = x.size(0), C = x.size(1), HW = x.size(2) * x.size(3);
  Tensor X = contig(x), Gm = contig(gamma), Bt = contig(beta);
  Tensor Y = Tensor::empty(x.shape());
  batchnorm2d_fwd_eval(X.data(), N, C, HW, Gm.data(), Bt.data(), rm.data(), rv.data(), eps,
                       Y.data());
  if (!should_record({x, gamma, beta})) return Var(Y);
  const Shape bc{1, C, 1, 1};  // per-channel values broadcast over [N,C,H,W]
  Tensor inv = Tensor::empty(bc);
  for (int64_t c = 0; c < C; ++c) inv.data()[c] = 1.0f / std::sqrt(rv.data()[c] + eps);
  Tensor mean = rm.clone().view(bc);  // the running stats may change before backward runs
  auto fn = [X, Gm, inv, mean, N, C, HW, bc](const Tensor& G, BackwardCtx& ctx) {
    if (ctx.needs(0)) ctx.put(0, mp::mul(G, mp::mul(Gm.view(bc), inv)));  // dy/dx = gamma*inv
    if (ctx.needs(1)) {
      Tensor xhat = mp::mul(mp::sub(X, mean), inv);
      ctx.put(1, sum_to_shape(mp::mul(G, xhat), bc).view({C}));
    }
    if (ctx.needs(2)) {
      Tensor db = Tensor::empty({C});
      sum_channels(G.data(), N, C, HW, db.data());
      ctx.put(2, std::move(db));
    }
  };
  return record("batch_norm2d_eval", Y, {x, gamma, beta}, fn);
}

}  // namespace

Var batch_norm2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum, float eps) {
  OpScope prof(training ? "batch_norm2d" : "batch_norm2d_eval");
  MP_CHECK(x.defined() && x.ndim() == 4,
           "batch_norm2d: input " << shape_str(x) << " is not [N,C,H,W]");
  const int64_t C = x.size(1);
  MP_CHECK(gamma.defined() && beta.defined() && gamma.numel() == C && beta.numel() == C,
           "batch_norm2d: weight " << shape_str(gamma) << " and bias " << shape_str(beta) << " for "
                                   << C << " channels");
  check_stat("running_mean", running_mean, C);
  check_stat("running_var", running_var, C);
  MP_CHECK(eps > 0.0f, "batch_norm2d: eps must be positive, got " << eps);
  if (training) {
    MP_CHECK(x.size(0) * x.size(2) * x.size(3) > 1,
             "batch_norm2d: training needs more than one value per channel, got input "
                 << x.shape().str());
    return bn_train(x, gamma, beta, running_mean, running_var, momentum, eps);
  }
  return bn_eval(x, gamma, beta, running_mean, running_var, eps);
}

}  // namespace mp::ag
