// report.html as a person sees it: the page rendered by headless Chromium at 1,280 px wide,
// where every image must have loaded, every table must have a body row, every link must lead
// somewhere and nothing may stick out to the right. Run on a report generated here from fixture
// runs, on every committed results/*/report.html, and on a page broken on purpose (so a check
// that always passes would be caught). Chromium is a test dependency (scripts/install-deps.sh
// --test): without it these tests warn and skip, or fail when CI=true.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "apps/report/report.h"
#include "tensor/io/atomic_file.h"
#include "test_report_fixture.h"
#include "test_util.h"

using namespace mp::app;
using mp::testing::FakeRun;
using mp::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int kViewportWidth = 1280;

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser"})
    if (std::string p = find_on_path(name); !p.empty()) return p;
  return "";
}

// A test's first line: the Chromium to use. Missing, it is a failure in CI (where the test
// dependencies are installed, so its absence is a broken set-up) and a skip elsewhere.
#define MP_REQUIRE_CHROMIUM(var)                                                         \
  const std::string var = find_chromium();                                               \
  if (var.empty()) {                                                                     \
    const char* ci = std::getenv("CI");                                                  \
    if (ci && std::string(ci) == "true")                                                 \
      FAIL("chromium not on PATH (scripts/install-deps.sh --test installs it)");         \
    WARN("chromium not on PATH: skipping (scripts/install-deps.sh --test installs it)"); \
    return;                                                                              \
  }

// Runs in the page once it and every image have loaded (details opened first, so what a reader
// can unfold is checked too) and leaves its findings as JSON in a hidden <pre>, which
// --dump-dom then prints. '<', '>' and '&' are escaped so the serialised DOM holds the JSON
// verbatim.
constexpr const char* kCheckScript = R"JS(<script>
(function () {
  function describe(e) {
    var s = e.tagName.toLowerCase();
    if (e.id) s += '#' + e.id;
    var t = (e.getAttribute('alt') || e.textContent || '').trim().replace(/\s+/g, ' ');
    return t ? s + ' "' + t.slice(0, 60) + '"' : s;
  }
  function check() {
    var W = window.innerWidth;
    var r = {viewport: W, scroll_width: document.documentElement.scrollWidth,
             images: document.images.length, tables: 0, links: 0, broken_images: [],
             empty_tables: [], dangling_fragments: [], relative_links: [], overflowing: []};
    Array.prototype.forEach.call(document.images, function (im) {
      if (!(im.complete && im.naturalWidth > 0)) r.broken_images.push(describe(im));
    });
    document.querySelectorAll('table').forEach(function (t) {
      r.tables++;
      var rows = 0;
      Array.prototype.forEach.call(t.tBodies, function (b) { rows += b.rows.length; });
      if (rows < 1) r.empty_tables.push(describe(t));
    });
    document.querySelectorAll('a[href]').forEach(function (a) {
      r.links++;
      var h = a.getAttribute('href');
      if (h.charAt(0) === '#') {
        if (h.length > 1 && !document.getElementById(decodeURIComponent(h.slice(1))))
          r.dangling_fragments.push(h);
      } else if (!/^[a-z][a-z0-9+.-]*:/i.test(h)) {
        r.relative_links.push(h);
      }
    });
    document.body.querySelectorAll('*').forEach(function (e) {
      var right = e.getBoundingClientRect().right;
      if (right > W + 0.5)
        r.overflowing.push(describe(e) + ' (right edge ' + Math.round(right) + ')');
    });
    var out = document.createElement('pre');
    out.id = 'mp-browser-check';
    out.hidden = true;
    out.textContent = JSON.stringify(r).replace(/&/g, '\\u0026').replace(/</g, '\\u003c')
                                       .replace(/>/g, '\\u003e');
    document.body.appendChild(out);
  }
  window.addEventListener('load', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    Promise.all(Array.prototype.map.call(document.images, function (im) {
      return im.complete ? null : new Promise(function (done) {
        im.addEventListener('load', done);
        im.addEventListener('error', done);
      });
    })).then(check);
  });
})();
</script>
)JS";

// What the page showed, as kCheckScript reports it.
struct Findings {
  int viewport = 0, scroll_width = 0, images = 0, tables = 0, links = 0;
  std::vector<std::string> broken_images, empty_tables, dangling_fragments, relative_links,
      overflowing;
};

