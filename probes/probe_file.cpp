#include "probes/probe_file.h"

#include <cstdlib>
#include <cstring>

#include "tensor/check.h"
#include "tensor/io/safetensors.h"

namespace mp::probes {

namespace {

template <class T>
SafeTensorsArray array_of(const std::string& name, const char* dtype, std::vector<int64_t> shape,
                          const T* data, size_t n) {
  SafeTensorsArray a{name, dtype, std::move(shape), std::vector<uint8_t>(n * sizeof(T))};
  if (n > 0) std::memcpy(a.bytes.data(), data, n * sizeof(T));
  return a;
}

void add_masc(std::vector<SafeTensorsArray>& out, const std::string& prefix, const MascProbe& m) {
  std::vector<int64_t> k(m.k.begin(), m.k.end());
  for (int c = 0; c < m.num_classes; ++c) {
    const std::vector<double>& b = m.basis[static_cast<size_t>(c)];
    out.push_back(array_of(prefix + ".basis." + std::to_string(c), "F64", {m.k[c], m.dim}, b.data(),
                           b.size()));
  }
  out.push_back(array_of(prefix + ".k", "I64", {m.num_classes}, k.data(), k.size()));
}

const SafeTensorsArray& need(const SafeTensorsFile& f, const std::string& path,
                             const std::string& name, const char* dtype,
                             const std::vector<int64_t>& shape) {
  const SafeTensorsArray* a = nullptr;
  for (const SafeTensorsArray& x : f.arrays)
    if (x.name == name) a = &x;
  MP_CHECK(a, path << ": no tensor '" << name << "' (not a memprobe probe file?)");
  MP_CHECK(a->dtype == dtype && a->shape == shape,
           path << ": tensor '" << name << "' is " << a->dtype << " of " << a->shape.size()
                << " dimensions, expected " << dtype << " of shape [" << shape[0]
                << (shape.size() > 1 ? ", " + std::to_string(shape[1]) : std::string()) << "]");
  return *a;
}

template <class T>
std::vector<T> values(const SafeTensorsArray& a) {
  std::vector<T> v(a.bytes.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), a.bytes.data(), a.bytes.size());
  return v;
}

void read_masc(const SafeTensorsFile& f, const std::string& path, const std::string& prefix, int K,
               int64_t d, std::vector<std::vector<double>>& basis, std::vector<int>& k) {
  const std::vector<int64_t> k64 = values<int64_t>(need(f, path, prefix + ".k", "I64", {K}));
  for (int c = 0; c < K; ++c) {
    const int64_t kc = k64[static_cast<size_t>(c)];
    MP_CHECK(kc >= 0 && kc <= d,
             path << ": " << prefix << ".k[" << c << "] = " << kc << " is outside 0.." << d);
    k.push_back(static_cast<int>(kc));
    basis.push_back(
        values<double>(need(f, path, prefix + ".basis." + std::to_string(c), "F64", {kc, d})));
  }
}

}  // namespace

void save_probe_file(const std::string& path, const MascProbe& masc, const LinearProbe& linear,
                     const MascProbe* masc_true, std::map<std::string, std::string> metadata) {
  const int K = linear.num_classes;
  const int64_t d = linear.dim;
  MP_CHECK(masc.num_classes == K && masc.dim == d &&
               (!masc_true || (masc_true->num_classes == K && masc_true->dim == d)),
           "save_probe_file '" << path << "': MASC (" << masc.num_classes
                               << " classes, d = " << masc.dim << ") and the linear probe (" << K
                               << ", " << d << ") were fitted on different data");
  std::vector<SafeTensorsArray> arrays;
  add_masc(arrays, "masc", masc);
  arrays.push_back(array_of("linear.weight", "F64", {K, d}, linear.W.data(), linear.W.size()));
  if (masc_true) add_masc(arrays, "masc_true", *masc_true);
  metadata["memprobe.format"] = "probe/1";
  metadata["d"] = std::to_string(d);
  metadata["K"] = std::to_string(K);
  save_safetensors(path, {}, metadata, arrays);
}

SavedProbe load_probe_file(const std::string& path) {
  const SafeTensorsFile f = load_safetensors(path);
  SavedProbe p;
  p.metadata = f.metadata;
  auto number = [&](const char* key) {
    auto it = f.metadata.find(key);
    MP_CHECK(it != f.metadata.end(), path << ": no '" << key << "' in __metadata__");
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    MP_CHECK(!it->second.empty() && *end == '\0',
             path << ": __metadata__ '" << key << "' = '" << it->second << "' is not an integer");
    return v;
  };
  p.num_classes = static_cast<int>(number("K"));
  p.dim = number("d");
  MP_CHECK(p.num_classes > 0 && p.dim > 0,
           path << ": K = " << p.num_classes << ", d = " << p.dim << " in __metadata__");
  read_masc(f, path, "masc", p.num_classes, p.dim, p.basis, p.k);
  p.linear_weight = values<double>(need(f, path, "linear.weight", "F64", {p.num_classes, p.dim}));
  bool has_true = false;
  for (const SafeTensorsArray& a : f.arrays) has_true = has_true || a.name == "masc_true.k";
  if (has_true) read_masc(f, path, "masc_true", p.num_classes, p.dim, p.basis_true, p.k_true);
  return p;
}

}  // namespace mp::probes
