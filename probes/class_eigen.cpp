#include "probes/class_eigen.h"

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include <omp.h>

#include "probes/lapack.h"
#include "probes/rounding_bound.h"
#include "tensor/check.h"
#include "tensor/stopwatch.h"

namespace mp::probes {

namespace {

// Rows (or columns) are converted to double in blocks of about this many doubles, so the class
// never needs a full double copy (a 6000 x 16384 class would take 786 MB) while each BLAS call
// still has a long enough inner dimension to run near peak.
constexpr int64_t kBlockDoubles = int64_t{1} << 22;  // 32 MB

double threshold_rank(int64_t rows, int64_t d) {
  return static_cast<double>(std::max(rows, d)) * DBL_EPSILON;
}

// The eigenvectors of the symmetric tridiagonal (D, E) belonging to its k largest eigenvalues:
// Z gets n x k column-major, ascending eigenvalue order. Many vectors (MASC keeps ~40 % of a
// noisy layer's spectrum): divide and conquer for all n, keep the last k columns (measured at
// n = 2048, k = 850: 0.29 s vs 0.44 s for MRRR). Few vectors (the linear probe's one, or a
// large Gram matrix): MRRR for just those, O(n k). `bottom`, when given (only with 4k > n), gets
// the other n - k columns of the same divide-and-conquer solve, n x (n - k) column-major.
void tridiagonal_top_vectors(const std::vector<double>& D, const std::vector<double>& E, int n,
                             int k, std::vector<double>& Z, std::vector<double>* bottom) {
  std::vector<double> Dw(D), Ew(E);
  int info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  if (static_cast<int64_t>(k) * 4 > n) {
    const char compz = 'I';
    std::vector<double> Zall(static_cast<size_t>(n) * n);
    dstedc_(&compz, &n, Dw.data(), Ew.data(), Zall.data(), &n, &wq, &lwork, &iwq, &liwork, &info,
            1);
    lwork = std::max(1, static_cast<int>(wq));
    liwork = std::max(1, iwq);
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dstedc_(&compz, &n, Dw.data(), Ew.data(), Zall.data(), &n, work.data(), &lwork, iwork.data(),
            &liwork, &info, 1);
    MP_CHECK(info == 0, "probes/class_eigen: dstedc failed, info=" << info);
    Z.assign(Zall.begin() + static_cast<size_t>(n - k) * n, Zall.end());
    if (bottom) bottom->assign(Zall.begin(), Zall.begin() + static_cast<size_t>(n - k) * n);
    return;
  }
  MP_CHECK(bottom == nullptr,
           "probes/class_eigen: bottom vectors need the divide-and-conquer path");
  const char jobz = 'V', range = 'I';
  const int il = n - k + 1, iu = n;
  const double vl = 0, vu = 0;
  int m = 0, tryrac = 1, nzc = k;
  std::vector<double> W(n);
  Z.assign(static_cast<size_t>(n) * k, 0.0);
  std::vector<int> isuppz(2 * static_cast<size_t>(k));
  dstemr_(&jobz, &range, &n, Dw.data(), Ew.data(), &vl, &vu, &il, &iu, &m, W.data(), Z.data(), &n,
          &nzc, isuppz.data(), &tryrac, &wq, &lwork, &iwq, &liwork, &info, 1, 1);
  lwork = std::max(1, static_cast<int>(wq));
  liwork = std::max(1, iwq);
  std::vector<double> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  dstemr_(&jobz, &range, &n, Dw.data(), Ew.data(), &vl, &vu, &il, &iu, &m, W.data(), Z.data(), &n,
          &nzc, isuppz.data(), &tryrac, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  MP_CHECK(info == 0 && m == k,
           "probes/class_eigen: dstemr failed, info=" << info << " m=" << m << " wanted " << k);
}

// A (n x n row-major, upper triangle valid; i.e. the lower triangle in LAPACK's column-major
// view) -> all eigenvalues descending, rank, k from the rule, and the top-k eigenvectors as
// k x n row-major. A is overwritten by the Householder reflectors. The lower (column-major)
// triangle because dsytrd 'L' ran 10-20 % faster than 'U' here at n = 2048 (0.43 vs 0.50 s
// alone on one core, 0.56 vs 0.70 s with a second reduction beside it): its symmetric
// matrix-vector products, the memory-bound half of the reduction, read the trailing block by
// contiguous columns.
void top_eigen(std::vector<double>& A, int n, int64_t rows_for_rank, int64_t d,
               const std::vector<ComponentRule>& rules, std::vector<double>& desc, int& rank,
               int& k, std::vector<double>& vecs, FitSeconds& secs,
               std::vector<double>* complement = nullptr) {
  desc.clear();
  vecs.clear();
  if (complement) complement->clear();
  rank = 0;
  k = 0;
  if (n == 0) return;
  const char uplo = 'L';  // row-major upper == column-major lower
  // tau and work are the arrays dsytrd hands dsymv as its output (see lapack.h): with slack.
  std::vector<double> D(n), E(std::max(n, 1)), tau = lapack_buffer(std::max(n - 1, 1));
  int info = 0, lwork = -1;
  double wq = 0;
  Stopwatch t0;
  dsytrd_(&uplo, &n, A.data(), &n, D.data(), E.data(), tau.data(), &wq, &lwork, &info, 1);
  lwork = std::max(1, static_cast<int>(wq));
  std::vector<double> work = lapack_buffer(lwork);
  dsytrd_(&uplo, &n, A.data(), &n, D.data(), E.data(), tau.data(), work.data(), &lwork, &info, 1);
  MP_CHECK(info == 0, "probes/class_eigen: dsytrd failed with info=" << info << " (n=" << n << ")");
  secs.reduce += t0.seconds();
  t0 = Stopwatch();

  // All eigenvalues from the tridiagonal (O(n^2)): needed for the tau rule and the report.
  std::vector<double> Dw(D), Ew(E);
  dsterf_(&n, Dw.data(), Ew.data(), &info);
  MP_CHECK(info == 0, "probes/class_eigen: dsterf failed to converge, info=" << info);
  desc.assign(Dw.rbegin(), Dw.rend());

  const double top = desc[0];
  if (!(top > 0)) {  // all-zero class: no subspace
    secs.solve += t0.seconds();
    return;
  }
  const double thr = threshold_rank(rows_for_rank, d) * top;
  for (double l : desc) rank += l > thr ? 1 : 0;
  // The widest rule decides how many vectors to compute; the others keep a prefix of them.
  for (const ComponentRule& rule : rules) k = std::max(k, rule_components(desc, rank, d, rule));

  // Eigenvectors of the tridiagonal for the top k only, then back-transform just those k
  // columns: O(n^2 k) instead of the O(n^3) a full eigh spends on vectors nobody uses.
  // The complement only where it is at most half as wide as the kept set (3k >= 2n), which is
  // also where divide and conquer has computed every vector anyway.
  const bool with_complement = complement != nullptr && 3 * static_cast<int64_t>(k) >= 2 * n;
  std::vector<double> Z, Zbottom;
  tridiagonal_top_vectors(D, E, n, k, Z, with_complement ? &Zbottom : nullptr);
  secs.solve += t0.seconds();
  t0 = Stopwatch();
  // Back-transform the columns of Zc (n x m column-major, ascending) and store them as m x n
  // row-major rows in descending order: column j is contiguous, so it is already a row.
  const auto back_transform = [&](std::vector<double>& Zc, int m, std::vector<double>& rows) {
    const char side = 'L', trans = 'N';
    int lw = -1;
    dormtr_(&side, &uplo, &trans, &n, &m, A.data(), &n, tau.data(), Zc.data(), &n, &wq, &lw, &info,
            1, 1, 1);
    lw = std::max(1, static_cast<int>(wq));
    work.assign(static_cast<size_t>(lw), 0.0);
    dormtr_(&side, &uplo, &trans, &n, &m, A.data(), &n, tau.data(), Zc.data(), &n, work.data(), &lw,
            &info, 1, 1, 1);
    MP_CHECK(info == 0, "probes/class_eigen: dormtr failed, info=" << info);
    rows.resize(static_cast<size_t>(m) * n);
    for (int j = 0; j < m; ++j) {
      std::copy_n(Zc.data() + static_cast<size_t>(m - 1 - j) * n, n,
                  rows.data() + static_cast<size_t>(j) * n);
    }
  };
  // Kept vectors by a call of their own, exactly as without a complement (same shapes, same
  // values), so computing the complement never changes them.
  back_transform(Z, k, vecs);
  if (with_complement && n > k) back_transform(Zbottom, n - k, *complement);
  secs.back += t0.seconds();
}

// S = X_c^T X_c (d x d, upper triangle in row-major terms), rows converted in blocks.
std::vector<double> second_moment(const float* X, int64_t d, const std::vector<int64_t>& rows) {
  const int64_t nc = static_cast<int64_t>(rows.size());
  std::vector<double> S(static_cast<size_t>(d * d), 0.0);
  const int64_t block = std::max<int64_t>(64, kBlockDoubles / std::max<int64_t>(d, 1));
  std::vector<double> Xb(static_cast<size_t>(std::min(block, nc) * d));
  for (int64_t r0 = 0; r0 < nc; r0 += block) {
    const int64_t nb = std::min(block, nc - r0);
    for (int64_t i = 0; i < nb; ++i) {
      const float* src = X + rows[static_cast<size_t>(r0 + i)] * d;
      double* dst = Xb.data() + i * d;
      for (int64_t j = 0; j < d; ++j) dst[j] = src[j];
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(d), static_cast<int>(nb),
                1.0, Xb.data(), static_cast<int>(d), 1.0, S.data(), static_cast<int>(d));
  }
  return S;
}

// Columns [j0, j0 + w) of X_c as an N_c x w double matrix.
void gather_columns(const float* X, int64_t d, const std::vector<int64_t>& rows, int64_t j0,
                    int64_t w, std::vector<double>& out) {
  const int64_t nc = static_cast<int64_t>(rows.size());
  out.resize(static_cast<size_t>(nc * w));
  for (int64_t i = 0; i < nc; ++i) {
    const float* src = X + rows[static_cast<size_t>(i)] * d + j0;
    double* dst = out.data() + i * w;
    for (int64_t j = 0; j < w; ++j) dst[j] = src[j];
  }
}

int64_t column_block(int64_t nc, int64_t d) {
  return std::min(d, std::max<int64_t>(64, kBlockDoubles / std::max<int64_t>(nc, 1)));
}

ClassEigen eigen_direct(const float* X, int64_t d, const std::vector<int64_t>& rows,
                        const std::vector<ComponentRule>& rule) {
  ClassEigen ce;
  ce.rows = static_cast<int64_t>(rows.size());
  ce.dim = d;
  ce.gram = false;
  Stopwatch t0;
  std::vector<double> S = second_moment(X, d, rows);
  ce.seconds.moment = t0.seconds();
  top_eigen(S, static_cast<int>(d), ce.rows, d, rule, ce.eigenvalues, ce.rank, ce.k, ce.vectors,
            ce.seconds, &ce.complement);
  if (ce.k > 0 && static_cast<int64_t>(ce.vectors.size() + ce.complement.size()) == d * d) {
    t0 = Stopwatch();
    ce.orth_defect = orthogonality_defect(ce.vectors, ce.complement, static_cast<int>(d));
    ce.seconds.defect = t0.seconds();
  }
  if (ce.orth_defect < 0) ce.complement.clear();
  return ce;
}

ClassEigen eigen_gram(const float* X, int64_t d, const std::vector<int64_t>& rows,
                      const std::vector<ComponentRule>& rule) {
  ClassEigen ce;
  const int64_t nc = static_cast<int64_t>(rows.size());
  ce.rows = nc;
  ce.dim = d;
  ce.gram = true;
  if (nc == 0) return ce;
  // G = X_c X_c^T, accumulated over column blocks.
  Stopwatch t0;
  std::vector<double> G(static_cast<size_t>(nc * nc), 0.0), Xb;
  const int64_t wb = column_block(nc, d);
  for (int64_t j0 = 0; j0 < d; j0 += wb) {
    const int64_t w = std::min(wb, d - j0);
    gather_columns(X, d, rows, j0, w, Xb);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, static_cast<int>(nc), static_cast<int>(w),
                1.0, Xb.data(), static_cast<int>(w), 1.0, G.data(), static_cast<int>(nc));
  }
  ce.seconds.moment = t0.seconds();
  std::vector<double> U;
  top_eigen(G, static_cast<int>(nc), nc, d, rule, ce.eigenvalues, ce.rank, ce.k, U, ce.seconds);
  if (ce.k == 0) return ce;
  t0 = Stopwatch();
  // v_j = X_c^T u_j / sqrt(lambda_j): V (k x d) = U (k x N_c) * X_c (N_c x d), per column block.
  const int k = ce.k;
  ce.vectors.assign(static_cast<size_t>(k) * d, 0.0);
  for (int64_t j0 = 0; j0 < d; j0 += wb) {
    const int64_t w = std::min(wb, d - j0);
    gather_columns(X, d, rows, j0, w, Xb);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, static_cast<int>(w),
                static_cast<int>(nc), 1.0, U.data(), static_cast<int>(nc), Xb.data(),
                static_cast<int>(w), 0.0, ce.vectors.data() + j0, static_cast<int>(d));
  }
  // Dividing by sqrt(lambda) gives unit norm up to eps * lambda_1 / lambda_j; normalising by the
  // computed norm instead is the same map mathematically and exactly unit length numerically.
  for (int j = 0; j < k; ++j) {
    double* v = ce.vectors.data() + static_cast<size_t>(j) * d;
    const double nrm = cblas_dnrm2(static_cast<int>(d), v, 1);
    MP_CHECK(nrm > 0, "probes/class_eigen: Gram eigenvector " << j << " mapped to zero");
    cblas_dscal(static_cast<int>(d), 1.0 / nrm, v, 1);
  }
  ce.seconds.gram_map = t0.seconds();
  return ce;
}

// Eigenproblems up to this size run with single-threaded BLAS: LAPACK issues many small BLAS
// calls, and waking a second BLAS thread for each costs more than it saves (measured on the
// shared 2-core box under load: 0.86 s vs 0.04 s for a d = 23 class).
constexpr int64_t kSerialBlasMaxSize = 512;

// Runs fn with single-threaded BLAS without touching the global BLAS thread count: the OpenMP
// OpenBLAS runs serially inside an active parallel region, so fn runs on thread 0 of a team of
// two while thread 1 waits at the closing barrier. Already inside a region: just call fn.
template <typename F>
void with_serial_blas(F&& fn) {
  if (omp_in_parallel() || omp_get_max_threads() < 2) {
    fn();
    return;
  }
  std::exception_ptr error;
#pragma omp parallel num_threads(2)
  {
    if (omp_get_thread_num() == 0) {
      try {
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace

FitSeconds& FitSeconds::operator+=(const FitSeconds& o) {
  moment += o.moment;
  reduce += o.reduce;
  solve += o.solve;
  back += o.back;
  defect += o.defect;
  gram_map += o.gram_map;
  return *this;
}

double numpy_pairwise_sum(const double* a, int64_t n) {
  if (n < 8) {
    double res = 0.;
    for (int64_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

int count_components_tau(const std::vector<double>& desc, double tau, int64_t pad_to) {
  std::vector<double> w(desc);
  if (pad_to > static_cast<int64_t>(w.size())) w.resize(static_cast<size_t>(pad_to), 0.0);
  const int64_t n = static_cast<int64_t>(w.size());
  if (n == 0) return 0;
  const double s = numpy_pairwise_sum(w.data(), n);
  // np.cumsum(w / s) <= tau, counted over the whole array as np.count_nonzero does.
  int count = 0;
  double c = 0;
  for (int64_t j = 0; j < n; ++j) {
    const double r = w[static_cast<size_t>(j)] / s;
    c = (j == 0) ? r : c + r;
    count += (c <= tau) ? 1 : 0;
  }
  return count + 1;
}

std::string rule_name(const ComponentRule& rule) {
  if (rule.fixed_k > 0) return "k=" + std::to_string(rule.fixed_k);
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, rule.tau);
    if (std::strtod(buf, nullptr) == rule.tau) break;
  }
  return std::string("tau=") + buf;
}

int rule_components(const std::vector<double>& desc, int rank, int64_t d,
                    const ComponentRule& rule) {
  if (rank <= 0) return 0;
  if (rule.fixed_k > 0) return std::min(rule.fixed_k, rank);
  // Clamped to the rank: beyond it the "eigenvectors" are rounding noise (and in the Gram
  // path cannot be mapped back at all); the peer never reaches them for tau < 1.
  return std::min(count_components_tau(desc, rule.tau, d), rank);
}

std::vector<int64_t> class_row_indices(const int32_t* labels, int64_t N, int c) {
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < N; ++i) {
    if (labels[i] == c) idx.push_back(i);
  }
  return idx;
}

ClassEigen class_eigen_rows(const float* X, int64_t d, const std::vector<int64_t>& rows,
                            const ComponentRule& rule, EigenPath path) {
  return class_eigen_rows(X, d, rows, std::vector<ComponentRule>{rule}, path);
}

ClassEigen class_eigen_rows(const float* X, int64_t d, const std::vector<int64_t>& rows,
                            const std::vector<ComponentRule>& rule, EigenPath path) {
  MP_CHECK(d > 0 && d < (int64_t{1} << 31),
           "probes/class_eigen: dimension d=" << d << " must be in [1, 2^31)");
  MP_CHECK(!rule.empty(), "probes/class_eigen: no component rule");
  for (const ComponentRule& r : rule) {
    MP_CHECK(r.fixed_k >= 0, "probes/class_eigen: fixed_k=" << r.fixed_k << " is negative");
    MP_CHECK(r.tau >= 0 && r.tau <= 1,
             "probes/class_eigen: tau=" << r.tau << " must lie in [0, 1]");
  }
  const int64_t nc = static_cast<int64_t>(rows.size());
  const bool gram = path == EigenPath::kGram || (path == EigenPath::kAuto && nc < d);
  MP_CHECK((gram ? nc : d) < 46341, "probes/class_eigen: eigenproblem of size "
                                        << (gram ? nc : d) << " is too large for 32-bit LAPACK");
  const int64_t n = gram ? nc : d;
  if (n > kSerialBlasMaxSize) {
    return gram ? eigen_gram(X, d, rows, rule) : eigen_direct(X, d, rows, rule);
  }
  ClassEigen out;
  with_serial_blas(
      [&] { out = gram ? eigen_gram(X, d, rows, rule) : eigen_direct(X, d, rows, rule); });
  return out;
}

ClassEigen class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels, int c,
                       const ComponentRule& rule, EigenPath path) {
  MP_CHECK(X != nullptr || N == 0, "probes/class_eigen: X is null with N=" << N);
  return class_eigen_rows(X, d, class_row_indices(labels, N, c), rule, path);
}

void check_labels(const int32_t* labels, int64_t N, int num_classes, const char* who) {
  MP_CHECK(num_classes >= 1, who << ": num_classes=" << num_classes << " must be >= 1");
  MP_CHECK(N >= 0, who << ": negative row count N=" << N);
  MP_CHECK(labels != nullptr || N == 0, who << ": labels pointer is null with N=" << N);
  for (int64_t i = 0; i < N; ++i) {
    MP_CHECK(labels[i] >= 0 && labels[i] < num_classes, who << ": label " << labels[i] << " at row "
                                                            << i << " is outside [0, "
                                                            << num_classes << ")");
  }
}

std::vector<ClassEigen> all_class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                        int num_classes, const ComponentRule& rule, EigenPath path,
                                        bool parallel_classes) {
  return all_class_eigen(X, N, d, labels, num_classes, std::vector<ComponentRule>{rule}, path,
                         parallel_classes);
}

std::vector<ClassEigen> all_class_eigen(const float* X, int64_t N, int64_t d, const int32_t* labels,
                                        int num_classes, const std::vector<ComponentRule>& rule,
                                        EigenPath path, bool parallel_classes) {
  check_labels(labels, N, num_classes, "probes/all_class_eigen");
  MP_CHECK(X != nullptr || N == 0, "probes/all_class_eigen: X is null with N=" << N);
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(num_classes));
  for (int64_t i = 0; i < N; ++i) rows[static_cast<size_t>(labels[i])].push_back(i);
  std::vector<ClassEigen> out(static_cast<size_t>(num_classes));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(num_classes));
  const bool par = parallel_classes && num_classes > 1 && omp_get_max_threads() > 1;
  // Largest classes first so the dynamic schedule balances.
  std::vector<int> order(static_cast<size_t>(num_classes));
  for (int c = 0; c < num_classes; ++c) order[static_cast<size_t>(c)] = c;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return rows[static_cast<size_t>(a)].size() > rows[static_cast<size_t>(b)].size();
  });
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (int i = 0; i < num_classes; ++i) {
    const size_t c = static_cast<size_t>(order[static_cast<size_t>(i)]);
    try {
      out[c] = class_eigen_rows(X, d, rows[c], rule, path);
    } catch (...) {
      errors[c] = std::current_exception();  // exceptions must not leave an OpenMP region
    }
  }
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return out;
}

