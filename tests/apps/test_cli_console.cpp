// Console helpers: the progress reporter (driven by a fake clock, so nothing depends on real
// time), number formatting, aligned tables; and the jobs file for clusters.
#include <catch2/catch.hpp>

#include <sstream>

#include "apps/run/console.h"
#include "apps/study/jobs.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "test_util.h"

using namespace mp::app;

namespace {
int count(const std::string& s, char c) {
  int n = 0;
  for (char x : s) n += x == c;
  return n;
}
}  // namespace

TEST_CASE("progress (log mode): a line every 10 % and after 30 s of silence", "[apps][console]") {
  double now = 0;
  Progress::Options o;
  o.tty = false;
  o.clock = [&] { return now; };
  o.unit = "samples";
  std::ostringstream os;
  {
    Progress p(os, "epoch 1", 1000, o);
    for (int i = 1; i <= 1000; ++i) {
      now = i / 1000.0;  // exact at i = 1000: 1 s
      p.update(i);
    }
    // 100, 200, ..., 900 (9 lines), then finish() prints the final state once.
    CHECK(p.lines_printed() == 9);
    p.finish();
    CHECK(p.lines_printed() == 10);
    p.finish();  // idempotent
    CHECK(p.lines_printed() == 10);
  }
  const std::string s = os.str();
  CHECK(count(s, '\n') == 10);
  CHECK(count(s, '\r') == 0);
  CHECK(s.find("epoch 1 100/1000 10%") != std::string::npos);
  CHECK(s.find("epoch 1 1000/1000 100%") != std::string::npos);
  CHECK(s.find("1.00k samples/s") != std::string::npos);  // 1000 samples in 1 s
  CHECK(s.find("in 1.0s") != std::string::npos);

  std::ostringstream slow;
  Progress q(slow, "slow", 1000000, o);
  now = 0;
  q.update(1);  // not due: neither 10 % nor 30 s
  CHECK(q.lines_printed() == 0);
  now = 31;
  q.update(2);
  CHECK(q.lines_printed() == 1);
  CHECK(slow.str().find("ETA ") != std::string::npos);
}

TEST_CASE("progress (tty mode): one redrawn line, at most 10 redraws per second",
          "[apps][console]") {
  double now = 0;
  Progress::Options o;
  o.tty = true;
  o.clock = [&] { return now; };
  std::ostringstream os;
  Progress p(os, "train", 200, o);
  for (int i = 1; i <= 200; ++i) {
    now += 0.01;  // 2 s in total
    p.update(i);
  }
  CHECK(p.lines_printed() >= 19);
  CHECK(p.lines_printed() <= 20);
  p.set_extra("loss 0.123");
  p.finish();
  const std::string s = os.str();
  CHECK(count(s, '\n') == 1);  // only the final draw ends the line
  CHECK(count(s, '\r') == p.lines_printed());
  CHECK(s.find("[########################] 200/200 100%") != std::string::npos);
  CHECK(s.find("loss 0.123") != std::string::npos);
}

TEST_CASE("progress with unknown total shows count and rate only", "[apps][console]") {
  double now = 0;
  Progress::Options o;
  o.clock = [&] { return now; };
  std::ostringstream os;
  Progress p(os, "scan", 0, o);
  now = 2;
  p.update(50);
  p.finish();
  CHECK(os.str() == "scan 50  25.0 it/s  in 2.0s\n");
}

TEST_CASE("number formatting", "[apps][console]") {
  CHECK(format_duration(12.34) == "12.3s");
  CHECK(format_duration(245) == "4m05s");
  CHECK(format_duration(7380) == "2h03m");
  CHECK(format_duration(3 * 86400 + 4 * 3600) == "3d04h");
  CHECK(format_duration(-1) == "?");
  CHECK(format_percent(0.91234) == "91.23");
  CHECK(format_percent(1.0, 1) == "100.0");
  CHECK(format_fixed(std::nan(""), 2) == "nan");
  CHECK(format_rate(1234.0, "samples") == "1.23k samples/s");
  CHECK(format_rate(56.7, "it") == "56.7 it/s");
  CHECK(format_rate(2.5e6, "it") == "2.50M it/s");
}

TEST_CASE("tables: aligned text, markdown and escaped html", "[apps][console]") {
  Table t({"layer", "MASC", "note"});
  t.add_row({"input", "12.50", "a"});
  t.add_row({"fc1", "91.23 ± 0.41 (fc3)", "b|c"});
  t.add_row({"fc2", "not computed", "<x>"});
  CHECK_THROWS_AS(t.add_row({"too", "short"}), mp::Error);
  const std::string text = t.to_text();
  // Numeric column (header included) right-aligned, the "±" counting as one character; text
  // columns left-aligned.
  CHECK(text ==
        "layer                MASC  note\n"
        "-----  ------------------  ----\n"
        "input               12.50  a\n"
        "fc1    91.23 ± 0.41 (fc3)  b|c\n"
        "fc2          not computed  <x>\n");
  const std::string md = t.to_markdown();
  CHECK(md.find("| layer | MASC | note |\n|---|---:|---|\n") == 0);
  CHECK(md.find("b\\|c") != std::string::npos);
  const std::string html = t.to_html();
  CHECK(html.find("<td>&lt;x&gt;</td>") != std::string::npos);
  CHECK(html.find("<td class=\"num\">12.50</td>") != std::string::npos);
}

TEST_CASE("jobs: one self-contained command per (preset, level, seed)", "[apps][jobs]") {
  mp::testing::TempDir tmp;
  JobGrid g;
  g.presets = {"mnist-mlp", "mnist-cnn"};
  g.levels = {0.0, 0.4};
  g.seeds = {1, 2, 3};
  g.out_dir = (tmp / "study").string();
  g.memprobe = "/opt/memprobe/bin/memprobe";
  g.extra_args = {"--threads", "4"};
  const auto jobs = make_jobs(g);
  REQUIRE(jobs.size() == 12);
  CHECK(jobs[0].name == "mnist-mlp-p0-s1");
  CHECK(jobs[4].name == "mnist-mlp-p0.4-s2");
  CHECK(jobs[11].name == "mnist-cnn-p0.4-s3");
  const std::string out = (tmp / "study" / "mnist-mlp-p0.4-s2").string();
  CHECK(jobs[4].out == out);
  CHECK(jobs[4].command == "mkdir -p " + out +
                               " && /opt/memprobe/bin/memprobe reproduce --preset mnist-mlp "
                               "--levels 0.4 --seeds 2 --out " +
                               out + " --threads 4 > " + out + "/job.log 2>&1");

  const std::string file = (tmp / "jobs.txt").string();
  CHECK(write_jobs_file(file, g) == 12);
  const std::string text = mp::read_file_text(file);
  CHECK(count(text, '\n') == 12);
  CHECK(text.rfind(jobs[0].command + "\n", 0) == 0);

  JobGrid bad = g;
  bad.levels = {1.5};
  CHECK_THROWS_AS(make_jobs(bad), mp::Error);
  bad = g;
  bad.seeds.clear();
  CHECK_THROWS_AS(make_jobs(bad), mp::Error);
  // A relative out dir becomes absolute: jobs run from arbitrary directories.
  bad = g;
  bad.out_dir = "rel";
  CHECK(std::filesystem::path(make_jobs(bad)[0].out).is_absolute());
}
