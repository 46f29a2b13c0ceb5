#pragma once
// MASC scores through the complement of each wide subspace (docs/method.md §8, "Scoring through
// the complement"). With [V_c; W_c] the d eigenvectors of S_c (V_c the k_c kept, W_c the other
// d - k_c), ||V_c x||^2 + ||W_c x||^2 = ||x||^2, so
//   score_c(x) = ||V_c x||^2 / ||x||^2 = 1 - ||W_c x||^2 / ||x||^2.
// A memorising layer keeps most of its spectrum (k_c ~ 1,700 of d = 2,048 at the paper MLP's
// fc3), so the right-hand side projects onto ~5x fewer directions. The two forms agree in exact
// arithmetic only up to how far the computed eigenvectors are from orthonormal, which the fit
// measures (ClassEigen::orth_defect); each score comes with a rigorous bound against the score
// masc_scores computes, and predict_masc rescores exactly the rows that bound leaves undecided,
// so predictions stay argmax(masc_scores) row for row.
#include <cstdint>

#include "probes/masc.h"
#include "probes/masc_certified.h"

namespace mp::probes {

// Whether class c is scored through its complement: it carries one and it is narrower than
// its basis.
bool scores_through_complement(const MascProbe& probe, int c);

// The directions a row is projected onto when every class that can goes through its complement,
// as a fraction of sum_c k_c (the direct path's): 1 when none can.
double complement_work_ratio(const MascProbe& probe);

// Whether scoring through the complements saves enough work over the double direct path to be
// worth it: complement_work_ratio(probe) <= 3/4 (the fit's and the bound's own costs on top).
bool complement_pays(const MascProbe& probe);

// N x K scores, class c through its complement when scores_through_complement(probe, c), else
// directly as masc_scores does; per score a bound B with |score - masc_scores| <= B (each term
// of it is derived in masc_complement.cpp). A non-finite row gets bound +inf; x = 0 scores 0
// with bound 0, as in masc_scores.
BoundedMascScores masc_scores_complement(const MascProbe& probe, const float* X, int64_t N);

// The same in float32: one sgemm against the projected rows rounded to float, each bound widened
// by the float projection's error (masc_complement.cpp). About half the double path's cost, and
// on a memorising layer its bound still decides most rows (the error scales with ||W_c x||).
BoundedMascScores masc_scores_complement_float(const MascProbe& probe, const float* X, int64_t N);

}  // namespace mp::probes
