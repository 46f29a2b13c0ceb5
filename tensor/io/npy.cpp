#include "tensor/io/npy.h"

#include <cstring>
#include <limits>

#include "tensor/check.h"

namespace mp {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy files are written little-endian; a big-endian host would need byte swaps");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;                // numpy's ARRAY_ALIGN
constexpr size_t kGrowthDigits = 21;         // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr size_t kMaxHeaderBytes = 1 << 20;  // numpy itself refuses more than 10000 by default

struct Descr {
  const char* name;
  size_t size;
  bool is_integer;  // integers and bool, for npy_to_i64
  bool is_signed;
};
constexpr Descr kDescrs[] = {
    {"<f2", 2, false, true}, {"<f4", 4, false, true}, {"<f8", 8, false, true},
    {"|i1", 1, true, true},  {"<i2", 2, true, true},  {"<i4", 4, true, true},
    {"<i8", 8, true, true},  {"|u1", 1, true, false}, {"<u2", 2, true, false},
    {"<u4", 4, true, false}, {"<u8", 8, true, false}, {"|b1", 1, true, false}};

const Descr* find_descr(const std::string& d) {
  for (const Descr& x : kDescrs)
    if (d == x.name) return &x;
  return nullptr;
}

// Element count of a shape with overflow detection; extents are checked non-negative.
bool checked_numel(const std::vector<int64_t>& shape, size_t elem, uint64_t* numel,
                   uint64_t* nbytes) {
  uint64_t nz = 1, n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (d != 0 && __builtin_mul_overflow(nz, uint64_t(d), &nz)) return false;
    if (nz > uint64_t(std::numeric_limits<int64_t>::max())) return false;
    n = (d == 0 || n == 0) ? 0 : nz;
  }
  *numel = n;
  return !__builtin_mul_overflow(n, uint64_t(elem), nbytes);
}

std::string shape_repr(const std::vector<int64_t>& shape) {  // Python's repr of a tuple
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// Parser for the header dict, a Python literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Only what numpy writes is accepted: quoted strings without escapes, True/False, tuples of
// non-negative integers.
class DictParser {
 public:
  DictParser(const std::string& s, const std::string& file) : s_(s), file_(file) {}

  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool eat(char c) {
    ws();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool at_end() {
    ws();
    return i_ == s_.size();
  }
  std::string str() {
    ws();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail("expected a quoted string");
    char q = s_[i_++];
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\') fail("escapes in strings are not supported");
      ++i_;
    }
    if (i_ >= s_.size()) fail("unterminated string");
    return s_.substr(start, i_++ - start);
  }
  bool boolean() {
    ws();
    if (s_.compare(i_, 4, "True") == 0) return i_ += 4, true;
    if (s_.compare(i_, 5, "False") == 0) return i_ += 5, false;
    fail("expected True or False");
  }
  int64_t integer() {
    ws();
    uint64_t v = 0;
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      if (i_ - start >= 19) fail("shape extent too large");
      v = v * 10 + uint64_t(s_[i_++] - '0');
    }
    if (i_ == start) fail("expected a non-negative integer");
    return static_cast<int64_t>(v);
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> out;
    bool trailing_comma = false;
    while (!eat(')')) {
      if (!out.empty() && !trailing_comma) fail("expected ',' or ')' in shape");
      if (out.size() >= 64) fail("more than 64 dimensions");
      out.push_back(integer());
      trailing_comma = eat(',');
    }
    // "(5)" is the integer 5 in Python, not a tuple; numpy rejects it, so do we.
    if (out.size() == 1 && !trailing_comma) fail("shape (n) is not a tuple; expected (n,)");
    return out;
  }
  [[noreturn]] void fail(const std::string& what) {
    MP_FAIL(file_ << ": corrupt .npy header: " << what << " at offset " << i_ << " of \""
                  << s_.substr(0, 120) << "\"");
  }

 private:
  const std::string& s_;
  const std::string& file_;
  size_t i_ = 0;
};

#define CORRUPT(msg) MP_FAIL(name << ": corrupt .npy file: " << msg)

