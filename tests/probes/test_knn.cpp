// kNN (cosine, k = 5, majority vote) against a plain reference: every similarity by a loop,
// a full stable sort, a count per class.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "probes/knn.h"
#include "tensor/check.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

using namespace mp::probes;

namespace {

// M x k neighbours by the documented order: cosine desc (0 for a zero row), training index asc.
std::vector<int64_t> neighbors_reference(const std::vector<float>& X, int64_t N, int64_t d,
                                         const std::vector<float>& Q, int64_t M, int k) {
  auto inv = [d](const float* x) {
    double s = 0;
    for (int64_t j = 0; j < d; ++j) s += static_cast<double>(x[j]) * x[j];
    return s > 0 ? 1.0 / std::sqrt(s) : 0.0;
  };
  std::vector<int64_t> out;
  for (int64_t i = 0; i < M; ++i) {
    std::vector<double> s(static_cast<size_t>(N));
    const double qi = inv(&Q[static_cast<size_t>(i * d)]);
    for (int64_t t = 0; t < N; ++t) {
      double dot = 0;
      for (int64_t j = 0; j < d; ++j)
        dot += static_cast<double>(Q[static_cast<size_t>(i * d + j)]) *
               X[static_cast<size_t>(t * d + j)];
      s[static_cast<size_t>(t)] = dot * qi * inv(&X[static_cast<size_t>(t * d)]);
    }
    std::vector<int64_t> order(static_cast<size_t>(N));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&s](int64_t a, int64_t b) { return s[a] > s[b]; });
    out.insert(out.end(), order.begin(), order.begin() + std::min<int64_t>(k, N));
  }
  return out;
}

std::vector<float> gaussian(int64_t n, int64_t d, uint32_t seed, bool relu) {
  mp::Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n * d));
  for (auto& v : x) {
    v = static_cast<float>(rng.normal());
    if (relu) v = std::max(v, 0.0f);
  }
  return x;
}

}  // namespace

TEST_CASE("kNN neighbours and votes match the plain reference across blocks", "[probes]") {
  const int64_t N = 53, M = 29, d = 7;
  const int K = 4;
  const std::vector<float> X = gaussian(N, d, 3, true), Q = gaussian(M, d, 4, true);
  std::vector<int32_t> y(static_cast<size_t>(N));
  mp::Rng rng(5);
  for (auto& v : y) v = static_cast<int32_t>(rng.randint(K));
  const std::vector<int64_t> ref = neighbors_reference(X, N, d, Q, M, 5);
  for (int64_t tb : {0, 1, 4, 29}) {
    for (int64_t nb : {0, 1, 6, 53}) {
      KnnOptions o;
      o.test_block = tb;
      o.train_block = nb;
      KnnProbe p = fit_knn(X.data(), N, d, y.data(), K, o);
      CHECK(knn_neighbors(p, Q.data(), M) == ref);
      const std::vector<int32_t> pred = predict_knn(p, Q.data(), M);
      for (int64_t i = 0; i < M; ++i) {
        std::vector<int32_t> lab;
        for (int j = 0; j < 5; ++j) lab.push_back(y[static_cast<size_t>(ref[i * 5 + j])]);
        std::vector<int> votes(K, 0);
        for (int32_t l : lab) ++votes[l];
        const int32_t want = static_cast<int32_t>(std::max_element(votes.begin(), votes.end()) -
                                                  votes.begin());  // first max
        CHECK(pred[static_cast<size_t>(i)] == want);
      }
    }
  }
}

TEST_CASE("kNN equal similarities go to the lower training index", "[probes]") {
  // Rows 0..5 all point along (1, 0) (cosine 1 to the query, whatever their length), row 6 is
  // orthogonal. The five neighbours must be rows 0..4, in index order, whatever the blocks.
  const std::vector<float> X = {3, 0, 1, 0, 2, 0, 5, 0, 1, 0, 4, 0, 0, 1};
  const std::vector<int32_t> y = {2, 1, 1, 0, 0, 0, 1};
  const std::vector<float> Q = {7, 0};
  for (int64_t nb : {1, 2, 3, 7}) {
    KnnOptions o;
    o.train_block = nb;
    KnnProbe p = fit_knn(X.data(), 7, 2, y.data(), 3, o);
    CHECK(knn_neighbors(p, Q.data(), 1) == std::vector<int64_t>{0, 1, 2, 3, 4});
    // Votes among rows 0..4: label 0 x2, label 1 x2, label 2 x1 -> tie 0 vs 1 -> 0.
    CHECK(predict_knn(p, Q.data(), 1) == std::vector<int32_t>{0});
  }
}

