// The inputs of `memprobe probe-arrays` at the library level: an activation .npy used in place
// (memory-mapped) or converted once, each malformed file refused with a message naming it; label
// files (.npy of any integer dtype, one label per line); probe_layer on views equal to
// probe_layer on owned matrices; and the saved probe read back bit for bit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "probe_fixtures.h"
#include "probes/activation_file.h"
#include "probes/label_file.h"
#include "probes/layer_probes.h"
#include "probes/probe_file.h"
#include "tensor/check.h"
#include "tensor/io/npy.h"
#include "tensor/io/npy_map.h"
#include "test_util.h"

using namespace mp;
using namespace mp::probes;
using mp::testing::TempDir;

using mp::testing::error_of;

namespace {

// A .npy with an arbitrary header dict (for dtypes and orders np.save could write but
// save_npy refuses), padded as numpy pads it.
void write_raw_npy(const std::filesystem::path& p, const std::string& dict,
                   const std::vector<uint8_t>& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string all = std::string("\x93NUMPY\x01\x00", 8);
  all += static_cast<char>(h.size() & 0xff);
  all += static_cast<char>(h.size() >> 8);
  all += h;
  all.append(reinterpret_cast<const char*>(data.data()), data.size());
  const std::vector<uint8_t> bytes(all.begin(), all.end());
  mp::testing::write_file(p, bytes);
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  mp::testing::write_file(p, std::vector<uint8_t>(text.begin(), text.end()));
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("activation file: float32 C order is used in place, float64 converted once",
          "[probes][arrays]") {
  TempDir tmp;
  const std::vector<float> x = {0.5f, 1.0f, -2.0f, 3.25f, 0.0f, 7.0f};
  save_npy_f32((tmp / "a.npy").string(), x.data(), {3, 2});
  const ActivationFile a((tmp / "a.npy").string());
  CHECK(a.rows() == 3);
  CHECK(a.cols() == 2);
  CHECK_FALSE(a.converted());
  // In place: the data pointer lies inside the mapping, 64-byte aligned as numpy writes it.
  CHECK(reinterpret_cast<uintptr_t>(a.data()) % 64 == 0);
  CHECK(std::vector<float>(a.data(), a.data() + 6) == x);

  const std::vector<double> x64 = {0.1, 1.0, -2.0, 3.25, 0.0, 7.0};
  save_npy_f64((tmp / "b.npy").string(), x64.data(), {3, 2});
  const ActivationFile b((tmp / "b.npy").string());
  CHECK(b.converted());
  CHECK(b.stored_dtype() == "<f8");
  for (size_t i = 0; i < 6; ++i) CHECK(b.data()[i] == static_cast<float>(x64[i]));
}

TEST_CASE("activation file: each malformed input is refused naming the file and the defect",
          "[probes][arrays]") {
  TempDir tmp;
  const std::string p = (tmp / "bad.npy").string();
  const std::vector<float> x(12, 1.0f);

  save_npy_f32(p, x.data(), {2, 3, 2});
  std::string e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, p));
  CHECK(contains(e, "2-D"));

  const std::vector<int32_t> ints(6, 1);
  save_npy_i32(p, ints.data(), {3, 2});
  e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, p));
  CHECK(contains(e, "unsupported dtype '<i4'"));

  NpyArray fortran;
  fortran.dtype = "<f4";
  fortran.shape = {3, 2};
  fortran.fortran_order = true;
  fortran.bytes.assign(24, 0);
  save_npy(p, fortran);
  e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, p));
  CHECK(contains(e, "Fortran"));

  write_raw_npy(p, "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }",
                std::vector<uint8_t>(24, 0));
  e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, p));
  CHECK(contains(e, "big-endian"));

  std::vector<float> nan_rows(5 * 4, 1.0f);
  nan_rows[2 * 4 + 1] = std::numeric_limits<float>::quiet_NaN();
  nan_rows[4 * 4 + 3] = -std::numeric_limits<float>::infinity();
  save_npy_f32(p, nan_rows.data(), {5, 4});
  e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, p));
  CHECK(contains(e, "2 of 5 rows contain NaN or Inf (first: row 2)"));

  // A finite float64 beyond float32's range is Inf once converted: refused, not probed.
  const std::vector<double> huge = {1.0, 1e300, 2.0, 3.0};
  save_npy_f64(p, huge.data(), {2, 2});
  e = error_of([&] { ActivationFile f(p); });
  CHECK(contains(e, "1 of 2 rows contain NaN or Inf (first: row 0)"));

  mp::testing::write_file(tmp / "empty.npy", {});
  e = error_of([&] { ActivationFile f((tmp / "empty.npy").string()); });
  CHECK(contains(e, "empty.npy"));
  CHECK(contains(e, "not a .npy file"));
}