void save_raw(const std::string& path, const std::string& dtype, const std::vector<int64_t>& shape,
              bool fortran_order, const void* data, size_t nbytes) {
  const Descr* d = find_descr(dtype);
  MP_CHECK(d, "save_npy '" << path << "': unsupported dtype '" << dtype << "'");
  uint64_t numel, expect;
  MP_CHECK(checked_numel(shape, d->size, &numel, &expect),
           "save_npy '" << path << "': invalid shape " << shape_repr(shape));
  MP_CHECK(expect == nbytes, "save_npy '" << path << "': " << nbytes << " bytes for shape "
                                          << shape_repr(shape) << " of " << dtype);
  std::string header = npy_header(dtype, shape, fortran_order);
  AtomicWriter w(path);
  w.write(header.data(), header.size());
  if (nbytes > 0) w.write(data, nbytes);
  w.commit();
}

// Bytes of `a` in C order (a copy reordered from Fortran order when needed).
std::vector<uint8_t> c_order_bytes(const NpyArray& a, size_t elem) {
  if (!a.fortran_order || a.shape.size() < 2) return a.bytes;
  std::vector<uint8_t> out(a.bytes.size());
  const size_t nd = a.shape.size();
  std::vector<int64_t> idx(nd, 0), fstride(nd, 1);
  for (size_t k = 1; k < nd; ++k) fstride[k] = fstride[k - 1] * a.shape[k - 1];
  const int64_t n = a.numel();
  for (int64_t c = 0; c < n; ++c) {  // c walks C order; idx is its multi-index
    int64_t f = 0;
    for (size_t k = 0; k < nd; ++k) f += idx[k] * fstride[k];
    std::memcpy(&out[size_t(c) * elem], &a.bytes[size_t(f) * elem], elem);
    for (size_t k = nd; k-- > 0;) {
      if (++idx[k] < a.shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t npy_dtype_size(const std::string& dtype) {
  const Descr* d = find_descr(dtype);
  return d ? d->size : 0;
}

std::string npy_header(const std::string& dtype, const std::vector<int64_t>& shape,
                       bool fortran_order) {
  MP_CHECK(find_descr(dtype), "npy: unsupported dtype '" << dtype << "'");
  std::string dict = "{'descr': '" + dtype +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': " + shape_repr(shape) + ", }";
  // numpy leaves room for the growth axis to reach 21 digits so the header can be rewritten
  // in place when rows are appended; NpyWriter relies on exactly that.
  if (!shape.empty()) {
    size_t digits = std::to_string(fortran_order ? shape.back() : shape.front()).size();
    dict.append(kGrowthDigits > digits ? kGrowthDigits - digits : 0, ' ');
  }
  size_t hlen = dict.size() + 1;  // + '\n'
  size_t pad = kAlign - ((kMagicLen + 2 + 2 + hlen) % kAlign);
  dict.append(pad, ' ');
  dict.push_back('\n');
  MP_CHECK(dict.size() <= 65535, "npy: header too long for format 1.0");
  std::string out(kMagic, kMagicLen);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>(dict.size() >> 8));
  return out + dict;
}

void save_npy(const std::string& path, const Tensor& t) {
  MP_CHECK(t.defined(), "save_npy '" << path << "': undefined tensor");
  Tensor c = t.contiguous();
  save_raw(path, "<f4", c.shape().vec(), false, c.data(), size_t(c.numel()) * sizeof(float));
}
void save_npy(const std::string& path, const NpyArray& a) {
  save_raw(path, a.dtype, a.shape, a.fortran_order, a.bytes.data(), a.bytes.size());
}

namespace {
template <class T>
void save_typed(const std::string& path, const char* dtype, const T* data,
                const std::vector<int64_t>& shape) {
  uint64_t numel, nbytes;
  MP_CHECK(checked_numel(shape, sizeof(T), &numel, &nbytes),
           "save_npy '" << path << "': invalid shape " << shape_repr(shape));
  MP_CHECK(data || nbytes == 0, "save_npy '" << path << "': null data");
  save_raw(path, dtype, shape, false, data, size_t(nbytes));
}
}  // namespace

void save_npy_f32(const std::string& p, const float* d, const std::vector<int64_t>& s) {
  save_typed(p, "<f4", d, s);
}
void save_npy_f64(const std::string& p, const double* d, const std::vector<int64_t>& s) {
  save_typed(p, "<f8", d, s);
}
void save_npy_i32(const std::string& p, const int32_t* d, const std::vector<int64_t>& s) {
  save_typed(p, "<i4", d, s);
}
void save_npy_i64(const std::string& p, const int64_t* d, const std::vector<int64_t>& s) {
  save_typed(p, "<i8", d, s);
}
void save_npy_u8(const std::string& p, const uint8_t* d, const std::vector<int64_t>& s) {
  save_typed(p, "|u1", d, s);
}

// --- streaming writer ---

NpyWriter::NpyWriter(const std::string& path, const std::string& dtype,
                     const std::vector<int64_t>& shape)
    : w_(path), dtype_(dtype), shape_(shape) {
  const Descr* d = find_descr(dtype);
  MP_CHECK(d, "NpyWriter '" << path << "': unsupported dtype '" << dtype << "'");
  MP_CHECK(!shape.empty(), "NpyWriter '" << path << "': needs at least one dimension (rows)");
  std::vector<int64_t> row_shape(shape.begin() + 1, shape.end());
  uint64_t numel, nbytes;
  MP_CHECK(checked_numel(row_shape, d->size, &numel, &nbytes),
           "NpyWriter '" << path << "': invalid shape " << shape_repr(shape));
  row_bytes_ = size_t(nbytes);
  // Placeholder header with 0 rows when the count is open; same length as the final one.
  std::vector<int64_t> first = shape_;
  if (first[0] < 0) first[0] = 0;
  std::string header = npy_header(dtype_, first);
  w_.write(header.data(), header.size());
}

void NpyWriter::append(const void* rows, int64_t n_rows) {
  MP_CHECK(n_rows >= 0, "NpyWriter '" << w_.path() << "': negative row count");
  MP_CHECK(shape_[0] < 0 || rows_ + n_rows <= shape_[0],
           "NpyWriter '" << w_.path() << "': " << rows_ + n_rows << " rows appended to an array of "
                         << shape_[0]);
  uint64_t nbytes;
  MP_CHECK(!__builtin_mul_overflow(uint64_t(n_rows), uint64_t(row_bytes_), &nbytes),
           "NpyWriter '" << w_.path() << "': row count overflow");
  if (nbytes > 0) w_.write(rows, size_t(nbytes));
  rows_ += n_rows;
}

void NpyWriter::append(const Tensor& rows) {
  MP_CHECK(dtype_ == "<f4",
           "NpyWriter '" << w_.path() << "': Tensor rows into a " << dtype_ << " array");
  MP_CHECK(rows.ndim() == int(shape_.size()),
           "NpyWriter '" << w_.path() << "': rows of shape " << rows.shape().str());
  for (size_t k = 1; k < shape_.size(); ++k)
    MP_CHECK(rows.size(int(k)) == shape_[k], "NpyWriter '" << w_.path() << "': rows of shape "
                                                           << rows.shape().str()
                                                           << " do not match the array's");
  Tensor c = rows.contiguous();
  append(c.data(), c.size(0));
}

void NpyWriter::commit() {
  if (shape_[0] < 0) {
    std::vector<int64_t> final_shape = shape_;
    final_shape[0] = rows_;
    std::string header = npy_header(dtype_, final_shape);
    w_.write_at(0, header.data(), header.size());
  } else {
    MP_CHECK(rows_ == shape_[0], "NpyWriter '" << w_.path() << "': " << rows_ << " of " << shape_[0]
                                               << " rows appended at commit");
  }
  w_.commit();
}

// --- reader ---

NpyHeader parse_npy_header(const uint8_t* data, size_t n, const std::string& name) {
  if (n < 10 || std::memcmp(data, kMagic, kMagicLen) != 0)
    CORRUPT("no \\x93NUMPY magic (not a .npy file, or truncated)");
  const int major = data[6], minor = data[7];
  if ((major < 1 || major > 3) || minor != 0)
    CORRUPT("unsupported format version " << major << "." << minor);
  size_t prefix = major == 1 ? 10 : 12;
  if (n < prefix) CORRUPT("truncated header");
  uint64_t hlen = major == 1 ? uint64_t(data[8]) | uint64_t(data[9]) << 8
                             : uint64_t(data[8]) | uint64_t(data[9]) << 8 |
                                   uint64_t(data[10]) << 16 | uint64_t(data[11]) << 24;
  if (hlen > n - prefix) CORRUPT("header length " << hlen << " runs past the end of the file");
  if (hlen > kMaxHeaderBytes) CORRUPT("header length " << hlen << " is implausibly large");
  std::string text(reinterpret_cast<const char*>(data + prefix), size_t(hlen));
  if (text.empty() || text.back() != '\n') CORRUPT("header does not end with a newline");

  DictParser p(text, name);
  NpyHeader h;
  bool have_descr = false, have_order = false, have_shape = false;
  p.expect('{');
  while (!p.eat('}')) {
    std::string key = p.str();
    p.expect(':');
    bool* seen = key == "descr"           ? &have_descr
                 : key == "fortran_order" ? &have_order
                 : key == "shape"         ? &have_shape
                                          : nullptr;
    if (!seen) p.fail("unknown key '" + key + "'");
    if (*seen) p.fail("duplicate key '" + key + "'");
    *seen = true;
    if (key == "descr") h.dtype = p.str();
    if (key == "fortran_order") h.fortran_order = p.boolean();
    if (key == "shape") h.shape = p.tuple();
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  if (!p.at_end()) p.fail("text after the closing '}'");
  if (!have_descr || !have_order || !have_shape)
    CORRUPT("header lacks one of 'descr', 'fortran_order', 'shape'");
  const Descr* d = find_descr(h.dtype);
  if (!d)
    CORRUPT(
        "unsupported dtype '" << h.dtype << "'"
                              << (h.dtype.size() > 0 && h.dtype[0] == '>' ? " (big-endian)" : ""));
  uint64_t numel, nbytes;
  if (!checked_numel(h.shape, d->size, &numel, &nbytes))
    CORRUPT("shape " << shape_repr(h.shape) << " overflows");
  const uint64_t have = n - prefix - hlen;
  if (have != nbytes)
    CORRUPT("shape " << shape_repr(h.shape) << " of " << h.dtype << " needs " << nbytes
                     << " data bytes but the file has " << have
                     << (have < nbytes ? " (truncated)" : " (trailing bytes)"));
  h.data_offset = prefix + size_t(hlen);
  h.data_bytes = size_t(nbytes);
  return h;
}

NpyArray parse_npy(const uint8_t* data, size_t n, const std::string& name) {
  const NpyHeader h = parse_npy_header(data, n, name);
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  a.fortran_order = h.fortran_order;
  a.bytes.assign(data + h.data_offset, data + n);
  return a;
}

NpyArray load_npy(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

#undef CORRUPT

Tensor npy_to_tensor(const NpyArray& a) {
  MP_CHECK(a.dtype == "<f4", "npy_to_tensor: dtype " << a.dtype << ", expected <f4");
  MP_CHECK(a.shape.size() <= size_t(kMaxDims),
           "npy_to_tensor: " << a.shape.size() << " dimensions, at most 5");
  MP_CHECK(a.bytes.size() == size_t(a.numel()) * 4, "npy_to_tensor: byte count mismatch");
  Tensor t = Tensor::empty(Shape(a.shape));
  std::vector<uint8_t> c = c_order_bytes(a, 4);
  if (!c.empty()) std::memcpy(t.data(), c.data(), c.size());
  return t;
}

std::vector<double> npy_to_f64(const NpyArray& a) {
  MP_CHECK(a.dtype == "<f4" || a.dtype == "<f8",
           "npy_to_f64: dtype " << a.dtype << ", expected <f4 or <f8");
  const size_t elem = a.dtype == "<f4" ? 4 : 8;
  MP_CHECK(a.bytes.size() == size_t(a.numel()) * elem, "npy_to_f64: byte count mismatch");
  std::vector<uint8_t> c = c_order_bytes(a, elem);
  std::vector<double> out(c.size() / elem);
  for (size_t i = 0; i < out.size(); ++i) {
    if (elem == 4) {
      float f;
      std::memcpy(&f, &c[i * 4], 4);
      out[i] = f;
    } else {
      std::memcpy(&out[i], &c[i * 8], 8);
    }
  }
  return out;
}

std::vector<int64_t> npy_to_i64(const NpyArray& a) {
  const Descr* d = find_descr(a.dtype);
  MP_CHECK(d && d->is_integer, "npy_to_i64: dtype " << a.dtype << " is not an integer type");
  MP_CHECK(a.bytes.size() == size_t(a.numel()) * d->size, "npy_to_i64: byte count mismatch");
  std::vector<uint8_t> c = c_order_bytes(a, d->size);
  std::vector<int64_t> out(c.size() / d->size);
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t u = 0;
    std::memcpy(&u, &c[i * d->size], d->size);  // little-endian: low bytes first
    if (d->is_signed && d->size < 8 && (u >> (8 * d->size - 1)) & 1)
      u |= ~uint64_t(0) << (8 * d->size);  // sign-extend
    if (d->name == std::string("<u8"))
      MP_CHECK(u <= uint64_t(std::numeric_limits<int64_t>::max()),
               "npy_to_i64: uint64 value " << u << " does not fit in int64");
    out[i] = static_cast<int64_t>(u);
  }
  return out;
}

}  // namespace mp
