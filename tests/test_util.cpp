#include "test_util.h"

#include "tensor/check.h"
#include "tensor/rng.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <stdexcept>

namespace mp::testing {

Tensor uniform_tensor(const Shape& shape, uint32_t seed) {
  Rng r(seed);
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = r.uniform(-1.0f, 1.0f);
  return t;
}

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() / ("memprobe-test-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + p.string());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
}

std::vector<std::string> formats_doc_columns(const std::string& heading) {
  const std::vector<uint8_t> bytes = read_file(fs::path(MEMPROBE_SOURCE_DIR) / "docs/formats.md");
  const std::string doc(bytes.begin(), bytes.end());
  std::vector<std::string> names;
  const size_t at = doc.find("\n### " + heading + "\n");
  if (at == std::string::npos) return names;
  size_t pos = doc.find("\n|", at);
  for (int line = 0; pos != std::string::npos && doc.compare(pos, 2, "\n|") == 0; ++line) {
    const size_t end = doc.find('\n', pos + 1);
    const std::string row = doc.substr(pos + 1, end - pos - 1);
    pos = end;
    if (line < 2) continue;
    const size_t a = row.find('`'), b = row.find('`', a + 1);
    if (a == std::string::npos || b == std::string::npos) break;
    names.push_back(row.substr(a + 1, b - a - 1));
  }
  return names;
}

std::string real_data_dir(const std::string& name) {
  fs::path root;
  if (const char* e = std::getenv("MEMPROBE_DATA"); e && *e) {
    root = e;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    root = fs::path(x) / "memprobe" / "datasets";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    root = fs::path(h) / ".cache" / "memprobe" / "datasets";
  }
  fs::path d = root / name;
  std::error_code ec;
  return fs::is_directory(d, ec) ? d.string() : std::string();
}

namespace {

// tol < 0: bitwise. Counts mismatches over the common length; a size difference is reported
// by operator<< and makes the comparison false.
template <typename T>
ArrayComparison compare(const T* a, size_t na, const T* b, size_t nb, double tol) {
  ArrayComparison c;
  c.size_a = na;
  c.size_b = nb;
  c.tolerance = tol;
  c.digits = std::numeric_limits<T>::max_digits10 > 0 ? std::numeric_limits<T>::max_digits10 : 20;
  const size_t n = na < nb ? na : nb;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    const bool both_nan = std::isnan(x) && std::isnan(y);
    const bool match =
        tol < 0 ? std::memcmp(&a[i], &b[i], sizeof(T)) == 0 : both_nan || std::fabs(x - y) <= tol;
    if (match) continue;
    const double diff =
        std::isnan(x) || std::isnan(y) ? std::numeric_limits<double>::infinity() : std::fabs(x - y);
    if (c.mismatches++ == 0) {
      c.first = i;
      c.first_a = x;
      c.first_b = y;
    }
    if (diff > c.largest || c.mismatches == 1) {
      c.largest = diff;
      c.largest_at = i;
    }
  }
  return c;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const ArrayComparison& c) {
  if (c.size_a != c.size_b) os << "sizes differ: " << c.size_a << " vs " << c.size_b << "; ";
  const size_t n = c.size_a < c.size_b ? c.size_a : c.size_b;
  if (c.mismatches == 0) {
    os << "all " << n << " elements " << (c.tolerance < 0 ? "bitwise equal" : "within tolerance");
    return os;
  }
  const auto old_precision = os.precision(c.digits);
  os << c.mismatches << " of " << n << " elements differ";
  if (c.tolerance >= 0) os << " by more than " << c.tolerance;
  os << "; first at [" << c.first << "]: " << c.first_a << " vs " << c.first_b;
  if (c.first_a == c.first_b) os << " (same value, other bits: signed zero or NaN payload)";
  os << "; largest |a - b| " << c.largest << " at [" << c.largest_at << "]";
  os.precision(old_precision);
  return os;
}

template <typename T>
ArrayComparison arrays_equal(const T* a, size_t na, const T* b, size_t nb) {
  return compare(a, na, b, nb, -1.0);
}

template <typename T>
ArrayComparison arrays_close(const T* a, size_t na, const T* b, size_t nb, double tol) {
  if (!(tol >= 0)) throw std::invalid_argument("arrays_close: tolerance must be >= 0");
  return compare(a, na, b, nb, tol);
}

#define MP_TEST_ARRAYS_INSTANTIATE(T)                                           \
  template ArrayComparison arrays_equal<T>(const T*, size_t, const T*, size_t); \
  template ArrayComparison arrays_close<T>(const T*, size_t, const T*, size_t, double);
MP_TEST_ARRAYS_INSTANTIATE(float)
MP_TEST_ARRAYS_INSTANTIATE(double)
MP_TEST_ARRAYS_INSTANTIATE(uint8_t)
MP_TEST_ARRAYS_INSTANTIATE(int32_t)
MP_TEST_ARRAYS_INSTANTIATE(int64_t)
#undef MP_TEST_ARRAYS_INSTANTIATE

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mp::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace mp::testing
