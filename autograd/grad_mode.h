#pragma once
// Gradient recording mode (per thread). Ops record a graph node only when grad mode is on AND
// one of their inputs requires a gradient; NoGradGuard switches recording off for a scope
// (evaluation, optimizer updates, finite-difference probes) and restores the previous mode.

namespace mp::ag {

bool grad_enabled();
void set_grad_enabled(bool on);

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Turns recording back on inside a no-grad scope (e.g. gradcheck's analytic pass).
class EnableGradGuard {
 public:
  EnableGradGuard();
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace mp::ag
