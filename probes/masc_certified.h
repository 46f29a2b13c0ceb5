#pragma once
// MASC predictions at float32 speed with the double-precision answer guaranteed (docs/method.md
// §8, "Scoring in float, certified"). Each row is scored from one sgemm against the bases rounded
// to float, together with a rigorous bound on how far each score can be from the score the
// double-precision path (masc_scores) computes. A row whose best class wins by more than the
// bounds is decided; every other row (near ties, identical classes, non-finite values) is scored
// again by masc_scores itself. So predict_masc returns argmax(masc_scores) row for row: the bound
// makes that a theorem, not an observation (masc_certified.cpp gives the argument).
#include <cstdint>
#include <vector>

#include "probes/masc.h"

namespace mp::probes {

// N x K row-major scores from the float projection, and per score a bound B with
// |score - s*| <= B and |masc_scores - s*| <= B, where s* = ||V_c x||^2 / ||x||^2 in exact
// arithmetic with the double bases. A non-finite score has bound +inf.
struct BoundedMascScores {
  std::vector<double> score, bound;
};
BoundedMascScores masc_scores_float(const MascProbe& probe, const float* X, int64_t N);

struct MascPredictStats {
  int64_t rows = 0;
  int64_t rescored = 0;     // rows scored by masc_scores' arithmetic: undecided, or after a failed
                            // float trial
  bool complement = false;  // scored through the complements (masc_complement.h)
};

// predict_masc with its statistics, and `bound_scale` multiplying every bound. When
// complement_pays(probe), every row is scored through the complements (masc_complement.h).
// Otherwise, in float32: of more than 2,048
// rows the first 1,024 are a trial: when the bound leaves over half of them undecided (memorising
// layers), the rest are scored by masc_scores directly instead of in float first. Only tests pass a
// scale other than 1: with 0 (trusting the float scores) the adversarial near-tie rows of
// tests/probes/test_masc_certified.cpp must come out wrong, which shows those rows test the bound.
std::vector<int32_t> predict_masc_certified(const MascProbe& probe, const float* X, int64_t N,
                                            MascPredictStats* stats, double bound_scale = 1.0);

}  // namespace mp::probes
