#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "data/loader.h"
#include "data/subset.h"
#include "fixtures.h"
#include "tensor/check.h"
#include "tensor/rng.h"

using namespace mp;

namespace {

std::vector<int64_t> epoch_indices(data::Loader& L, int64_t epoch) {
  L.start_epoch(epoch);
  data::Batch b;
  std::vector<int64_t> all;
  while (L.next(b)) all.insert(all.end(), b.index.begin(), b.index.end());
  return all;
}

}  // namespace

TEST_CASE("loader: fixed order, partial last batch, both label arrays", "[data][loader]") {
  const data::ImageSet s = mp::testing::make_set(10, 1, 2, 3);
  std::vector<int32_t> corrupted(10);
  for (int i = 0; i < 10; ++i) corrupted[static_cast<size_t>(i)] = 9 - i;
  data::Loader L(s, s.labels, corrupted, 4, false, 1);
  CHECK(L.num_batches() == 3);
  data::Batch b;
  std::vector<int64_t> sizes;
  int64_t expect_i = 0;
  while (L.next(b)) {
    sizes.push_back(b.size());
    CHECK(b.x.shape() == Shape({b.size(), 1, 2, 3}));
    for (int64_t r = 0; r < b.size(); ++r, ++expect_i) {
      CHECK(b.index[static_cast<size_t>(r)] == expect_i);
      CHECK(b.y_true[static_cast<size_t>(r)] == s.labels[static_cast<size_t>(expect_i)]);
      CHECK(b.y_train[static_cast<size_t>(r)] == 9 - expect_i);
    }
  }
  CHECK(sizes == std::vector<int64_t>({4, 4, 2}));
  CHECK_FALSE(L.next(b));
  // A new epoch in fixed order is the same order.
  CHECK(epoch_indices(L, 1) == epoch_indices(L, 5));
}

TEST_CASE("loader: normalised values are (v/255 - mean)/std per channel", "[data][loader]") {
  data::ImageSet s = mp::testing::make_set(2, 3, 1, 2);
  s.pixels = {0, 255, 128, 1, 64, 200, /* image 1 */ 10, 20, 30, 40, 50, 60};
  data::Normalization norm{{0.5f, 0.25f, 0.0f}, {0.5f, 0.5f, 2.0f}};
  data::Loader L(s, s.labels, s.labels, 2, false, 0, norm);
  data::Batch b;
  REQUIRE(L.next(b));
  const std::vector<float> x = b.x.to_vector();
  REQUIRE(x.size() == 12);
  const float m[3] = {0.5f, 0.25f, 0.0f}, sd[3] = {0.5f, 0.5f, 2.0f};
  for (size_t k = 0; k < 12; ++k) {
    const size_t ch = (k / 2) % 3;
    CHECK(x[k] == (static_cast<float>(s.pixels[k]) / 255.0f - m[ch]) / sd[ch]);
  }
  CHECK(x[0] == -1.0f);  // 0 in channel 0 with 0.5/0.5
  CHECK(x[1] == 1.0f);   // 255
  // The default (0.5, 0.5) maps to [-1, 1]; normalize_images agrees with the loader.
  std::vector<float> out(12);
  data::normalize_images(s, 0, 2, norm, out.data());
  CHECK(out == x);
  data::normalize_images(s, 1, 1, data::Normalization{}, out.data());
  CHECK(out[0] == (10.0f / 255.0f - 0.5f) / 0.5f);
  CHECK_THROWS_AS(data::normalize_images(s, 1, 2, norm, out.data()), mp::Error);
  CHECK_THROWS_AS(data::Loader(s, s.labels, s.labels, 2, false, 0, {{0.1f, 0.2f}, {1.0f}}),
                  mp::Error);
  CHECK_THROWS_AS(data::Loader(s, s.labels, s.labels, 2, false, 0, {{0.1f}, {0.0f}}), mp::Error);
}

TEST_CASE("loader: the batch buffer is reused while the batch size is unchanged",
          "[data][loader]") {
  const data::ImageSet s = mp::testing::make_set(10, 1, 2, 2);
  data::Loader L(s, s.labels, s.labels, 3, true, 9);
  data::Batch b;
  REQUIRE(L.next(b));
  const float* first = b.x.data();
  const Tensor keep = b.x;
  REQUIRE(L.next(b));
  CHECK(b.x.data() == first);
  CHECK(b.x.same_storage(keep));
  REQUIRE(L.next(b));
  CHECK(b.x.data() == first);
  REQUIRE(L.next(b));  // last batch: 1 row, a new buffer
  CHECK(b.size() == 1);
  CHECK_FALSE(L.next(b));
}

