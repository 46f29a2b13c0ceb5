#pragma once
// MASC predictions at float32 speed with the double-precision answer guaranteed (docs/method.md
// §8, "Scoring in float, certified"). Each row is scored from one sgemm against the bases rounded
// to float, together with a rigorous bound on how far each score can be from the score the
// double-precision path (masc_scores) computes. A row whose best class wins by more than the
// bounds is decided; every other row (near ties, identical classes, non-finite values) is scored
// again by masc_scores itself. So predict_masc returns argmax(masc_scores) row for row: the bound
// makes that a theorem, not an observation (masc_certified.cpp gives the argument).
#include <cstdint>
#include <string>
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
  int64_t rescored = 0;  // rows scored by masc_scores' arithmetic: undecided, or after a failed
                         // float trial
  // The scorer of the rows after the trial (all rows when there is none): "float", "double",
  // "complement" or "complement-float".
  std::string scorer;
  double rescore_seconds = 0;  // of the wall time, what rescoring the undecided rows took
  // Scored through the complements (masc_complement.h), in float or double.
  bool complement() const { return scorer.rfind("complement", 0) == 0; }
};

// predict_masc with its statistics, and `bound_scale` multiplying every bound. The scorer is
// chosen by its cost per row (masc_certified.cpp). When complement_pays(probe), through the
// complements (masc_complement.h): in float32, and of more than 2,048 rows the first 1,024 are a
// trial whose undecided share prices the float pass against the double one for the rest.
// Otherwise directly, in float32 with the same kind of trial against masc_scores itself. Only
// tests pass a scale other than 1: with 0 (trusting the float scores) the adversarial near-tie
// rows of tests/probes/test_masc_certified.cpp must come out wrong, which shows those rows test
// the bound.
std::vector<int32_t> predict_masc_certified(const MascProbe& probe, const float* X, int64_t N,
                                            MascPredictStats* stats, double bound_scale = 1.0);

}  // namespace mp::probes
