#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tensor/io/atomic_file.h"
#include "tensor/io/safetensors.h"
#include "test_util.h"

// The writer's output was checked once by hand with an independent reader (python3: struct for
// the length, json for the header, numpy.frombuffer for the data); this test repeats the header
// check with nlohmann::json so it needs no python.

using Catch::Contains;
using mp::Tensor;
using mp::testing::TempDir;

namespace {

std::vector<uint8_t> tensor_bytes(const Tensor& t) {
  Tensor c = t.contiguous();
  const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data());
  return std::vector<uint8_t>(p, p + c.numel() * 4);
}

// A safetensors file from a header text and data bytes (no padding added: the reader must
// accept unpadded headers written by older tools).
std::vector<uint8_t> make_file(const std::string& header, const std::vector<uint8_t>& data) {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out += header;
  out.append(data.begin(), data.end());
  return std::vector<uint8_t>(out.begin(), out.end());
}

std::vector<uint8_t> zeros(size_t n) {
  return std::vector<uint8_t>(n, 0);
}

mp::SafeTensorsFile parse(const std::vector<uint8_t>& f) {
  return mp::parse_safetensors(f.data(), f.size(), "hostile.safetensors");
}

// A value set with the awkward floats a text format would lose.
Tensor awkward(const mp::Shape& shape) {
  Tensor t = Tensor::empty(shape);
  float* p = t.data();
  const uint32_t specials[] = {0x7fc00001u /*NaN with payload*/, 0x80000000u /*-0*/,
                               0x00000001u /*smallest denormal*/, 0x7f800000u /*inf*/,
                               0x3eaaaaabu /*1/3*/};
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint32_t bits = i < 5 ? specials[i] : uint32_t(0x3f800000u + i * 2654435761u % 0x00800000u);
    std::memcpy(&p[i], &bits, 4);
  }
  return t;
}

}  // namespace

TEST_CASE("safetensors round trip is bitwise exact", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "ckpt.safetensors").string();
  Tensor w = awkward({3, 5});
  Tensor wt = w.transpose(0, 1);  // a non-contiguous view is stored in logical order
  Tensor five = awkward({2, 1, 3, 1, 2});
  std::vector<int64_t> labels = {3, -1, 1LL << 40};
  mp::SafeTensorsArray lab{"labels", "I64", {3}, {}};
  lab.bytes.resize(24);
  std::memcpy(lab.bytes.data(), labels.data(), 24);
  mp::SafeTensorsArray dbl{"probe.acc", "F64", {1, 2}, std::vector<uint8_t>(16, 0x3f)};
  mp::save_safetensors(p,
                       {{"layer1.weight", w},
                        {"wt", wt},
                        {"scalar", Tensor::scalar(-2.5f)},
                        {"empty", Tensor::zeros({0, 4})},
                        {"five", five}},
                       {{"format", "pt"}, {"git", "abc123"}, {"unicode", "h\xc3\xa9"}}, {lab, dbl});

  mp::SafeTensorsFile f = mp::load_safetensors(p);
  REQUIRE(f.tensors.size() == 5);
  CHECK(f.tensors[0].first == "layer1.weight");
  CHECK(f.tensors[1].first == "wt");
  CHECK(f.tensors[4].first == "five");
  CHECK(f.tensor("layer1.weight").shape() == mp::Shape({3, 5}));
  CHECK(tensor_bytes(f.tensor("layer1.weight")) == tensor_bytes(w));
  CHECK(f.tensor("wt").shape() == mp::Shape({5, 3}));
  CHECK(tensor_bytes(f.tensor("wt")) == tensor_bytes(wt));
  CHECK(f.tensor("scalar").ndim() == 0);
  CHECK(f.tensor("scalar").item() == -2.5f);
  CHECK(f.tensor("empty").shape() == mp::Shape({0, 4}));
  CHECK(tensor_bytes(f.tensor("five")) == tensor_bytes(five));
  CHECK(f.metadata == std::map<std::string, std::string>{
                          {"format", "pt"}, {"git", "abc123"}, {"unicode", "h\xc3\xa9"}});
  REQUIRE(f.arrays.size() == 2);
  CHECK(f.array("labels").dtype == "I64");
  CHECK(f.array("labels").shape == std::vector<int64_t>{3});
  CHECK(f.array("labels").bytes == lab.bytes);
  CHECK(f.array("probe.acc").shape == std::vector<int64_t>({1, 2}));
  CHECK(f.array("probe.acc").bytes == dbl.bytes);
  CHECK_THROWS_WITH(f.tensor("nope"), Contains("nope"));
  CHECK_THROWS_WITH(f.array("nope"), Contains("nope"));

  // The in-memory parser agrees with the file loader.
  std::vector<uint8_t> raw = mp::read_file_bytes(p);
  mp::SafeTensorsFile g = mp::parse_safetensors(raw.data(), raw.size(), "mem");
  CHECK(tensor_bytes(g.tensor("five")) == tensor_bytes(five));
}