TEST_CASE("loader: shuffled epochs are permutations that depend only on (seed, epoch)",
          "[data][loader]") {
  const data::ImageSet s = mp::testing::make_set(50, 1, 1, 1);
  data::Loader A(s, s.labels, s.labels, 8, true, 42);
  data::Loader B(s, s.labels, s.labels, 7, true, 42);
  data::Loader C(s, s.labels, s.labels, 8, true, 43);
  const std::vector<int64_t> a0 = epoch_indices(A, 0), a1 = epoch_indices(A, 1);
  std::vector<int64_t> sorted = a0;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(50);
  for (int i = 0; i < 50; ++i) iota[static_cast<size_t>(i)] = i;
  CHECK(sorted == iota);
  CHECK(a0 != iota);
  CHECK(a0 != a1);
  // Resuming at epoch 3 directly replays the order of a run that went through 0, 1, 2 first.
  const std::vector<int64_t> a3 = epoch_indices(A, 3);
  CHECK(epoch_indices(B, 3) == a3);  // batch size does not change the order
  CHECK(epoch_indices(C, 3) != a3);
  // The order is numpy's permutation under the derived seed.
  Rng rng(data::epoch_seed(42, 3));
  CHECK(rng.permutation(50) == a3);
}

TEST_CASE("loader: subsets restrict and order the samples", "[data][loader]") {
  const data::ImageSet s = mp::testing::make_set(20, 1, 1, 1);
  data::Loader L(s, s.labels, s.labels, 4, false, 0, {}, {5, 2, 17});
  CHECK(L.num_samples() == 3);
  CHECK(epoch_indices(L, 0) == std::vector<int64_t>({5, 2, 17}));
  CHECK_THROWS_AS(data::Loader(s, s.labels, s.labels, 4, false, 0, {}, {20}), mp::Error);
  CHECK_THROWS_AS(data::Loader(s, s.labels, s.labels, 0, false, 0), mp::Error);
  CHECK_THROWS_AS(data::Loader(s, std::vector<int32_t>(19), s.labels, 4, false, 0), mp::Error);
}

TEST_CASE("subsets: first-n, stratified apportionment, take", "[data][subset]") {
  CHECK(data::subset_first(10, 3) == std::vector<int64_t>({0, 1, 2}));
  CHECK_THROWS_AS(data::subset_first(10, 11), mp::Error);
  // 10 of class 0, 6 of class 1, 4 of class 2 (interleaved); n = 7 -> quotas 3.5, 2.1, 1.4
  // -> floors 3, 2, 1 and the spare slot goes to class 0 (largest remainder).
  std::vector<int32_t> y;
  for (int i = 0; i < 20; ++i) y.push_back(i < 10 ? 0 : (i < 16 ? 1 : 2));
  std::rotate(y.begin(), y.begin() + 7, y.end());
  const std::vector<int64_t> idx = data::subset_stratified(y, 7, 3);
  REQUIRE(idx.size() == 7);
  CHECK(std::is_sorted(idx.begin(), idx.end()));
  CHECK(std::set<int64_t>(idx.begin(), idx.end()).size() == 7);
  std::vector<int> per(3);
  for (int64_t i : idx) ++per[static_cast<size_t>(y[static_cast<size_t>(i)])];
  CHECK(per == std::vector<int>({4, 2, 1}));
  CHECK(data::subset_stratified(y, 7, 3) == idx);  // deterministic
  CHECK(data::subset_stratified(y, 20, 3).size() == 20);
  const data::ImageSet s = mp::testing::make_set(6, 2, 2, 2);
  const data::ImageSet t = data::take(s, {4, 1});
  CHECK(t.n == 2);
  CHECK(t.labels == std::vector<int32_t>({s.labels[4], s.labels[1]}));
  CHECK(std::equal(t.image(0), t.image(0) + 8, s.image(4)));
  CHECK(std::equal(t.image(1), t.image(1) + 8, s.image(1)));
  CHECK_THROWS_AS(data::take(s, {6}), mp::Error);
  CHECK(data::take_labels({5, 6, 7}, {2, 0}) == std::vector<int32_t>({7, 5}));
}

TEST_CASE("class_counts and channel_means", "[data]") {
  CHECK(data::class_counts({0, 2, 2, 1, 2}, 4) == std::vector<int64_t>({1, 1, 3, 0}));
  CHECK_THROWS_AS(data::class_counts({0, 4}, 4), mp::Error);
  data::ImageSet s = mp::testing::make_set(2, 2, 1, 2);
  s.pixels = {0, 10, 100, 200, 20, 30, 50, 50};
  const std::vector<double> m = data::channel_means(s);
  CHECK(m == std::vector<double>({15.0, 100.0}));
}