TEST_CASE("kNN vote ties go to the smallest label", "[probes]") {
  const std::vector<int32_t> a = {3, 1, 3, 1, 2};
  CHECK(knn_vote(a.data(), 5, 4) == 1);
  const std::vector<int32_t> b = {2, 2, 0, 1, 1};
  CHECK(knn_vote(b.data(), 5, 3) == 1);
  const std::vector<int32_t> c = {4, 3, 2, 1, 0};
  CHECK(knn_vote(c.data(), 5, 5) == 0);
  const std::vector<int32_t> e = {2, 2, 2, 0, 0};
  CHECK(knn_vote(e.data(), 5, 3) == 2);
}

TEST_CASE("kNN zero rows have cosine 0 with everything", "[probes]") {
  // Training: row 0 is zero, rows 1-2 along (1, 1), rows 3-5 along (-1, 0) (cosine < 0).
  const std::vector<float> X = {0, 0, 1, 1, 2, 2, -1, 0, -2, 0, -3, 0};
  const std::vector<int32_t> y = {1, 0, 0, 2, 2, 2};
  KnnProbe p = fit_knn(X.data(), 6, 2, y.data(), 3);
  // Query (1, 1): rows 1, 2 (cos 1), then row 0 (0), then rows 3, 4 (-0.707): votes 0 x2,
  // 1 x1, 2 x2 -> tie 0 vs 2 -> 0. Query 0: every similarity 0 -> rows 0..4 in index order, labels
  // 1, 0, 0, 2, 2 -> tie 0 vs 2 -> 0.
  const std::vector<float> Q = {1, 1, 0, 0};
  CHECK(knn_neighbors(p, Q.data(), 2) == std::vector<int64_t>{1, 2, 0, 3, 4, 0, 1, 2, 3, 4});
  CHECK(predict_knn(p, Q.data(), 2) == std::vector<int32_t>{0, 0});
}

TEST_CASE("kNN with fewer training rows than k uses them all", "[probes]") {
  const std::vector<float> X = {1, 0, 0, 1};
  const std::vector<int32_t> y = {1, 0};
  KnnProbe p = fit_knn(X.data(), 2, 2, y.data(), 2);
  const std::vector<float> Q = {2, 1};
  CHECK(knn_neighbors(p, Q.data(), 1) == std::vector<int64_t>{0, 1});
  CHECK(predict_knn(p, Q.data(), 1) == std::vector<int32_t>{0});  // 1 vote each -> 0
}

TEST_CASE("kNN is the same on one and two threads", "[probes]") {
  const int64_t N = 300, M = 200, d = 16;
  const std::vector<float> X = gaussian(N, d, 8, true), Q = gaussian(M, d, 9, true);
  std::vector<int32_t> y(static_cast<size_t>(N));
  for (int64_t i = 0; i < N; ++i) y[static_cast<size_t>(i)] = static_cast<int32_t>(i % 3);
  KnnOptions o;
  o.test_block = 16;
  o.train_block = 64;
  KnnProbe p = fit_knn(X.data(), N, d, y.data(), 3, o);
  const int before = mp::num_threads();
  mp::set_num_threads(1);
  const std::vector<int64_t> one = knn_neighbors(p, Q.data(), M);
  mp::set_num_threads(2);
  const std::vector<int64_t> two = knn_neighbors(p, Q.data(), M);
  mp::set_num_threads(before);
  CHECK(one == two);
  CHECK(one == neighbors_reference(X, N, d, Q, M, 5));
}

TEST_CASE("kNN rejects bad input", "[probes]") {
  const std::vector<float> X = {1, 2};
  const std::vector<int32_t> bad = {3};
  CHECK_THROWS_AS(fit_knn(X.data(), 1, 2, bad.data(), 3), mp::Error);
  const std::vector<int32_t> y = {0};
  KnnOptions o;
  o.k = 0;
  CHECK_THROWS_AS(fit_knn(X.data(), 1, 2, y.data(), 3, o), mp::Error);
  KnnProbe empty;
  CHECK_THROWS_AS(knn_neighbors(empty, X.data(), 1), mp::Error);
}
