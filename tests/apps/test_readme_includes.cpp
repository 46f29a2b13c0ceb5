// The tables README.md and docs/ show are the committed result files, not hand copies: every
// block between "<!-- include: FILE -->" and "<!-- end include -->" must equal FILE byte for
// byte (scripts/update-readme.sh refreshes them after a result is committed).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = MEMPROBE_SOURCE_DIR;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Block {
  std::string doc, file, text;
};

std::vector<Block> included_blocks(const fs::path& doc) {
  static const std::regex re(R"(<!-- include: (\S+) -->\n([\s\S]*?)<!-- end include -->)");
  const std::string text = slurp(doc);
  std::vector<Block> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back({fs::relative(doc, kRoot).string(), (*it)[1].str(), (*it)[2].str()});
  return out;
}

}  // namespace

TEST_CASE("readme: every included block equals its committed file", "[apps][repo]") {
  std::vector<fs::path> docs = {kRoot / "README.md"};
  for (const auto& e : fs::directory_iterator(kRoot / "docs"))
    if (e.path().extension() == ".md") docs.push_back(e.path());
  size_t readme_blocks = 0;
  for (const auto& doc : docs) {
    for (const Block& b : included_blocks(doc)) {
      INFO(b.doc << " includes " << b.file << " (refresh with: bash scripts/update-readme.sh)");
      readme_blocks += b.doc == "README.md";
      REQUIRE(fs::is_regular_file(kRoot / b.file));
      CHECK(b.text == slurp(kRoot / b.file));
    }
  }
  // The README's full-size table is one of them: a README without it fails here rather than
  // passing with nothing checked.
  CHECK(readme_blocks >= 1);
}