// A rigorous upper bound on ||Q Q^T - I||_2 for the n x n row-major Q = [top; bottom]:
// ||.||_2 <= ||.||_F, and the computed C = fl(Q Q^T) has |c_ij - q_i . q_j| <= gamma_n ||q_i||
// ||q_j|| for any summation order (Higham §3.1), so the Frobenius norm of its error is at most
// gamma_n sum_i ||q_i||^2. Costs one n^3 dsyrk: small next to the scoring it enables.
double orthogonality_defect(const std::vector<double>& top, const std::vector<double>& bottom,
                            int64_t n64) {
  const int n = static_cast<int>(n64);
  const size_t nn = static_cast<size_t>(n) * n;
  MP_CHECK(top.size() + bottom.size() == nn, "probes/class_eigen: complement does not fill Q");
  std::vector<double> Q(top);
  Q.insert(Q.end(), bottom.begin(), bottom.end());
  std::vector<double> C(nn, 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, n, 1.0, Q.data(), n, 0.0, C.data(), n);
  double off = 0, trace = 0;
  for (int i = 0; i < n; ++i) {
    const double* row = C.data() + static_cast<size_t>(i) * n;
    const double dii = row[i] - 1;  // exact (Sterbenz) for row[i] in [0.5, 2]; else rounds by U
    off += dii * dii;
    trace += row[i];
    for (int j = i + 1; j < n; ++j) off += 2 * row[j] * row[j];
  }
  const double U = kUnitRoundoffDouble, m = static_cast<double>(n) * n + 4;
  const double g_sum = rounding_gamma(m, U);      // the sum of n^2 non-negative terms
  const double g_n = rounding_gamma(n + 1.0, U);  // the dsyrk entries
  const double fro = std::sqrt(off * (1 + g_sum)) * (1 + 4 * U);
  const double sum_norms = trace * (1 + g_n) * (1 + g_sum);  // >= sum_i ||q_i||^2
  if (!std::isfinite(fro) || !std::isfinite(sum_norms)) return -1;
  return (fro + g_n * sum_norms) * (1 + 0x1p-40);
}