TEST_CASE("non-finite rows are counted once per row, with the first row's index",
          "[probes][arrays]") {
  std::vector<float> x(7 * 3, 0.0f);
  CHECK(find_non_finite_rows(x.data(), 7, 3).count == 0);
  CHECK(find_non_finite_rows(x.data(), 7, 3).first == -1);
  x[6 * 3 + 0] = std::numeric_limits<float>::infinity();
  x[6 * 3 + 2] = std::numeric_limits<float>::quiet_NaN();
  x[3 * 3 + 1] = -std::numeric_limits<float>::quiet_NaN();
  const NonFiniteRows r = find_non_finite_rows(x.data(), 7, 3);
  CHECK(r.count == 2);
  CHECK(r.first == 3);
}

TEST_CASE("label files: npy of any integer dtype or one label per line", "[probes][arrays]") {
  TempDir tmp;
  const std::vector<int64_t> y64 = {3, 0, 2, 2, 1};
  save_npy_i64((tmp / "y64.npy").string(), y64.data(), {5});
  CHECK(load_label_file((tmp / "y64.npy").string()) == std::vector<int32_t>{3, 0, 2, 2, 1});
  const std::vector<uint8_t> y8 = {3, 0, 2, 2, 1};
  save_npy_u8((tmp / "y8.npy").string(), y8.data(), {5, 1});  // (N, 1) as well
  CHECK(load_label_file((tmp / "y8.npy").string()) == std::vector<int32_t>{3, 0, 2, 2, 1});

  write_text(tmp / "y.csv", "label\n3\n0\r\n 2\n2\n1\n\n");
  CHECK(load_label_file((tmp / "y.csv").string()) == std::vector<int32_t>{3, 0, 2, 2, 1});
  write_text(tmp / "plain.txt", "4\n5\n");
  CHECK(load_label_file((tmp / "plain.txt").string()) == std::vector<int32_t>{4, 5});

  const std::vector<double> yf = {1.0, 2.0};
  save_npy_f64((tmp / "yf.npy").string(), yf.data(), {2});
  std::string e = error_of([&] { load_label_file((tmp / "yf.npy").string()); });
  CHECK(contains(e, "yf.npy: labels must be integers"));
  save_npy_i64((tmp / "y2d.npy").string(), y64.data(), {1, 5});
  e = error_of([&] { load_label_file((tmp / "y2d.npy").string()); });
  CHECK(contains(e, "shape (N,) or (N, 1)"));
  write_text(tmp / "two.csv", "index,label\n0,3\n");
  e = error_of([&] { load_label_file((tmp / "two.csv").string()); });
  CHECK(contains(e, "two.csv line 1: more than one column"));
  write_text(tmp / "word.csv", "3\nseven\n");
  e = error_of([&] { load_label_file((tmp / "word.csv").string()); });
  CHECK(contains(e, "word.csv line 2: 'seven' is not an integer label"));

  e = error_of([] { check_label_range({0, 1, 7, 2, -1}, 3, "y.npy"); });
  CHECK(e == "y.npy: 2 of 5 labels are outside 0..2 (first: row 2 has label 7)");
  const std::vector<int32_t> a = {0, 4, 1}, b = {6, 2}, none;
  CHECK(classes_from_labels({&a, &b}) == 7);
  CHECK(classes_from_labels({&none}) == 0);
}