TEST_CASE("safetensors header read independently with nlohmann::json", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "a.safetensors").string();
  Tensor a = Tensor::from_vector({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = Tensor::from_vector({4}, {0.5f, -1, 2, 8});
  mp::save_safetensors(p, {{"a", a}, {"b", b}}, {{"k", "v"}});
  std::vector<uint8_t> raw = mp::read_file_bytes(p);
  REQUIRE(raw.size() >= 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | raw[i];
  CHECK(n % 8 == 0);  // data starts 8-byte aligned
  REQUIRE(8 + n + 40 == raw.size());
  std::string header(raw.begin() + 8, raw.begin() + 8 + long(n));
  // Compact JSON, then only spaces.
  const std::string expect_json =
      R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("b":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}})";
  CHECK(header.substr(0, expect_json.size()) == expect_json);
  CHECK(header.find_first_not_of(' ', expect_json.size()) == std::string::npos);
  nlohmann::json j = nlohmann::json::parse(header);
  CHECK(j["__metadata__"]["k"] == "v");
  CHECK(j["a"]["dtype"] == "F32");
  CHECK(j["a"]["shape"] == nlohmann::json::array({2, 3}));
  CHECK(j["a"]["data_offsets"] == nlohmann::json::array({0, 24}));
  CHECK(j["b"]["shape"] == nlohmann::json::array({4}));
  CHECK(j["b"]["data_offsets"] == nlohmann::json::array({24, 40}));
  std::vector<uint8_t> data(raw.begin() + 8 + long(n), raw.end());
  std::vector<uint8_t> expect = tensor_bytes(a), tb = tensor_bytes(b);
  expect.insert(expect.end(), tb.begin(), tb.end());
  CHECK(data == expect);
  // And the loader reads a header without padding, keys in any order (other writers).
  auto f = parse(make_file(R"({"b":{"shape":[1],"data_offsets":[4,8],"dtype":"F32"},)"
                           R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                           {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}));
  CHECK(f.tensor("a").item() == 1.0f);
  CHECK(f.tensor("b").item() == 2.0f);
  CHECK(f.tensors[0].first == "a");  // data order
}

TEST_CASE("safetensors loader rejects corrupt headers with the file name", "[tensor][io]") {
  auto rejects = [](const std::string& header, size_t data_bytes, const std::string& why) {
    INFO(header);
    CHECK_THROWS_WITH(parse(make_file(header, zeros(data_bytes))),
                      Contains("hostile.safetensors") && Contains(why));
  };
  const std::string ok = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  CHECK_NOTHROW(parse(make_file("{" + ok + "}", zeros(8))));
  rejects("{" + ok, 8, "not valid JSON");
  rejects("[1,2]", 0, "not a JSON object");
  rejects("{" + ok + "," + ok + "}", 16, "duplicate key \"t\"");
  rejects(R"({"t":{"dtype":"F32","shape":[2]}})", 8, "no \"data_offsets\"");
  rejects(R"({"t":{"shape":[2],"data_offsets":[0,8]}})", 8, "no \"dtype\"");
  rejects(R"({"t":{"dtype":"F32","data_offsets":[0,8]}})", 8, "no \"shape\"");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", 8, "other than");
  rejects(R"({"t":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8,
          "duplicate key \"dtype\"");
  rejects(R"({"t":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8, "unknown dtype \"Q7\"");
  rejects(R"({"t":{"dtype":7,"shape":[2],"data_offsets":[0,8]}})", 8, "not a string");
  rejects(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "3 F32 elements but 8");
  rejects(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "non-negative");
  rejects(R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8, "non-negative");
  rejects(R"({"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8, "not an array");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8, "[begin, end]");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8, "end before");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8, "truncated");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12, "gap");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          12, "overlap");
  rejects("{" + ok + "}", 12, "4 bytes after the last");
  rejects(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}})", 0,
          "overflows");
  rejects(R"({"t":{"dtype":"F32","shape":[0,4294967296,2147483648],"data_offsets":[0,0]}})", 0,
          "2^63");
  rejects(R"({"t":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,0]}})", 0,
          "2^63");
  rejects(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}})", 8,
          "elements but");
  rejects(R"({"__metadata__":{"a":1}})", 0, "not a string");
  rejects(R"({"__metadata__":[]})", 0, "not an object");
  rejects(R"({"__metadata__":{"a":{"b":[[1]]}}})", 0, "nested deeper");
  rejects(R"({"t":[]})", 0, "not an object");
  rejects(std::string("{\"\xff\":1}"), 0, "not valid JSON");  // invalid UTF-8
}

