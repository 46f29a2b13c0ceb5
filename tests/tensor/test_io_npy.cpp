#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/io/npy.h"
#include "test_util.h"

// Header bytes below are what numpy 1.24.2 writes (np.save into io.BytesIO, checked while
// writing this test); every file the writers produce was also loaded once with np.load and
// re-saved by numpy byte-identically.

using Catch::Contains;
using mp::Tensor;
using mp::testing::TempDir;

namespace {

// numpy's v1.0 header for `dict`: magic, version, length, dict, spaces, '\n'; 128 bytes total.
std::string numpy_header_128(const std::string& dict) {
  std::string h = std::string("\x93NUMPY\x01\x00", 8) + std::string("\x76\x00", 2) + dict;
  h.append(127 - h.size(), ' ');
  return h + "\n";
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

mp::NpyArray parse(const std::vector<uint8_t>& f) {
  return mp::parse_npy(f.data(), f.size(), "hostile.npy");
}

// A v1.0 file with an arbitrary header dict (padded like numpy) and data.
std::vector<uint8_t> make_npy(const std::string& dict, size_t data_bytes) {
  std::vector<uint8_t> f = bytes_of(numpy_header_128(dict));
  f.resize(f.size() + data_bytes, 0);
  return f;
}

}  // namespace

TEST_CASE("npy headers match numpy's bytes exactly", "[tensor][io]") {
  CHECK(mp::npy_header("<f4", {2, 3}) ==
        numpy_header_128("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
  CHECK(mp::npy_header("<f8", {5}) ==
        numpy_header_128("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }"));
  CHECK(mp::npy_header("<i4", {}) ==
        numpy_header_128("{'descr': '<i4', 'fortran_order': False, 'shape': (), }"));
  CHECK(mp::npy_header("<i8", {0, 4}) ==
        numpy_header_128("{'descr': '<i8', 'fortran_order': False, 'shape': (0, 4), }"));
  CHECK(mp::npy_header("|u1", {3, 2}) ==
        numpy_header_128("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2), }"));
  CHECK(mp::npy_header("<f4", {2, 3}, true) ==
        numpy_header_128("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"));
  CHECK(mp::npy_header("|i1", {123456789012, 0, 2, 3}) ==
        numpy_header_128(
            "{'descr': '|i1', 'fortran_order': False, 'shape': (123456789012, 0, 2, 3), }"));
  for (int64_t rows : {int64_t(0), int64_t(7), int64_t(1) << 40})
    CHECK(mp::npy_header("<f4", {rows, 10}).size() % 64 == 0);
  CHECK_THROWS_AS(mp::npy_header(">f4", {1}), mp::Error);
}

TEST_CASE("npy writers produce header + raw data and load back", "[tensor][io]") {
  TempDir dir;
  Tensor t = Tensor::from_vector({2, 3}, {1.5f, -2.f, 3.25f, 1e-30f, 7.f, -0.f});
  const std::string pt = (dir / "t.npy").string();
  mp::save_npy(pt, t.transpose(0, 1));  // stored in logical (C) order
  std::vector<uint8_t> raw = mp::read_file_bytes(pt);
  REQUIRE(raw.size() == 128 + 24);
  CHECK(std::string(raw.begin(), raw.begin() + 128) == mp::npy_header("<f4", {3, 2}));
  mp::NpyArray a = mp::load_npy(pt);
  CHECK(a.dtype == "<f4");
  CHECK(a.shape == std::vector<int64_t>({3, 2}));
  CHECK_FALSE(a.fortran_order);
  CHECK(mp::npy_to_tensor(a).to_vector() == t.transpose(0, 1).to_vector());

  const double d[3] = {1.0 / 3, -2, 1e300};
  mp::save_npy_f64((dir / "d.npy").string(), d, {3});
  CHECK(mp::npy_to_f64(mp::load_npy((dir / "d.npy").string())) == std::vector<double>(d, d + 3));
  const int32_t i32[2] = {-5, 2147483647};
  mp::save_npy_i32((dir / "i.npy").string(), i32, {2, 1});
  mp::NpyArray ai = mp::load_npy((dir / "i.npy").string());
  CHECK(ai.dtype == "<i4");
  CHECK(mp::npy_to_i64(ai) == std::vector<int64_t>({-5, 2147483647}));
  const int64_t i64[1] = {-(int64_t(1) << 50)};
  mp::save_npy_i64((dir / "l.npy").string(), i64, {});
  mp::NpyArray al = mp::load_npy((dir / "l.npy").string());
  CHECK(al.shape.empty());
  CHECK(mp::npy_to_i64(al) == std::vector<int64_t>({i64[0]}));
  const uint8_t u8[6] = {1, 2, 3, 4, 5, 255};
  mp::save_npy_u8((dir / "u.npy").string(), u8, {1, 2, 3});
  CHECK(mp::npy_to_i64(mp::load_npy((dir / "u.npy").string())) ==
        std::vector<int64_t>({1, 2, 3, 4, 5, 255}));
  mp::save_npy_f32((dir / "e.npy").string(), nullptr, {0, 4});
  CHECK(mp::load_npy((dir / "e.npy").string()).bytes.empty());
  CHECK_THROWS_WITH(mp::npy_to_tensor(ai), Contains("<i4"));
  CHECK_THROWS_WITH(mp::npy_to_i64(a), Contains("not an integer"));
}

TEST_CASE("NpyWriter streams rows, open row count is fixed at commit", "[tensor][io]") {
  TempDir dir;
  Tensor block = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  const std::string ps = (dir / "stream.npy").string();
  {
    mp::NpyWriter w(ps, "<f4", {-1, 3});
    w.append(block);
    const float row[3] = {7, 8, 9};
    w.append(row, 1);
    w.append(row, 0);
    CHECK(w.rows_written() == 3);
    CHECK_FALSE(std::filesystem::exists(ps));
    CHECK_THROWS_AS(w.append(Tensor::zeros({2, 4})), mp::Error);
    w.commit();
  }
  // Byte-identical to writing the whole array at once.
  const std::string pw = (dir / "whole.npy").string();
  mp::save_npy(pw, Tensor::from_vector({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  CHECK(mp::read_file_bytes(ps) == mp::read_file_bytes(pw));

  // Fixed row count: too many rows throw at append, too few at commit, and no file appears.
  const std::string pf = (dir / "fixed.npy").string();
  {
    mp::NpyWriter w(pf, "<i8", {2, 2});
    const int64_t r[6] = {1, 2, 3, 4, 5, 6};
    CHECK_THROWS_WITH(w.append(r, 3), Contains("3 rows appended to an array of 2"));
    w.append(r, 1);
    CHECK_THROWS_WITH(w.commit(), Contains("1 of 2 rows"));
  }
  CHECK_FALSE(std::filesystem::exists(pf));
  {
    mp::NpyWriter w(pf, "<i8", {2, 2});
    const int64_t r[4] = {1, 2, 3, -4};
    w.append(r, 2);
    w.commit();
  }
  CHECK(mp::npy_to_i64(mp::load_npy(pf)) == std::vector<int64_t>({1, 2, 3, -4}));
  CHECK_THROWS_WITH(mp::NpyWriter((dir / "x.npy").string(), "<c8", {1}), Contains("<c8"));
  CHECK_THROWS_AS(mp::NpyWriter((dir / "x.npy").string(), "<f4", {}), mp::Error);
}

TEST_CASE("npy reader: Fortran order, version 2.0, integer widths", "[tensor][io]") {
  // np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)) stores 0 3 1 4 2 5.
  std::vector<uint8_t> f =
      bytes_of(numpy_header_128("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"));
  for (float v : {0.f, 3.f, 1.f, 4.f, 2.f, 5.f}) {
    uint8_t b[4];
    std::memcpy(b, &v, 4);
    f.insert(f.end(), b, b + 4);
  }
  mp::NpyArray a = parse(f);
  CHECK(a.fortran_order);
  CHECK(mp::npy_to_tensor(a).to_vector() == std::vector<float>({0, 1, 2, 3, 4, 5}));
  CHECK(mp::npy_to_f64(a) == std::vector<double>({0, 1, 2, 3, 4, 5}));

  // Version 2.0: a 4-byte header length (np.lib.format.write_array(..., version=(2, 0))).
  std::string dict = "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }";
  std::string v2 = std::string("\x93NUMPY\x02\x00", 8);
  std::string body = dict + std::string(128 - 12 - dict.size() - 1, ' ') + "\n";
  v2 += std::string(1, char(body.size())) + std::string(3, '\0') + body;
  std::vector<uint8_t> f2 = bytes_of(v2);
  f2.insert(f2.end(), {0xff, 0x80, 0x7f});
  CHECK(mp::npy_to_i64(parse(f2)) == std::vector<int64_t>({-1, -128, 127}));

  std::vector<uint8_t> f3 =
      make_npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", 0);
  f3.insert(f3.end(), {0xfe, 0xff, 0x00, 0x80});
  CHECK(mp::npy_to_i64(parse(f3)) == std::vector<int64_t>({-2, -32768}));
  std::vector<uint8_t> f4 =
      make_npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", 0);
  f4.insert(f4.end(), 8, 0xff);
  CHECK_THROWS_WITH(mp::npy_to_i64(parse(f4)), Contains("does not fit"));
}

TEST_CASE("npy reader rejects corrupt files with the file name", "[tensor][io]") {
  auto rejects = [](const std::vector<uint8_t>& f, const std::string& why) {
    CHECK_THROWS_WITH(parse(f), Contains("hostile.npy") && Contains(why));
  };
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  CHECK_NOTHROW(parse(make_npy(good, 8)));
  CHECK_NOTHROW(parse(make_npy("{\"shape\": (2, ),'descr':'<f4','fortran_order':False}", 8)));
  rejects(bytes_of("\x93NUMPX\x01\x00"), "magic");
  std::vector<uint8_t> v9 = make_npy(good, 8);
  v9[6] = 9;
  rejects(v9, "version 9.0");
  std::vector<uint8_t> long_len = make_npy(good, 8);
  long_len[9] = 0x7f;
  rejects(long_len, "runs past the end");
  std::vector<uint8_t> no_nl = make_npy(good, 8);
  no_nl[127] = ' ';
  rejects(no_nl, "newline");
  rejects(make_npy(good, 7), "truncated");
  rejects(make_npy(good, 9), "trailing bytes");
  rejects(make_npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "big-endian");
  rejects(make_npy("{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", 8),
          "unsupported dtype");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8), "not a tuple");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8),
          "non-negative");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8), "True or False");
  rejects(make_npy("{'descr': '<f4', 'shape': (2,), }", 8), "lacks");
  rejects(make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8),
          "duplicate key 'descr'");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8),
          "unknown key 'x'");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 8), "after");
  rejects(make_npy("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8), "expected '}'");
  rejects(make_npy("{'descr': 'a\\'b', 'fortran_order': False, 'shape': (2,)}", 8), "escapes");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3,)}", 8),
          "expected ',' or ')'");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, "
                   "'shape': (4294967296, 4294967296, 4294967296,)}",
                   0),
          "overflows");
  rejects(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 0),
          "too large");

  // Every prefix of a valid file is rejected and names the file.
  TempDir dir;
  const std::string p = (dir / "v.npy").string();
  const float vals[6] = {1, 2, 3, 4, 5, 6};
  mp::save_npy_f32(p, vals, {2, 3});
  std::vector<uint8_t> full = mp::read_file_bytes(p);
  for (size_t len = 0; len < full.size(); ++len)
    rejects(std::vector<uint8_t>(full.begin(), full.begin() + long(len)), "corrupt .npy");
  CHECK_THROWS_WITH(mp::load_npy((dir / "missing.npy").string()), Contains("missing.npy"));
}
