#include "tensor/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

namespace {

using json = nlohmann::json;

// The reference implementation refuses headers above 100 MB; so do we, before allocating.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// root object (0) > entry or __metadata__ (1) > shape / data_offsets arrays (2) > numbers (3).
constexpr int kMaxJsonDepth = 3;

struct DtypeSize {
  const char* name;
  size_t size;
};
constexpr DtypeSize kDtypes[] = {{"BOOL", 1},    {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1},
                                 {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
                                 {"BF16", 2},    {"I32", 4}, {"U32", 4}, {"F32", 4},
                                 {"F64", 8},     {"I64", 8}, {"U64", 8}};

// Where the bytes come from: a file (tensor data is read straight into tensor storage, so a
// checkpoint is never held twice in memory) or a buffer.
class Source {
 public:
  explicit Source(std::string name) : name_(std::move(name)) {}
  virtual ~Source() = default;
  const std::string& name() const { return name_; }
  uint64_t size() const { return size_; }
  virtual void read(uint64_t offset, void* dst, size_t n) const = 0;

 protected:
  std::string name_;
  uint64_t size_ = 0;
};

class FdSource : public Source {
 public:
  explicit FdSource(const std::string& path) : Source(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    MP_CHECK(fd_ >= 0, "cannot open '" << path << "': " << std::strerror(errno));
    struct stat st;
    int err = ::fstat(fd_, &st) != 0 ? errno : 0;
    if (err == 0 && !S_ISREG(st.st_mode)) err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    if (err != 0) {
      ::close(fd_);
      MP_FAIL("cannot read '" << path << "': " << std::strerror(err));
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FdSource() override { ::close(fd_); }
  void read(uint64_t offset, void* dst, size_t n) const override {
    uint8_t* p = static_cast<uint8_t*>(dst);
    while (n > 0) {
      ssize_t r = ::pread(fd_, p, std::min<size_t>(n, size_t(1) << 30), static_cast<off_t>(offset));
      if (r < 0 && errno == EINTR) continue;
      MP_CHECK(r >= 0, "cannot read '" << name_ << "': " << std::strerror(errno));
      MP_CHECK(r > 0, name_ << ": safetensors file truncated (it shrank while being read)");
      p += r;
      n -= static_cast<size_t>(r);
      offset += static_cast<uint64_t>(r);
    }
  }

 private:
  int fd_ = -1;
};

class MemSource : public Source {
 public:
  MemSource(const uint8_t* data, size_t n, const std::string& name) : Source(name), data_(data) {
    size_ = n;
  }
  void read(uint64_t offset, void* dst, size_t n) const override {
    if (n > 0) std::memcpy(dst, data_ + offset, n);  // bounds were validated by the caller
  }

 private:
  const uint8_t* data_;
};

struct Entry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

std::string short_dump(const json& v) {
  std::string s = v.dump();
  return s.size() <= 60 ? s : s.substr(0, 57) + "...";
}

#define CORRUPT(msg) MP_FAIL(src.name() << ": corrupt safetensors file: " << msg)

// Parses the header JSON, rejecting duplicate keys (nlohmann would silently keep the last one)
// and nesting deeper than the format has (so hostile input cannot build deep trees).
json parse_header_json(const Source& src, const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    if (depth > kMaxJsonDepth) CORRUPT("header JSON nested deeper than the format allows");
    if (ev == json::parse_event_t::object_start) open_objects.emplace_back();
    if (ev == json::parse_event_t::object_end) open_objects.pop_back();
    if (ev == json::parse_event_t::key && !open_objects.empty()) {
      const std::string& k = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(k).second) CORRUPT("duplicate key \"" << k << "\" in header");
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), cb);
  } catch (const json::exception& e) {
    CORRUPT("header is not valid JSON (" << e.what() << ")");
  }
}

uint64_t as_u64(const Source& src, const json& v, const std::string& what) {
  if (!v.is_number_unsigned()) CORRUPT(what << " is not a non-negative integer: " << short_dump(v));
  return v.get<uint64_t>();
}

Entry parse_entry(const Source& src, const std::string& name, const json& e) {
  if (!e.is_object()) CORRUPT("entry \"" << name << "\" is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!e.contains(key)) CORRUPT("entry \"" << name << "\" has no \"" << key << "\"");
  if (e.size() != 3)
    CORRUPT("entry \"" << name << "\" has keys other than dtype/shape/data_offsets");
  Entry out;
  out.name = name;
  if (!e["dtype"].is_string()) CORRUPT("dtype of \"" << name << "\" is not a string");
  out.dtype = e["dtype"].get<std::string>();
  size_t elem = safetensors_dtype_size(out.dtype);
  if (elem == 0) CORRUPT("unknown dtype \"" << out.dtype << "\" for \"" << name << "\"");
  const json& shape = e["shape"];
  if (!shape.is_array()) CORRUPT("shape of \"" << name << "\" is not an array");
  // Extents must multiply without overflow even when another extent is 0 (Shape computes
  // strides from them), and the byte count must match the offsets exactly.
  uint64_t nonzero_product = 1, numel = 1;
  for (const json& d : shape) {
    uint64_t v = as_u64(src, d, "shape extent of \"" + name + "\"");
    if (v != 0 && __builtin_mul_overflow(nonzero_product, v, &nonzero_product))
      CORRUPT("shape of \"" << name << "\" overflows");
    if (nonzero_product > uint64_t(std::numeric_limits<int64_t>::max()))
      CORRUPT("shape of \"" << name << "\" has more than 2^63 elements");
    numel = (v == 0 || numel == 0) ? 0 : nonzero_product;
    out.shape.push_back(static_cast<int64_t>(v));
  }
  const json& off = e["data_offsets"];
  if (!off.is_array() || off.size() != 2)
    CORRUPT("data_offsets of \"" << name << "\" is not a [begin, end] pair");
  out.begin = as_u64(src, off[0], "data_offsets of \"" + name + "\"");
  out.end = as_u64(src, off[1], "data_offsets of \"" + name + "\"");
  if (out.begin > out.end) CORRUPT("data_offsets of \"" << name << "\" end before they begin");
  uint64_t nbytes;
  if (__builtin_mul_overflow(numel, uint64_t(elem), &nbytes) || nbytes != out.end - out.begin)
    CORRUPT("\"" << name << "\" has shape of " << numel << " " << out.dtype << " elements but "
                 << out.end - out.begin << " data bytes");
  return out;
}

SafeTensorsFile load_from(const Source& src) {
  if (src.size() < 8)
    CORRUPT("only " << src.size() << " bytes, shorter than the 8-byte header length");
  uint8_t len_bytes[8];
  src.read(0, len_bytes, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > src.size() - 8)
    CORRUPT("header length " << n << " is larger than the file (" << src.size()
                             << " bytes): truncated, or not a safetensors file");
  if (n > kMaxHeaderBytes) CORRUPT("header length " << n << " exceeds the 100 MB limit");
  std::string text(static_cast<size_t>(n), '\0');
  src.read(8, text.data(), text.size());
  json header = parse_header_json(src, text);
  if (!header.is_object()) CORRUPT("header is not a JSON object");

  SafeTensorsFile out;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) CORRUPT("__metadata__ is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          CORRUPT("__metadata__ value of \"" << m.key() << "\" is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(src, it.key(), it.value()));
  }

