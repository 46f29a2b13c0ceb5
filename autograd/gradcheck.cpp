#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/grad_mode.h"

namespace mp::ag {

namespace {

// Tracks the worst coordinate seen and formats the verdict.
class Tally {
 public:
  Tally(double rtol, double atol) : rtol_(rtol), atol_(atol) {}

  void add(const std::string& input, int64_t index, double analytic, double numeric) {
    const double err = std::fabs(analytic - numeric);
    const double tol = atol_ + rtol_ * std::fabs(numeric);
    // Relative to |numeric|, but not below atol: a near-zero gradient has no useful relative error.
    const double rel = err / std::max({std::fabs(numeric), atol_, 1e-12});
    ++r_.checked;
    r_.max_abs_err = std::max(r_.max_abs_err, err);
    r_.max_rel_err = std::max(r_.max_rel_err, rel);
    const bool pass = err <= tol || (std::isnan(analytic) && std::isnan(numeric));
    if (!pass) r_.ok = false;
    const double margin = err - tol;  // > 0 means failing
    if (std::isnan(margin) || first_ || margin > worst_margin_) {
      first_ = false;
      worst_margin_ = std::isnan(margin) ? INFINITY : margin;
      std::ostringstream os;
      os << "worst coordinate: " << input << " element " << index << ": analytic " << analytic
         << " numeric " << numeric << " (abs err " << err << ", tolerance " << tol << ")";
      worst_ = os.str();
    }
  }

  bool passes(double analytic, double numeric) const {
    return std::fabs(analytic - numeric) <= atol_ + rtol_ * std::fabs(numeric);
  }
  void refine() { ++r_.refined; }

  GradcheckResult finish() {
    std::ostringstream os;
    os << (r_.ok ? "gradcheck passed" : "gradcheck FAILED") << " on " << r_.checked
       << " coordinates";
    if (r_.refined) os << " (" << r_.refined << " of them re-checked with eps/10)";
    os << " (max abs err " << r_.max_abs_err << ", max rel err " << r_.max_rel_err << "); "
       << worst_;
    r_.message = os.str();
    return r_;
  }

