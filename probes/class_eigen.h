#pragma once
// Per-class eigen machinery shared by MASC (docs/method.md §8) and the linear probe (§9): for the
// rows of one class, the spectrum of the uncentred second moment S_c = X_c^T X_c (descending) and
// its top eigenvectors, computed once so that fitting both probes never eigendecomposes twice.
//
// Two exact paths:
//  - direct: S_c (d x d) by dsyrk in double, then tridiagonalise + all eigenvalues + only the
//    wanted top-k eigenvectors (dsytrd, dsterf, dstemr, dormtr).
//  - Gram:   G = X_c X_c^T (N_c x N_c) has the same non-zero spectrum; an eigenvector u of G with
//    eigenvalue l maps to the unit eigenvector v = X_c^T u / sqrt(l) of S_c. Needed when
//    N_c < d (conv layers with d = 16384 would otherwise need a 2 GB matrix and an O(d^3) solve).
#include <cstdint>
#include <string>
#include <vector>

namespace mp::probes {

enum class EigenPath { kAuto, kDirect, kGram };  // kAuto: Gram iff N_c < d

// How many eigenvectors to keep, decided from the spectrum.
struct ComponentRule {
  double tau = 0.99;  // keep 1 + #{j : cumsum(lambda/sum lambda)_j <= tau}
  int fixed_k = 0;    // > 0: keep exactly this many (clamped to the numerical rank)
  bool operator==(const ComponentRule& o) const { return tau == o.tau && fixed_k == o.fixed_k; }
};

// The rule as probes.csv's `rule` cell: "k=3" for a fixed count, else "tau=0.99" (the shortest
// decimal that reads back as the same double).
std::string rule_name(const ComponentRule& rule);

// k_c under `rule` for a spectrum already computed (ClassEigen::eigenvalues and ::rank): the one
// count both the decomposition and the per-rule MASC of an ablation use, so a rule's k_c does not
// depend on which other rules were fitted beside it.
int rule_components(const std::vector<double>& desc, int rank, int64_t d,
                    const ComponentRule& rule);

// Where one class's decomposition spent its time, in seconds of the thread that computed it (a
// class runs on one thread when classes run side by side): what a user reads to see which part
// of a fit dominates (bench_probes prints the sums). Timing never changes a result.
struct FitSeconds {
  double moment = 0;    // S_c = X_c^T X_c (or the Gram matrix) by dsyrk, rows converted to double
  double reduce = 0;    // dsytrd: the tridiagonal reduction (half of it memory-bound dsymv)
  double solve = 0;     // dsterf + the tridiagonal eigenvectors (dstedc or dstemr)
  double back = 0;      // dormtr: back-transform of the kept (and complement) vectors
  double defect = 0;    // the orthogonality bound of [vectors; complement] (one n^3 dsyrk)
  double gram_map = 0;  // Gram path: V = U X_c and the normalisation
  double total() const { return moment + reduce + solve + back + defect + gram_map; }
  FitSeconds& operator+=(const FitSeconds& o);
};

struct ClassEigen {
  int64_t rows = 0;   // N_c
  int64_t dim = 0;    // d
  bool gram = false;  // which path computed it
  // Descending spectrum of S_c as computed: d values (direct) or N_c values (Gram; the other
  // d - N_c eigenvalues of S_c are exactly zero).
  std::vector<double> eigenvalues;
  int rank = 0;  // numerical rank: #{lambda_j > max(N_c, d) * eps * lambda_1}
  int k = 0;     // eigenvectors kept (0 only if the class is empty or all its rows are zero); with
                 // several rules, the most any of them keeps (each rule keeps a prefix)
  std::vector<double> vectors;  // k x d row-major, orthonormal rows, eigenvalue descending
  // The other d - k eigenvectors, computed only on the direct path when k >= 2d/3 (so that
  // there are at most half as many of them as kept vectors: masc_complement.h scores with them
  // instead). (d - k) x d row-major, eigenvalue descending, continuing `vectors`; from the same
  // tridiagonal solve, back-transformed by a call of their own, so `vectors` are bit-identical
  // to a fit that does not compute them.
  std::vector<double> complement;
  // >= 0 when `complement` was computed: a rigorous upper bound on ||Q Q^T - I||_2 for the
  // d x d matrix Q whose rows are `vectors` then `complement` (measured, not assumed: Q Q^T by
  // dsyrk plus that product's own worst-case rounding). < 0: no complement.
  double orth_defect = -1;
  FitSeconds seconds;  // where this decomposition's time went
};

// The numpy peer's component count for a descending spectrum, reproducing its floating-point
// steps: s = pairwise sum (numpy's np.sum order), r_j = lambda_j / s, sequential cumsum, and
// 1 + count of cumsum <= tau over the WHOLE array (not just a prefix). `pad_to` > size appends
// exact zeros first (the Gram path's missing eigenvalues) so the summation tree matches a full
// d-length spectrum. Returns the unclamped count; callers clamp to the rank.
int count_components_tau(const std::vector<double>& desc, double tau, int64_t pad_to = 0);

// numpy's pairwise summation (umath loops, blocks of 8 accumulators below 128 elements).
double numpy_pairwise_sum(const double* a, int64_t n);

// The eigen data of class c: rows i with labels[i] == c of the N x d float32 matrix X.
ClassEigen class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels, int c,
                       const ComponentRule& rule, EigenPath path = EigenPath::kAuto);