  // Data must tile [0, data_size) exactly: no gaps, no overlaps, nothing trailing.
  const uint64_t data_start = 8 + n, data_size = src.size() - data_start;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expect = 0;
  for (const Entry& e : entries) {
    if (e.end > data_size)
      CORRUPT("data of \"" << e.name << "\" ends at byte " << e.end << " but the data section has "
                           << data_size << " bytes (truncated?)");
    if (e.begin != expect)
      CORRUPT("data of \"" << e.name << "\" starts at " << e.begin << " where " << expect
                           << " was expected (" << (e.begin < expect ? "overlap" : "gap") << ")");
    expect = e.end;
  }
  if (expect != data_size) CORRUPT(data_size - expect << " bytes after the last tensor's data");

  for (const Entry& e : entries) {
    const size_t nbytes = static_cast<size_t>(e.end - e.begin);
    if (e.dtype == "F32" && e.shape.size() <= static_cast<size_t>(kMaxDims)) {
      Tensor t = Tensor::empty(Shape(e.shape));
      src.read(data_start + e.begin, t.data(), nbytes);
      out.tensors.emplace_back(e.name, std::move(t));
    } else {
      SafeTensorsArray a{e.name, e.dtype, e.shape, std::vector<uint8_t>(nbytes)};
      src.read(data_start + e.begin, a.bytes.data(), nbytes);
      out.arrays.push_back(std::move(a));
    }
  }
  return out;
}

