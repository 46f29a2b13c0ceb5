// The house's one-way graph at #include level. CMake enforces it at link level (each room links
// only the rooms it uses), but every library exports the repository root as an include
// directory, so an upward #include of a header-only helper would still compile. This test reads
// every source file of every room and checks each #include "room/..." against the graph that
// cmake/Layer.cmake recorded from the mp_layer() declarations (generated/layer_graph.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "layer_graph.h"

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = MEMPROBE_SOURCE_DIR;
// Top-level folders whose every source file must sit directly in a declared room.
const std::vector<std::string> kHouse = {"tensor", "autograd", "nn", "data", "probes", "apps"};

struct Graph {
  std::map<std::string, std::set<std::string>> uses;  // room -> rooms it declares it uses
  // room -> itself plus every room reachable through `uses`
  std::set<std::string> allowed(const std::string& room) const {
    std::set<std::string> seen;
    std::vector<std::string> todo = {room};
    while (!todo.empty()) {
      const std::string r = todo.back();
      todo.pop_back();
      if (!seen.insert(r).second) continue;
      auto it = uses.find(r);
      if (it != uses.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
    }
    return seen;
  }
  bool is_room(const std::string& r) const { return uses.count(r) > 0; }
};

Graph parse_graph(const std::vector<std::string>& lines) {
  Graph g;
  for (const auto& line : lines) {
    const auto colon = line.find(':');
    REQUIRE(colon != std::string::npos);
    auto& uses = g.uses[line.substr(0, colon)];
    std::stringstream rest(line.substr(colon + 1));
    for (std::string u; std::getline(rest, u, ',');)
      if (!u.empty()) uses.insert(u);
  }
  return g;
}

// The violation for one #include "path" in a file of `room`, or "" when it is allowed.
// Includes without a folder ("memprobe_version.h", generated headers, same-folder headers) are
// not about the graph and pass.
std::string check_include(const Graph& g, const std::string& room, const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  const std::string dir = path.substr(0, slash);
  const std::string top = dir.substr(0, dir.find('/'));
  if (std::find(kHouse.begin(), kHouse.end(), top) == kHouse.end()) return "";  // not ours
  if (!g.is_room(dir)) return "includes " + path + ", which is in no declared room";
  const auto allowed = g.allowed(room);
  if (!allowed.count(dir)) return "includes " + path + ", but " + room + " does not use " + dir;
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the layer graph names every room of the house once, each using only earlier rooms",
          "[house]") {
  const Graph g = parse_graph(mp::house::kLayerGraph);
  for (const auto& top : kHouse) CHECK(g.is_room(top == "apps" ? "apps/cli" : top));
  // Declaration order is the house's order: a room uses only rooms declared before it, so the
  // graph has no cycle and "upward" has one meaning.
  std::set<std::string> declared;
  for (const auto& line : mp::house::kLayerGraph) {
    const std::string room = line.substr(0, line.find(':'));
    INFO(room);
    for (const auto& u : g.uses.at(room)) CHECK(declared.count(u) == 1);
    declared.insert(room);
  }
  CHECK(declared.size() == mp::house::kLayerGraph.size());
}

TEST_CASE("the include checker flags an upward include, an unknown folder and a sideways room",
          "[house]") {
  const Graph g = parse_graph({"tensor:", "tensor/io:tensor", "nn:tensor/io", "apps/run:nn",
                               "apps/report:apps/run", "apps/study:apps/report"});
  CHECK(check_include(g, "nn", "tensor/shape.h").empty());            // two floors down
  CHECK(check_include(g, "apps/study", "tensor/io/csv.h").empty());   // transitively
  CHECK(check_include(g, "apps/run", "apps/run/console.h").empty());  // own room
  CHECK(check_include(g, "apps/run", "memprobe_version.h").empty());
  CHECK(check_include(g, "apps/run", "CLI/CLI.hpp").empty());  // a system library
  CHECK(check_include(g, "tensor", "tensor/io/npy.h") ==
        "includes tensor/io/npy.h, but tensor does not use tensor/io");
  CHECK(check_include(g, "apps/run", "apps/report/runs.h") ==
        "includes apps/report/runs.h, but apps/run does not use apps/report");
  CHECK(check_include(g, "apps/run", "apps/util/strings.hpp") ==
        "includes apps/util/strings.hpp, which is in no declared room");
}

TEST_CASE("every #include in the house follows the layer graph", "[house]") {
  const Graph g = parse_graph(mp::house::kLayerGraph);
  const std::regex include_re(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<std::string> violations;
  size_t files = 0, includes = 0;
  for (const auto& top : kHouse) {
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / top)) {
      const fs::path& p = entry.path();
      if (!entry.is_regular_file() || (p.extension() != ".cpp" && p.extension() != ".h")) continue;
      const std::string rel = fs::relative(p, kRoot).generic_string();
      const std::string room = fs::path(rel).parent_path().generic_string();
      if (!g.is_room(room)) {
        violations.push_back(rel + ": lies in " + room + ", which is no declared room");
        continue;
      }
      ++files;
      std::istringstream text(slurp(p));
      int line_no = 0;
      for (std::string line; std::getline(text, line);) {
        ++line_no;
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        ++includes;
        const std::string v = check_include(g, room, m[1].str());
        if (!v.empty()) violations.push_back(rel + ":" + std::to_string(line_no) + ": " + v);
      }
    }
  }
  INFO("checked " << files << " files, " << includes << " includes");
  CHECK(files > 200);  // the walk found the house, not an empty folder
  std::string all;
  for (const auto& v : violations) all += v + "\n";
  INFO(all);
  CHECK(violations.empty());
}