// "file:///a%20b/" for a directory: a URL the <base> element accepts.
std::string file_url(const fs::path& dir) {
  static const char* hex = "0123456789ABCDEF";
  std::string u = "file://";
  for (unsigned char c : fs::absolute(dir).string() + "/") {
    if (std::isalnum(c) || std::string("/-._~").find(static_cast<char>(c)) != std::string::npos) {
      u += static_cast<char>(c);
    } else {
      u += '%';
      u += hex[c >> 4];
      u += hex[c & 15];
    }
  }
  return u;
}

// The page with the check script added, and a <base> so that it resolves relative links and
// images against the report's own folder although the copy is loaded from elsewhere.
std::string instrumented(std::string html, const fs::path& report_dir) {
  const size_t head = html.find("<head>");
  REQUIRE(head != std::string::npos);
  html.insert(head + 6, "\n<base href=\"" + file_url(report_dir) + "\">");
  const size_t body_end = html.rfind("</body>");
  html.insert(body_end == std::string::npos ? html.size() : body_end, kCheckScript);
  return html;
}

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  REQUIRE(f != nullptr);
  std::array<char, 65536> buf;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), f)) > 0;) out.append(buf.data(), n);
  ::pclose(f);
  return out;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  return j.at(key).get<std::vector<std::string>>();
}

// Loads `report` (a copy, instrumented) in Chromium and returns what the check script found.
Findings check_in_chromium(const std::string& chromium, const fs::path& report) {
  TempDir work;
  const fs::path page = work / "page.html";
  mp::write_file_atomic(page.string(),
                        instrumented(mp::read_file_text(report.string()), report.parent_path()));
  const fs::path err = work / "chromium.log";
  // A profile of its own: concurrent tests must not share (and lock) one.
  const std::string cmd = "timeout 120 " + shell_quote(chromium) +
                          " --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run"
                          " --disable-extensions --disable-dev-shm-usage --user-data-dir=" +
                          shell_quote((work / "profile").string()) +
                          " --window-size=" + std::to_string(kViewportWidth) +
                          ",2000 --virtual-time-budget=10000 --dump-dom " +
                          shell_quote(file_url(work.path()) + "page.html") + " 2>" +
                          shell_quote(err.string());
  const std::string dom = run_command(cmd);
  const size_t tag = dom.find("<pre id=\"mp-browser-check\"");
  const size_t at = tag == std::string::npos ? tag : dom.find('>', tag);
  const size_t end = at == std::string::npos ? at : dom.find("</pre>", at);
  if (end == std::string::npos) {
    std::string log;
    try {
      log = mp::read_file_text(err.string());
    } catch (const std::exception&) {
    }
    FAIL("no check result in the DOM Chromium dumped for " << report.string() << "\n"
                                                           << dom.substr(0, 2000) << "\n"
                                                           << log);
  }
  const auto j = nlohmann::json::parse(dom.substr(at + 1, end - at - 1));
  Findings f;
  f.viewport = j.at("viewport").get<int>();
  f.scroll_width = j.at("scroll_width").get<int>();
  f.images = j.at("images").get<int>();
  f.tables = j.at("tables").get<int>();
  f.links = j.at("links").get<int>();
  f.broken_images = strings(j, "broken_images");
  f.empty_tables = strings(j, "empty_tables");
  f.dangling_fragments = strings(j, "dangling_fragments");
  f.relative_links = strings(j, "relative_links");
  f.overflowing = strings(j, "overflowing");
  return f;
}

