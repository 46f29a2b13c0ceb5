// The activation holder the probes' callers fill batch by batch.
#include <catch2/catch.hpp>

#include <vector>

#include "probes/activation_matrix.h"
#include "tensor/check.h"

using mp::probes::Matrix;

TEST_CASE("Matrix appends batches, slices rows and validates its size", "[probes]") {
  Matrix m;
  const std::vector<float> b1 = {1, 2, 3, 4, 5, 6};  // 2 rows of 3
  const std::vector<float> b2 = {7, 8, 9};
  m.append_rows(b1.data(), 2, 3);
  m.append_rows(b2.data(), 1, 3);
  CHECK(m.rows == 3);
  CHECK(m.cols == 3);
  CHECK(m.at(2, 1) == 8.0f);
  CHECK(m.row(1)[0] == 4.0f);
  CHECK_THROWS_AS(m.append_rows(b2.data(), 1, 2), mp::Error);  // wrong width
  Matrix s = m.slice_rows(1, 3);
  CHECK(s.rows == 2);
  CHECK(s.data == std::vector<float>{4, 5, 6, 7, 8, 9});
  CHECK_THROWS_AS(m.slice_rows(2, 4), mp::Error);
  m.validate("test");
  m.data.pop_back();
  CHECK_THROWS_AS(m.validate("test"), mp::Error);
  Matrix z(2, 4);
  CHECK(z.data == std::vector<float>(8, 0.0f));
  CHECK_THROWS_AS(Matrix(-1, 2), mp::Error);
}
