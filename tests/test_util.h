#pragma once
// Helpers shared by the tests: a scratch directory removed at scope exit, file writing, the
// location of real datasets (for [realdata] tests, which skip when the data is absent), and the
// comparison of large arrays.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace mp::testing {

// A tensor of `shape` filled with uniform draws in [-1, 1) from Rng(seed): the inputs of the
// gradient and lazy-zeroing tests.
Tensor uniform_tensor(const Shape& shape, uint32_t seed);

// A fresh directory under the system temp dir, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_file(const std::filesystem::path& p);

// The column names of docs/formats.md's first table after the heading "### <heading>", in order
// ("| `name` | meaning |" rows; header and rule skipped). Empty when the heading is missing.
std::vector<std::string> formats_doc_columns(const std::string& heading);

// The dataset directory the project's set-up step fetches into ($MEMPROBE_DATA, else the XDG
// cache default). Returns "" when `name` (mnist, fashion-mnist, cifar10) is not there.
std::string real_data_dir(const std::string& name);

// The comparison of two arrays, for CHECK/REQUIRE on arrays too large to print: Catch prints a
// failed `CHECK(a == b)` on two vectors element by element, which for a model's 5 million
// parameters took longer than ctest's 15-minute timeout. This prints one line instead:
//   CHECK(arrays_equal(a, b));     with expansion:
//   518 of 5321347 elements differ; first at [1234]: 0.0123 vs 0.0124; largest |a - b| 7.5e-09
//   at [4096]
// It converts to true when the arrays match. Sizes that differ are a mismatch of their own.
struct ArrayComparison {
  size_t size_a = 0, size_b = 0;
  size_t mismatches = 0;  // elements that do not match (see arrays_equal / arrays_close)
  size_t first = 0;       // index of the first mismatch
  double first_a = 0, first_b = 0;
  double largest = 0;  // largest |a - b| among mismatches (inf when a NaN is involved)
  size_t largest_at = 0;
  int digits = 17;        // significant digits that tell two values of the element type apart
  double tolerance = -1;  // < 0: bitwise comparison
  explicit operator bool() const { return size_a == size_b && mismatches == 0; }
};
std::ostream& operator<<(std::ostream& os, const ArrayComparison& c);  // the one line above

// Bitwise identity, element by element (for determinism: the same computation must give the
// same bits, so -0 differs from +0 and a NaN matches only the same NaN).
template <typename T>
ArrayComparison arrays_equal(const T* a, size_t na, const T* b, size_t nb);
// |a - b| <= tol element by element (a NaN matches only a NaN). Give the tolerance a reason.
template <typename T>
ArrayComparison arrays_close(const T* a, size_t na, const T* b, size_t nb, double tol);

template <typename T>
ArrayComparison arrays_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return arrays_equal(a.data(), a.size(), b.data(), b.size());
}
template <typename T>
ArrayComparison arrays_close(const std::vector<T>& a, const std::vector<T>& b, double tol) {
  return arrays_close(a.data(), a.size(), b.data(), b.size(), tol);
}

// The message of the mp::Error that f throws, "" when it throws none (for checking that an
// error names the file and what was wrong).
std::string error_of(const std::function<void()>& f);

}  // namespace mp::testing