std::vector<double> eigh_reference(std::vector<double> A, int64_t n64,
                                   std::vector<double>* vectors) {
  MP_CHECK(
      static_cast<int64_t>(A.size()) == n64 * n64,
      "probes/eigh_reference: matrix has " << A.size() << " entries, expected n*n with n=" << n64);
  const int n = static_cast<int>(n64);
  if (n == 0) return {};
  const char jobz = vectors ? 'V' : 'N', uplo = 'U';
  std::vector<double> w(n);
  int info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  dsyevd_(&jobz, &uplo, &n, A.data(), &n, w.data(), &wq, &lwork, &iwq, &liwork, &info, 1, 1);
  lwork = std::max(1, static_cast<int>(wq));
  liwork = std::max(1, iwq);
  std::vector<double> work = lapack_buffer(lwork);  // dsyevd's dsytrd works in it (lapack.h)
  std::vector<int> iwork(static_cast<size_t>(liwork));
  with_serial_blas([&] {
    dsyevd_(&jobz, &uplo, &n, A.data(), &n, w.data(), work.data(), &lwork, iwork.data(), &liwork,
            &info, 1, 1);
  });
  MP_CHECK(info == 0, "probes/eigh_reference: dsyevd failed, info=" << info);
  if (vectors) {
    vectors->resize(static_cast<size_t>(n) * n);
    for (int j = 0; j < n; ++j) {
      std::copy_n(A.data() + static_cast<size_t>(n - 1 - j) * n, n,
                  vectors->data() + static_cast<size_t>(j) * n);
    }
  }
  return std::vector<double>(w.rbegin(), w.rend());
}

}  // namespace mp::probes