TEST_CASE("probe_layer on views equals probe_layer on owned matrices, and keeps the fits",
          "[probes][arrays]") {
  auto tr = mp::probes::testing::subspace_data(120, 12, 3, 2, 5);
  auto te = mp::probes::testing::subspace_data(60, 12, 3, 2, 5, &tr.Q);
  Matrix X(tr.n, tr.d), T(te.n, te.d);
  X.data = tr.X;
  T.data = te.X;
  std::vector<int32_t> yc = tr.y;
  for (size_t i = 0; i < yc.size(); i += 5) yc[i] = (yc[i] + 1) % 3;  // some corrupted labels
  ProbeSpec spec;
  spec.logreg.epochs = 2;
  const auto owned = probe_layer("fc", LayerInputs{&X, &T, &yc, &tr.y, &te.y, 3}, spec);
  FittedProbes fitted;
  const auto viewed =
      probe_layer("fc", LayerViews{view_of(X), view_of(T), &yc, &tr.y, &te.y, 3}, spec, &fitted);
  REQUIRE(owned.size() == viewed.size());
  for (size_t i = 0; i < owned.size(); ++i) {
    INFO(owned[i].probe << "/" << owned[i].subspace);
    CHECK(owned[i].probe == viewed[i].probe);
    CHECK(owned[i].test_acc == viewed[i].test_acc);
    CHECK(owned[i].train_acc_corrupted == viewed[i].train_acc_corrupted);
    CHECK(owned[i].train_acc_true == viewed[i].train_acc_true);
    CHECK(owned[i].k_per_class == viewed[i].k_per_class);
  }
  CHECK(fitted.masc.count("corrupted") == 1);
  CHECK(fitted.masc.count("true") == 1);
  REQUIRE(fitted.linear.has_value());
  CHECK(fitted.ncm.has_value());
  CHECK(fitted.logreg.has_value());
  // The kept predictions are the fitted probes' own.
  CHECK(fitted.test_pred.at("linear/corrupted") ==
        predict_linear(*fitted.linear, T.row(0), T.rows));
  CHECK(fitted.train_pred.at("masc/true") ==
        predict_masc(fitted.masc.at("true"), X.row(0), X.rows));
}

TEST_CASE("saved probe: MASC bases, k and the linear weight read back bit for bit",
          "[probes][arrays]") {
  TempDir tmp;
  auto tr = mp::probes::testing::subspace_data(90, 10, 3, 2, 11);
  std::vector<int32_t> y = tr.y;
  for (auto& v : y) v = v == 1 ? 3 : v;  // K = 4 with class 1 empty: k_1 = 0, a [0, d] tensor
  MascAndLinear f = fit_masc_and_linear(tr.X.data(), tr.n, tr.d, y.data(), 4);
  MascProbe t = fit_masc(tr.X.data(), tr.n, tr.d, tr.y.data(), 4);
  REQUIRE(f.masc.k[1] == 0);
  const std::string path = (tmp / "probe.safetensors").string();
  save_probe_file(path, f.masc, f.linear, &t, {{"tau", "0.99"}, {"labels_sha256", "abc"}});

  const SavedProbe s = load_probe_file(path);
  CHECK(s.num_classes == 4);
  CHECK(s.dim == 10);
  CHECK(s.k == f.masc.k);
  REQUIRE(s.basis.size() == 4);
  for (int c = 0; c < 4; ++c) CHECK(mp::testing::arrays_equal(s.basis[c], f.masc.basis[c]));
  CHECK(mp::testing::arrays_equal(s.linear_weight, f.linear.W));
  CHECK(s.k_true == t.k);
  for (int c = 0; c < 4; ++c) CHECK(mp::testing::arrays_equal(s.basis_true[c], t.basis[c]));
  CHECK(s.metadata.at("tau") == "0.99");
  CHECK(s.metadata.at("labels_sha256") == "abc");
  CHECK(s.metadata.at("memprobe.format") == "probe/1");
  CHECK(s.metadata.at("K") == "4");
  CHECK(s.metadata.at("d") == "10");
}

TEST_CASE("memory-mapped npy: the header parser is load_npy's", "[probes][arrays]") {
  TempDir tmp;
  const std::vector<int64_t> v = {1, 2, 3};
  save_npy_i64((tmp / "v.npy").string(), v.data(), {3});
  const MappedNpy m((tmp / "v.npy").string());
  CHECK(m.dtype() == "<i8");
  CHECK(m.shape() == std::vector<int64_t>{3});
  REQUIRE(m.data_bytes() == 24);
  int64_t back[3];
  std::memcpy(back, m.data(), 24);
  CHECK(std::vector<int64_t>(back, back + 3) == v);
  const std::vector<uint8_t> whole = mp::testing::read_file(tmp / "v.npy");
  mp::testing::write_file(tmp / "cut.npy",
                          std::vector<uint8_t>(whole.begin(), whole.end() - 4));  // truncated
  const std::string e = error_of([&] { MappedNpy c((tmp / "cut.npy").string()); });
  CHECK(contains(e, "cut.npy"));
  CHECK(contains(e, "truncated"));
}
