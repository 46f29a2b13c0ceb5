#pragma once
// Gradient checking: analytic gradients (backward) against central finite differences.
//
// Precision. Tensors are float32, so a forward value carries a relative rounding error of
// about eps_float = 6e-8 (times the conditioning of the computation). A central difference
// (f(x+h) - f(x-h)) / 2h therefore has a rounding error of order eps_float * |f| / h and a
// truncation error of order h^2 * |f'''|. With h = 1e-2 both are about 1e-5..1e-4 relative for
// well-scaled functions, which is why the defaults are h = 1e-2, rtol = 1e-2, atol = 1e-3; a
// smaller h would drown the difference in float32 rounding. The step actually taken is the
// float32-representable one ((float)(x+h) - x), and the outputs are combined in double.
// Inputs should be kept away from kinks (ReLU at 0, ties in max pooling) by construction.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/var.h"
#include "tensor/rng.h"

namespace mp::ag {

struct GradcheckResult {
  bool ok = true;
  double max_abs_err = 0.0;  // max |analytic - numeric|
  double max_rel_err = 0.0;  // max |analytic - numeric| / max(|numeric|, atol)
  int64_t checked = 0;       // number of coordinates compared
  int64_t refined = 0;       // gradcheck_params: passed only at eps/10 (a kink; see there)
  // Names the input (index or parameter name) and flat element of the worst coordinate (the
  // one furthest beyond / closest to its tolerance), with both gradient values.
  std::string message;
};

// f maps the inputs (as Vars requiring grad) to an output of any shape. A non-scalar output is
// reduced to L = sum_i r_i y_i with fixed pseudo-random weights r in [-1, 1] (a random
// vector-Jacobian product checks every output, a plain sum would miss sign errors that
// cancel). f must be deterministic (no dropout) and is called 2*numel+1 times.
// A coordinate passes when |analytic - numeric| <= atol + rtol * |numeric|.
GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f,
                          std::vector<Tensor> inputs, double eps = 1e-2, double rtol = 1e-2,
                          double atol = 1e-3);

// Model-level check: `loss` computes a 1-element loss from the current parameter values (e.g.
// a model's cross-entropy on a fixed batch). The analytic gradient comes from one backward;
// then n_samples coordinates of every parameter, drawn with rng (all of them if the tensor is
// smaller), are perturbed in place by +-eps and the loss re-evaluated under no-grad. Parameter
// values and existing gradients are restored afterwards. The loss must not depend on state it
// changes itself: a model with BatchNorm should be checked in eval mode, or the caller must
// restore the running statistics (training-mode outputs do not depend on them, but they drift).
// Kinks: a real network has ReLU units whose pre-activation lies within eps of 0 for some
// sample; a step across such a kink makes the central difference the average of two different
// slopes while the analytic gradient is the slope on one side. A coordinate that fails at eps
// is therefore re-checked with eps/10 (which almost surely crosses no kink, and whose float32
// rounding error, ~1e-4 for an O(1) loss, is still below atol); it passes if that agrees. A
// wrong backward fails at both steps. `refined` counts the re-checked coordinates; callers
// should bound refined / checked.
GradcheckResult gradcheck_params(const std::function<Var()>& loss,
                                 const std::vector<std::pair<std::string, Var>>& params,
                                 int64_t n_samples, Rng& rng, double eps = 1e-2, double rtol = 1e-2,
                                 double atol = 1e-3);

}  // namespace mp::ag