#undef CORRUPT

void check_name(const std::string& path, std::set<std::string>& seen, const std::string& name) {
  MP_CHECK(!name.empty(), "save_safetensors '" << path << "': empty tensor name");
  MP_CHECK(name != "__metadata__", "save_safetensors '" << path << "': reserved name __metadata__");
  MP_CHECK(seen.insert(name).second, "save_safetensors '" << path << "': duplicate name " << name);
}

}  // namespace

size_t safetensors_dtype_size(const std::string& dtype) {
  for (const DtypeSize& d : kDtypes)
    if (dtype == d.name) return d.size;
  return 0;
}

const Tensor& SafeTensorsFile::tensor(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  MP_FAIL("safetensors: no F32 tensor named '" << name << "'");
}

const SafeTensorsArray& SafeTensorsFile::array(const std::string& name) const {
  for (const SafeTensorsArray& a : arrays)
    if (a.name == name) return a;
  MP_FAIL("safetensors: no array named '" << name << "'");
}

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::vector<SafeTensorsArray>& arrays) {
  // ordered_json keeps the entries in data order, which makes the file easy to read by eye.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) header["__metadata__"][k] = v;
  }
  std::set<std::string> seen;
  uint64_t offset = 0;
  auto add = [&](const std::string& name, const char* dtype, const std::vector<int64_t>& shape,
                 uint64_t nbytes) {
    header[name] = {
        {"dtype", dtype}, {"shape", shape}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  };
  for (const auto& [name, t] : tensors) {
    check_name(path, seen, name);
    MP_CHECK(t.defined(), "save_safetensors '" << path << "': tensor " << name << " is undefined");
    add(name, "F32", t.shape().vec(), static_cast<uint64_t>(t.numel()) * sizeof(float));
  }
  for (const SafeTensorsArray& a : arrays) {
    check_name(path, seen, a.name);
    size_t elem = safetensors_dtype_size(a.dtype);
    MP_CHECK(elem != 0, "save_safetensors '" << path << "': unknown dtype " << a.dtype);
    uint64_t numel = 1;
    for (int64_t d : a.shape) {
      MP_CHECK(d >= 0, "save_safetensors '" << path << "': negative extent in " << a.name);
      numel *= static_cast<uint64_t>(d);
    }
    MP_CHECK(numel * elem == a.bytes.size(),
             "save_safetensors '" << path << "': " << a.name << " has " << a.bytes.size()
                                  << " bytes for " << numel << " elements of " << a.dtype);
    add(a.name, a.dtype.c_str(), a.shape, a.bytes.size());
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    MP_FAIL("save_safetensors '" << path << "': names and metadata must be UTF-8 (" << e.what()
                                 << ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data then starts 8-byte aligned

  AtomicWriter w(path);
  uint8_t len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = uint8_t(uint64_t(text.size()) >> (8 * i));
  w.write(len_bytes, 8);
  w.write(text.data(), text.size());
  for (const auto& [name, t] : tensors) {
    Tensor c = t.contiguous();
    if (c.numel() > 0) w.write(c.data(), static_cast<size_t>(c.numel()) * sizeof(float));
  }
  for (const SafeTensorsArray& a : arrays)
    if (!a.bytes.empty()) w.write(a.bytes.data(), a.bytes.size());
  w.commit();
}

SafeTensorsFile load_safetensors(const std::string& path) {
  return load_from(FdSource(path));
}

SafeTensorsFile parse_safetensors(const uint8_t* data, size_t n, const std::string& name) {
  return load_from(MemSource(data, n, name));
}

}  // namespace mp