// Same, on an explicit list of row indices (labels already applied).
ClassEigen class_eigen_rows(const float* X, int64_t d, const std::vector<int64_t>& rows,
                            const ComponentRule& rule, EigenPath path = EigenPath::kAuto);

// Several rules from ONE decomposition (the tau ablation, docs/method.md §8): k is the largest
// rule_components() over `rules` (non-empty), so every rule's vectors are a prefix of `vectors`.
// With one rule this is exactly class_eigen_rows(X, d, rows, rules[0], path).
ClassEigen class_eigen_rows(const float* X, int64_t d, const std::vector<int64_t>& rows,
                            const std::vector<ComponentRule>& rules,
                            EigenPath path = EigenPath::kAuto);

// class_eigen for every class 0..K-1 (labels must lie in [0, K)). With `parallel_classes` and
// more than one OpenMP thread, classes run concurrently, each with single-threaded BLAS (the
// OpenMP OpenBLAS runs serially inside a parallel region): the tridiagonal reduction is
// memory-bound, so two classes side by side beat one class on two threads. Results do not
// depend on the thread count in that mode.
std::vector<ClassEigen> all_class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                        int num_classes, const ComponentRule& rule, EigenPath path,
                                        bool parallel_classes);
// The same for several rules at once (see the class_eigen_rows overload above).
std::vector<ClassEigen> all_class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                        int num_classes, const std::vector<ComponentRule>& rules,
                                        EigenPath path, bool parallel_classes);

// Throws unless every label lies in [0, K).
void check_labels(const int32_t* labels, int64_t N, int num_classes, const char* who);

// Indices of the rows of class c, ascending.
std::vector<int64_t> class_row_indices(const int32_t* labels, int64_t N, int c);

// A rigorous upper bound on ||Q Q^T - I||_2 for the n x n row-major Q whose rows are `top` then
// `bottom` (ClassEigen::orth_defect); < 0 if it is not finite. One n^3 dsyrk.
double orthogonality_defect(const std::vector<double>& top, const std::vector<double>& bottom,
                            int64_t n);

// Reference twin (test oracle): full symmetric eigendecomposition by LAPACK dsyevd of an
// n x n symmetric matrix (row-major; only the lower triangle in row-major terms is read).
// Returns eigenvalues descending; `vectors` (if non-null) gets n x n, row j = eigenvector j.
std::vector<double> eigh_reference(std::vector<double> A, int64_t n, std::vector<double>* vectors);

}  // namespace mp::probes
