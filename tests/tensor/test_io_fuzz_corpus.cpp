#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tensor/io/atomic_file.h"
#include "tensor/io/csv.h"
#include "tensor/io/npy.h"
#include "tensor/io/safetensors.h"

// Replays the fuzzers' committed seed corpora (fuzz/corpus/<target>/) through the same readers in
// the ordinary test build, so the seeds double as regression cases: files known to be valid
// must load, files made to be invalid must be rejected with an mp::Error naming the input, and
// nothing may crash. A crash input found by scripts/fuzz.sh is added to the corpus as
// "regress-<what>" (expected to be rejected, unless listed as valid below) and so runs here too.

namespace fs = std::filesystem;

namespace {

struct Seed {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<Seed> seeds(const std::string& target) {
  fs::path dir = fs::path(MEMPROBE_SOURCE_DIR) / "fuzz" / "corpus" / target;
  std::vector<Seed> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back({e.path().filename().string(), mp::read_file_bytes(e.path().string())});
  return out;
}

// Runs `load` on every seed; checks valid/invalid as expected. Returns how many seeds ran.
template <class Load>
size_t replay(const std::string& target, const std::set<std::string>& valid, Load load) {
  size_t n = 0;
  for (const Seed& s : seeds(target)) {
    INFO(target << "/" << s.name);
    if (valid.count(s.name)) {
      CHECK_NOTHROW(load(s));
    } else {
      CHECK_THROWS_WITH(load(s), Catch::Contains(s.name));
    }
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz seed corpora replay through the readers", "[tensor][io]") {
  CHECK(replay("fuzz_safetensors", {"two_f32_meta", "mixed_dtypes", "empty_header", "unpadded"},
               [](const Seed& s) {
                 mp::parse_safetensors(s.bytes.data(), s.bytes.size(), s.name);
               }) >= 8);
  CHECK(replay("fuzz_npy",
               {"f4_2x3", "f8_1d", "i1_scalar", "u1_3d", "i2_empty", "f4_fortran", "f4_v2", "bool"},
               [](const Seed& s) { mp::parse_npy(s.bytes.data(), s.bytes.size(), s.name); }) >= 11);
  CHECK(replay("fuzz_csv", {"simple", "quoted", "crlf_bom"}, [](const Seed& s) {
          mp::parse_csv(std::string(s.bytes.begin(), s.bytes.end()), s.name);
        }) >= 5);

  // Spot checks that the valid seeds (written by numpy / python, not by us) read correctly.
  for (const Seed& s : seeds("fuzz_npy")) {
    if (s.name == "f4_fortran") {
      mp::NpyArray a = mp::parse_npy(s.bytes.data(), s.bytes.size(), s.name);
      CHECK(mp::npy_to_tensor(a).to_vector() == std::vector<float>({0, 1, 2, 3, 4, 5}));
    }
    if (s.name == "f4_v2") {
      mp::NpyArray a = mp::parse_npy(s.bytes.data(), s.bytes.size(), s.name);
      CHECK(a.shape == std::vector<int64_t>({2, 3}));
    }
  }
  for (const Seed& s : seeds("fuzz_safetensors")) {
    if (s.name != "mixed_dtypes") continue;
    mp::SafeTensorsFile f = mp::parse_safetensors(s.bytes.data(), s.bytes.size(), s.name);
    CHECK(f.tensor("s").item() == 1.0f);
    CHECK(f.array("labels").bytes.size() == 24);
    CHECK(f.array("mask").bytes == std::vector<uint8_t>({1, 0}));
  }
}