// A relative href names a file next to the report (its query and fragment aside).
bool relative_link_resolves(const std::string& href, const fs::path& report_dir) {
  std::string file = href.substr(0, href.find_first_of("?#"));
  std::string decoded;
  for (size_t i = 0; i < file.size(); ++i) {
    if (file[i] == '%' && i + 2 < file.size()) {
      decoded += static_cast<char>(std::stoi(file.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      decoded += file[i];
    }
  }
  std::error_code ec;
  return decoded.empty() || fs::exists(report_dir / decoded, ec);
}

// Every defect as one line, empty for a good page.
std::vector<std::string> problems(const Findings& f, const fs::path& report_dir) {
  std::vector<std::string> p;
  if (f.viewport != kViewportWidth)
    p.push_back("viewport " + std::to_string(f.viewport) + " px, not " +
                std::to_string(kViewportWidth));
  if (f.scroll_width > kViewportWidth)
    p.push_back("page scrolls sideways: " + std::to_string(f.scroll_width) + " px wide");
  for (const auto& s : f.broken_images) p.push_back("image not loaded: " + s);
  for (const auto& s : f.empty_tables) p.push_back("table without a body row: " + s);
  for (const auto& s : f.dangling_fragments) p.push_back("link to no element: " + s);
  for (const auto& s : f.relative_links)
    if (!relative_link_resolves(s, report_dir)) p.push_back("link to a missing file: " + s);
  for (const auto& s : f.overflowing) p.push_back("beyond the right edge: " + s);
  return p;
}

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

bool has_problem(const std::vector<std::string>& p, const std::string& start) {
  for (const auto& s : p)
    if (s.rfind(start, 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("report.html in Chromium: a fresh report shows its plots and tables within 1280 px",
          "[apps][report][browser]") {
  MP_REQUIRE_CHROMIUM(chromium);
  TempDir tmp;
  // Two seeds at one level, a second level that stopped at its epoch cap (so the note shows).
  FakeRun a, b, capped;
  b.seed = 2;
  capped.level = 0.6;
  capped.max_epochs = capped.final_epoch;
  capped.stop_reason = "epoch cap";
  capped.final_running_acc = 0.9;
  for (const FakeRun& r : {a, b, capped})
    mp::testing::write_fake_run(tmp / "runs" / mp::testing::fake_run_name(r), r);
  ReportOptions o =
      mp::testing::report_options(tmp / "runs", tmp / "out", mp::testing::plots_if_installed());
  std::ostringstream log;
  const ReportResult res = write_report(o, log);
  INFO(log.str());
  int rendered = 0;
  for (const auto& p : res.plots) rendered += p.rendered;
  if (o.gnuplot == "none") WARN("gnuplot not on PATH: checking a report without plots");

  const Findings f = check_in_chromium(chromium, tmp / "out" / "report.html");
  INFO(lines(problems(f, tmp / "out")));
  CHECK(problems(f, tmp / "out").empty());
  CHECK(f.images == rendered);
  if (o.gnuplot != "none") CHECK(rendered == 5);  // levels; layers and dynamics at p 0.2, 0.6
  CHECK(f.tables >= 8);  // summary, cost, and per run: facts, two by layer, transfer, dynamics
}

TEST_CASE("report.html in Chromium: every committed results report passes the same checks",
          "[apps][report][browser]") {
  MP_REQUIRE_CHROMIUM(chromium);
  std::vector<fs::path> reports;
  const fs::path results = fs::path(MEMPROBE_SOURCE_DIR) / "results";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(results, ec))
    if (fs::is_regular_file(e.path() / "report.html")) reports.push_back(e.path() / "report.html");
  if (reports.empty()) {
    WARN("no results/*/report.html in " << results.string());
    return;
  }
  for (const fs::path& report : reports) {
    const Findings f = check_in_chromium(chromium, report);
    const std::vector<std::string> p = problems(f, report.parent_path());
    INFO(report.string() << "\n" << lines(p));
    CHECK(p.empty());
    CHECK(f.tables > 0);
  }
}

TEST_CASE("browser check: a page broken on purpose is reported on every count",
          "[apps][report][browser]") {
  MP_REQUIRE_CHROMIUM(chromium);
  TempDir tmp;
  mp::write_file_atomic((tmp / "present.csv").string(), "a\n1\n");
  mp::write_file_atomic((tmp / "report.html").string(), R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title></head>
<body style="margin:0">
<h2 id="here">A heading links can point at</h2>
<p><a href="#here">good fragment</a> <a href="present.csv">good file</a>
<a href="https://example.org/">external, not followed</a></p>
<p><a href="#nowhere">dangling fragment</a> <a href="absent.csv">missing file</a></p>
<img alt="missing plot" src="plots/absent.png">
<table><thead><tr><th>filled</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>
<table id="hollow"><thead><tr><th>empty</th></tr></thead><tbody></tbody></table>
<div id="wide" style="width:2000px">too wide</div>
</body></html>
)");
  const Findings f = check_in_chromium(chromium, tmp / "report.html");
  const std::vector<std::string> p = problems(f, tmp.path());
  INFO(lines(p));
  CHECK(f.images == 1);
  CHECK(f.tables == 2);
  CHECK(f.links == 5);
  CHECK(f.broken_images == std::vector<std::string>{"img \"missing plot\""});
  CHECK(f.empty_tables == std::vector<std::string>{"table#hollow \"empty\""});
  CHECK(f.dangling_fragments == std::vector<std::string>{"#nowhere"});
  CHECK(has_problem(p, "link to a missing file: absent.csv"));
  CHECK_FALSE(has_problem(p, "link to a missing file: present.csv"));
  CHECK(f.scroll_width >= 2000);
  CHECK(has_problem(p, "page scrolls sideways"));
  CHECK(has_problem(p, "beyond the right edge: div#wide"));
  CHECK(p.size() == 6);  // the five defects above plus the page width; nothing else
}