 private:
  double rtol_, atol_;
  GradcheckResult r_;
  bool first_ = true;
  double worst_margin_ = 0.0;
  std::string worst_ = "no coordinates";
};

// Weighted sum of all elements in double (the scalar whose gradient is checked).
double weighted_sum(const Tensor& y, const Tensor& w) {
  std::vector<float> yv = y.to_vector();
  std::vector<float> wv = w.to_vector();
  double s = 0.0;
  for (size_t i = 0; i < yv.size(); ++i) s += static_cast<double>(yv[i]) * wv[i];
  return s;
}

// f evaluated at element i of t moved to the float-representable points x+eps and x-eps.
struct Probe {
  double f_up, f_down;  // f(x + h_up), f(x - h_down)
  double h_up, h_down;  // the steps actually taken (> 0)
  double central() const { return (f_up - f_down) / (h_up + h_down); }
};

Probe probe(Tensor& t, int64_t i, double eps, const std::function<double()>& eval) {
  float* p = t.data() + i;
  const float orig = *p;
  const float up = static_cast<float>(orig + eps), down = static_cast<float>(orig - eps);
  Probe r;
  *p = up;
  r.f_up = eval();
  *p = down;
  r.f_down = eval();
  *p = orig;
  r.h_up = static_cast<double>(up) - orig;
  r.h_down = static_cast<double>(orig) - down;
  return r;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Var(const std::vector<Var>&)>& f,
                          std::vector<Tensor> inputs, double eps, double rtol, double atol) {
  MP_CHECK(eps > 0.0, "gradcheck: eps must be positive, got " << eps);
  std::vector<Var> vars;
  for (const Tensor& t : inputs) vars.emplace_back(t.clone(), true);

  // Analytic pass.
  Tensor weights;
  {
    EnableGradGuard grad_on;
    Var y = f(vars);
    MP_CHECK(y.defined() && y.requires_grad(),
             "gradcheck: the function's output does not depend on any input");
    weights = Tensor::full(y.shape(), 1.0f);
    if (y.numel() > 1) {
      Rng rng(20240613u);
      for (int64_t i = 0; i < weights.numel(); ++i) weights.data()[i] = rng.uniform(-1.0f, 1.0f);
    }
    y.backward(weights);
  }

  // Numeric pass.
  Tally tally(rtol, atol);
  NoGradGuard no_grad;
  auto eval = [&]() { return weighted_sum(f(vars).data(), weights); };
  for (size_t k = 0; k < vars.size(); ++k) {
    Tensor& data = vars[k].mutable_data();
    const Tensor& g = vars[k].grad();
    const std::string name = "input " + std::to_string(k) + " " + data.shape().str();
    for (int64_t i = 0; i < data.numel(); ++i) {
      const double numeric = probe(data, i, eps, eval).central();
      const double analytic = g.defined() ? g.data()[i] : 0.0;
      tally.add(name, i, analytic, numeric);
    }
  }
  return tally.finish();
}

GradcheckResult gradcheck_params(const std::function<Var()>& loss,
                                 const std::vector<std::pair<std::string, Var>>& params,
                                 int64_t n_samples, Rng& rng, double eps, double rtol,
                                 double atol) {
  MP_CHECK(eps > 0.0 && n_samples > 0, "gradcheck_params: eps " << eps << " and n_samples "
                                                                << n_samples
                                                                << " must be positive");
  // Save the caller's gradients (values AND the tensor objects: an optimizer's gradients are
  // views into its slab and must stay so), then compute fresh ones from zero.
  std::vector<Tensor> slots, backups;
  for (const auto& [name, p] : params) {
    MP_CHECK(p.defined() && p.is_leaf() && p.data().is_contiguous(),
             "gradcheck_params: parameter '" << name << "' is not a contiguous leaf");
    slots.push_back(p.grad());
    backups.push_back(p.grad().defined() ? p.grad().clone() : Tensor());
    Var(p).set_grad(Tensor());
  }
  std::vector<Tensor> analytic;
  {
    EnableGradGuard grad_on;
    Var l = loss();
    MP_CHECK(l.defined() && l.numel() == 1, "gradcheck_params: the loss must have one element");
    l.backward();
  }
  for (const auto& kv : params) analytic.push_back(kv.second.grad());

  Tally tally(rtol, atol);
  {
    NoGradGuard no_grad;
    auto eval = [&]() { return static_cast<double>(loss().item()); };
    for (size_t k = 0; k < params.size(); ++k) {
      Var p = params[k].second;
      Tensor& data = p.mutable_data();
      const int64_t n = data.numel();
      std::vector<int64_t> idx;
      if (n <= n_samples) {
        for (int64_t i = 0; i < n; ++i) idx.push_back(i);
      } else {
        for (int64_t s = 0; s < n_samples; ++s)
          idx.push_back(static_cast<int64_t>(rng.uniform_double() * static_cast<double>(n)));
      }
      for (int64_t i : idx) {
        const double a = analytic[k].defined() ? analytic[k].data()[i] : 0.0;
        double numeric = probe(data, i, eps, eval).central();
        if (!tally.passes(a, numeric)) {
          // Perhaps a ReLU kink within eps: a 10x smaller step almost surely steps over none.
          const double fine = probe(data, i, eps / 10.0, eval).central();
          if (tally.passes(a, fine)) {
            tally.refine();
            numeric = fine;
          }
        }
        tally.add("parameter '" + params[k].first + "' " + data.shape().str(), i, a, numeric);
      }
    }
  }
  for (size_t k = 0; k < params.size(); ++k) {
    if (slots[k].defined() && slots[k].is_contiguous())
      slots[k].copy_from(backups[k]);
    else
      slots[k] = backups[k];
    Var(params[k].second).set_grad(slots[k]);
  }
  return tally.finish();
}

}  // namespace mp::ag