TEST_CASE("safetensors loader rejects bad lengths and every truncation", "[tensor][io]") {
  // Too short for the length field; a length larger than the file; an absurd length.
  CHECK_THROWS_WITH(parse({1, 2, 3}), Contains("hostile.safetensors") && Contains("shorter"));
  std::vector<uint8_t> f = make_file("{}", {});
  f[0] = 200;
  CHECK_THROWS_WITH(parse(f), Contains("larger than the file"));
  std::vector<uint8_t> huge = {0, 0, 0, 0, 0, 0, 0, 0x80, '{', '}'};
  CHECK_THROWS_WITH(parse(huge), Contains("larger than the file"));
  CHECK(parse(make_file("{}", {})).tensors.empty());

  // Every prefix of a valid file is rejected, never crashes, and names the file.
  TempDir dir;
  const std::string p = (dir / "full.safetensors").string();
  mp::save_safetensors(p, {{"w", awkward({4, 3})}, {"b", awkward({3})}}, {{"m", "x"}});
  std::vector<uint8_t> full = mp::read_file_bytes(p);
  for (size_t len = 0; len < full.size(); ++len) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + long(len));
    const std::string q = (dir / "cut.safetensors").string();
    mp::testing::write_file(q, cut);
    CHECK_THROWS_WITH(mp::load_safetensors(q), Contains(q));
  }
  // Flipping any header byte either still parses to something valid or is rejected cleanly.
  for (size_t i = 0; i < full.size() - 60; ++i) {
    std::vector<uint8_t> bad = full;
    bad[i] ^= 0x5a;
    try {
      parse(bad);
    } catch (const mp::Error& e) {
      CHECK_THAT(std::string(e.what()), Contains("hostile.safetensors"));
    }
  }
  CHECK_THROWS_WITH(mp::load_safetensors((dir / "missing").string()), Contains("missing"));
}

TEST_CASE("safetensors: odd dtypes and ranks go to arrays, writer validates", "[tensor][io]") {
  // 6 dimensions do not fit a Tensor: the F32 entry is returned as a raw array instead.
  auto f = parse(make_file(R"({"six":{"dtype":"F32","shape":[1,1,1,1,1,2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"BOOL","shape":[3],"data_offsets":[8,11]}})",
                           {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 1, 0, 1}));
  CHECK(f.tensors.empty());
  REQUIRE(f.arrays.size() == 2);
  CHECK(f.array("six").dtype == "F32");
  CHECK(f.array("six").shape.size() == 6);
  CHECK(f.array("b").bytes == std::vector<uint8_t>({1, 0, 1}));
  CHECK(mp::safetensors_dtype_size("BF16") == 2);
  CHECK(mp::safetensors_dtype_size("F32") == 4);
  CHECK(mp::safetensors_dtype_size("f32") == 0);

  TempDir dir;
  const std::string p = (dir / "bad.safetensors").string();
  Tensor t = Tensor::zeros({2});
  CHECK_THROWS_WITH(mp::save_safetensors(p, {{"a", t}, {"a", t}}, {}), Contains("duplicate"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {{"__metadata__", t}}, {}), Contains("reserved"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {{"", t}}, {}), Contains("empty"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {{"u", Tensor()}}, {}), Contains("undefined"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {}, {}, {{"x", "I64", {2}, zeros(8)}}),
                    Contains("8 bytes for 2 elements"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {}, {}, {{"x", "Q8", {1}, zeros(1)}}),
                    Contains("unknown dtype"));
  CHECK_THROWS_WITH(mp::save_safetensors(p, {}, {{"k", "\xff"}}), Contains("UTF-8"));
  CHECK_FALSE(std::filesystem::exists(p));
}
