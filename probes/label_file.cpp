#include "probes/label_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/npy.h"

namespace mp::probes {

namespace {

int32_t to_label(int64_t v, const std::string& path, const std::string& where) {
  MP_CHECK(v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max(),
           path << ": label " << v << " at " << where << " does not fit in 32 bits");
  return static_cast<int32_t>(v);
}

std::vector<int32_t> from_npy(const std::vector<uint8_t>& bytes, const std::string& path) {
  const NpyArray a = parse_npy(bytes.data(), bytes.size(), path);
  const bool integer = npy_dtype_size(a.dtype) > 0 && a.dtype != "|b1" && a.dtype[1] != 'f';
  MP_CHECK(integer, path << ": labels must be integers, the array's dtype is '" << a.dtype
                         << "' (save them with y.astype(np.int64))");
  MP_CHECK(a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1),
           path << ": labels must have shape (N,) or (N, 1), this array has " << a.shape.size()
                << " dimensions"
                << (a.shape.size() == 2 ? " of width " + std::to_string(a.shape[1]) : ""));
  const std::vector<int64_t> v = npy_to_i64(a);
  std::vector<int32_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = to_label(v[i], path, "row " + std::to_string(i));
  return out;
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::vector<int32_t> from_text(const std::string& text, const std::string& path) {
  std::vector<std::string> lines;
  size_t a = 0;
  while (a < text.size()) {
    size_t b = text.find('\n', a);
    if (b == std::string::npos) b = text.size();
    lines.push_back(trim(text.substr(a, b - a)));
    a = b + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();  // trailing blank lines
  std::vector<int32_t> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const std::string where = "line " + std::to_string(i + 1);
    MP_CHECK(l.find(',') == std::string::npos,
             path << " " << where << ": more than one column; expected one label per line "
                  << "(a one-column CSV)");
    if (i == 0 && !l.empty() &&
        (std::isalpha(static_cast<unsigned char>(l[0])) || l[0] == '_' || l[0] == '"'))
      continue;  // the header
    MP_CHECK(!l.empty(), path << " " << where << ": empty line; expected a label");
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(l.c_str(), &end, 10);
    MP_CHECK(end && *end == '\0' && errno == 0,
             path << " " << where << ": '" << l.substr(0, 40) << "' is not an integer label");
    out.push_back(to_label(v, path, where));
  }
  return out;
}

}  // namespace

std::vector<int32_t> load_label_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  if (bytes.size() >= 6 && std::memcmp(bytes.data(), "\x93NUMPY", 6) == 0)
    return from_npy(bytes, path);
  std::vector<int32_t> out = from_text(std::string(bytes.begin(), bytes.end()), path);
  MP_CHECK(!out.empty(), path << ": no labels (expected a .npy or one integer per line)");
  return out;
}

void check_label_range(const std::vector<int32_t>& labels, int num_classes,
                       const std::string& path) {
  int64_t bad = 0, first = -1;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      if (first < 0) first = static_cast<int64_t>(i);
      ++bad;
    }
  }
  MP_CHECK(bad == 0, path << ": " << bad << " of " << labels.size() << " labels are outside 0.."
                          << num_classes - 1 << " (first: row " << first << " has label "
                          << labels[static_cast<size_t>(first)] << ")");
}

int classes_from_labels(const std::vector<const std::vector<int32_t>*>& label_sets) {
  int32_t top = -1;
  for (const auto* s : label_sets)
    for (int32_t v : *s) top = std::max(top, v);
  return top + 1;
}

}  // namespace mp::probes
