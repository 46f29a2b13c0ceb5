// A user has the repository and nothing else: every reference in code, help texts, scripts and
// docs to a repository file (docs/..., scripts/..., bench/...) must name a file that exists, and
// nothing may point outside the repository (the project's private specification files, the
// machine's own absolute paths). Reads the source tree this test binary was built from.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = MEMPROBE_SOURCE_DIR;

bool is_text_source(const fs::path& p) {
  static const std::vector<std::string> exts = {".cpp", ".h",  ".md",    ".sh",
                                                ".py",  ".gp", ".cmake", ".txt"};
  const std::string name = p.filename().string();
  if (name == "CMakeLists.txt" || name == "run") return true;
  for (const auto& e : exts)
    if (p.extension() == e) return true;
  return false;
}

// Tracked-looking files: skips build trees, VCS data, fuzz corpora and binary fixtures.
std::vector<fs::path> source_files() {
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(kRoot); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() &&
        (name.rfind("build", 0) == 0 || name == ".git" || name == "corpus" || name == "results" ||
         (name == "data" && it->path().parent_path().filename() == "tests"))) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_text_source(it->path())) out.push_back(it->path());
  }
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string line_of(const std::string& text, size_t pos) {
  return std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

}  // namespace

TEST_CASE("repository: every referenced repository file exists", "[apps][repo]") {
  // A path that starts at one of the repository's folders, not inside a longer path (a user's own
  // /scratch/me/docs/x.md is an example, not a reference), ending in a known extension. Paths
  // under results/ are mostly where a command writes (results/<preset>/...), so not checked.
  const std::regex ref(
      R"((^|[^A-Za-z0-9_./-]))"
      R"(((docs|scripts|bench|tensor|autograd|nn|data|probes|apps|tests|fuzz|cmake|startup))"
      R"(/[A-Za-z0-9_./-]*)"
      R"([A-Za-z0-9_-]\.(md|csv|png|sh|py|cpp|h|html))(?![A-Za-z0-9]))");
  std::vector<std::string> missing;
  size_t checked = 0;
  for (const fs::path& f : source_files()) {
    const std::string text = slurp(f);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), ref);
         it != std::sregex_iterator(); ++it) {
      const std::string full = it->str().substr((*it)[1].length());
      ++checked;
      if (!fs::exists(kRoot / full))
        missing.push_back(fs::relative(f, kRoot).string() + ":" +
                          line_of(text, static_cast<size_t>(it->position())) + ": " + full);
    }
  }
  std::string report;
  for (const auto& m : missing) report += m + "\n";
  INFO(checked << " references checked; missing:\n" << report);
  CHECK(checked > 50);  // the scan found the tree (docs alone name dozens of files)
  CHECK(missing.empty());
}

TEST_CASE("repository: nothing points outside the repository", "[apps][repo]") {
  // Spelled in pieces so that this file does not match itself.
  const std::vector<std::string> outside = {
      std::string("METHOD") + ".md", std::string("DATA") + ".md",
      std::string("STYLE") + ".md",  std::string("REFERENCE_") + "RESULTS",
      std::string("../") + "shared", std::string("/work") + "/",
      std::string("/root") + "/"};
  std::vector<std::string> found;
  for (const fs::path& f : source_files()) {
    const std::string text = slurp(f);
    for (const std::string& s : outside)
      for (size_t pos = text.find(s); pos != std::string::npos; pos = text.find(s, pos + 1))
        found.push_back(fs::relative(f, kRoot).string() + ":" + line_of(text, pos) + ": " + s);
  }
  std::string report;
  for (const auto& m : found) report += m + "\n";
  INFO(report);
  CHECK(found.empty());
}
