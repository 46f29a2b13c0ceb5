#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tensor/io/sha256.h"
#include "test_util.h"

// Expected digests are the FIPS 180-2 / NIST CAVP example vectors (also reproduced with
// python3 hashlib while writing this test).
TEST_CASE("sha256 matches the NIST example vectors", "[tensor][io]") {
  CHECK(mp::sha256_hex("", 0) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(mp::sha256_hex("abc", 3) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(m448.size() * 8 == 448);
  CHECK(mp::sha256_hex(m448.data(), m448.size()) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string m896 =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
      "opqrsmnopqrstnopqrstu";
  CHECK(mp::sha256_hex(m896.data(), m896.size()) ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  const std::string million(1000000, 'a');
  CHECK(mp::sha256_hex(million.data(), million.size()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256 incremental updates equal one-shot at every split point", "[tensor][io]") {
  // 768 bytes crosses block boundaries and both padding cases (55/56 bytes left in a block).
  std::vector<uint8_t> data(768);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i);
  const std::string expect = "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363";
  REQUIRE(mp::sha256_hex(data.data(), data.size()) == expect);
  for (size_t split = 0; split <= 130; ++split) {
    mp::Sha256 h;
    h.update(data.data(), split);
    h.update(data.data() + split, 0);
    for (size_t i = split; i < data.size(); i += 61)
      h.update(data.data() + i, std::min<size_t>(61, data.size() - i));
    CHECK(h.hex_digest() == expect);
  }
  for (size_t len = 50; len <= 70; ++len) {  // lengths around the one-or-two padding blocks
    mp::Sha256 a;
    for (size_t i = 0; i < len; ++i) a.update(&data[i], 1);
    CHECK(a.hex_digest() == mp::sha256_hex(data.data(), len));
  }
  mp::Sha256 done;
  done.hex_digest();
  CHECK_THROWS_AS(done.update("x", 1), mp::Error);
}

TEST_CASE("sha256_file streams a file and names an unreadable one", "[tensor][io]") {
  mp::testing::TempDir dir;
  std::vector<uint8_t> big(3 * 1024 * 1024 + 17);  // several 1 MiB chunks plus a tail
  for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i * 2654435761u >> 24);
  mp::testing::write_file(dir / "big.bin", big);
  CHECK(mp::sha256_file((dir / "big.bin").string()) == mp::sha256_hex(big.data(), big.size()));
  mp::testing::write_file(dir / "empty.bin", {});
  CHECK(mp::sha256_file((dir / "empty.bin").string()) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string missing = (dir / "missing.bin").string();
  CHECK_THROWS_WITH(mp::sha256_file(missing),
                    Catch::Contains(missing) && Catch::Contains("No such file"));
  CHECK_THROWS_WITH(mp::sha256_file(dir.path().string()),
                    Catch::Contains(dir.path().string()) && Catch::Contains("directory"));
}
