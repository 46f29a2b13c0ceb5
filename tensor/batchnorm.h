#pragma once
// 2-D batch normalisation over NCHW (statistics per channel over N and HW), PyTorch semantics:
// the batch is normalised with the biased variance; the running variance is updated with the
// unbiased one; running = (1 - momentum) * running + momentum * batch.
#include <cstdint>

namespace mp {

// x [N,C,HW] -> y [N,C,HW]; gamma, beta, running_*, save_* [C]. save_invstd = 1/sqrt(var+eps).
void batchnorm2d_fwd_train(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                           const float* beta, float eps, float momentum, float* running_mean,
                           float* running_var, float* y, float* save_mean, float* save_invstd);
// y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta
void batchnorm2d_fwd_eval(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                          const float* beta, const float* running_mean, const float* running_var,
                          float eps, float* y);
// dy, x [N,C,HW] -> dx [N,C,HW], dgamma, dbeta [C] (all overwritten); training-mode gradient.
void batchnorm2d_bwd(const float* dy, const float* x, int64_t N, int64_t C, int64_t HW,
                     const float* gamma, const float* save_mean, const float* save_invstd,
                     float* dx, float* dgamma, float* dbeta);

void batchnorm2d_fwd_train_ref(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                               const float* beta, float eps, float momentum, float* running_mean,
                               float* running_var, float* y, float* save_mean, float* save_invstd);
void batchnorm2d_fwd_eval_ref(const float* x, int64_t N, int64_t C, int64_t HW, const float* gamma,
                              const float* beta, const float* running_mean,
                              const float* running_var, float eps, float* y);
void batchnorm2d_bwd_ref(const float* dy, const float* x, int64_t N, int64_t C, int64_t HW,
                         const float* gamma, const float* save_mean, const float* save_invstd,
                         float* dx, float* dgamma, float* dbeta);

}  // namespace mp
