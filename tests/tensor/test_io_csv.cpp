#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/io/csv.h"
#include "tensor/rng.h"
#include "test_util.h"

using Catch::Contains;
using mp::testing::TempDir;

TEST_CASE("CsvWriter quotes, round-trips numbers exactly, and commits on close", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "t.csv").string();
  {
    mp::CsvWriter w(p, {"name", "x", "y", "n"});
    w.cell("a,b").cell(0.1).cell(1.f / 3).cell(int64_t(-7)).end_row();
    w.row({"q\"uote", "line\nbreak", " pad ", ""});
    w.cell("inf").cell(1e300).cell(-0.0f).cell(size_t(18446744073709551615u)).end_row();
    CHECK_FALSE(std::filesystem::exists(p));  // nothing visible before close
    w.close();
  }
  CHECK(mp::read_file_text(p) ==
        "name,x,y,n\n"
        "\"a,b\",0.10000000000000001,0.333333343,-7\n"
        "\"q\"\"uote\",\"line\nbreak\",\" pad \",\n"
        "inf,1.0000000000000001e+300,-0,18446744073709551615\n");
  mp::CsvTable t = mp::read_csv(p);
  CHECK(t.header == std::vector<std::string>({"name", "x", "y", "n"}));
  REQUIRE(t.rows.size() == 3);
  CHECK(t.at(0, "name") == "a,b");
  CHECK(t.number(0, "x") == 0.1);
  CHECK(static_cast<float>(t.number(0, "y")) == 1.f / 3);
  CHECK(t.at(1, "name") == "q\"uote");
  CHECK(t.at(1, "x") == "line\nbreak");
  CHECK(t.at(1, "y") == " pad ");
  CHECK(t.at(1, "n") == "");
  CHECK(t.row_line == std::vector<size_t>({2, 3, 5}));  // the quoted newline spans a line
  CHECK(std::isinf(t.number(2, "name")));
  CHECK(t.number(2, "x") == 1e300);
  CHECK_THROWS_WITH(t.number(1, "name"), Contains(p + ":3") && Contains("not a number"));
  CHECK_THROWS_WITH(t.number(1, "n"), Contains("not a number"));
  CHECK_THROWS_WITH(t.column("zzz"), Contains(p) && Contains("zzz"));
  CHECK_THROWS_AS(t.at(3, "x"), mp::Error);
}

TEST_CASE("csv_number round-trips random floats and doubles bit for bit", "[tensor][io]") {
  mp::Rng g(5);
  for (int i = 0; i < 2000; ++i) {
    double d = (g.uniform_double() - 0.5) * std::pow(10.0, int(g.randint(80)) - 40);
    float f = static_cast<float>(d);
    CHECK(std::strtod(mp::csv_number(d).c_str(), nullptr) == d);
    CHECK(std::strtof(mp::csv_number(f).c_str(), nullptr) == f);
  }
  CHECK(mp::csv_number(std::nextafter(1.0, 2.0)) == "1.0000000000000002");
  CHECK(mp::csv_number(16777217.0f) == "16777216");
}

TEST_CASE("CsvWriter misuse and abandonment", "[tensor][io]") {
  TempDir dir;
  const std::string p = (dir / "w.csv").string();
  CHECK_THROWS_WITH(mp::CsvWriter(p, {"a", "a"}), Contains("duplicate column 'a'"));
  CHECK_THROWS_AS(mp::CsvWriter(p, {}), mp::Error);
  {
    mp::CsvWriter w(p, {"a", "b"});
    w.cell(1);
    CHECK_THROWS_WITH(w.end_row(), Contains("1 cells"));
    w.cell(2);
    CHECK_THROWS_WITH(w.cell(3), Contains("more than 2 cells"));
    w.end_row();
    w.cell(4);
    CHECK_THROWS_WITH(w.close(), Contains("unfinished row"));
  }  // never closed: no file
  CHECK_FALSE(std::filesystem::exists(p));
  {
    mp::CsvWriter w(p, {"only"});
    for (int i = 0; i < 20000; ++i) w.cell(i).end_row();  // > 64 KiB: exercises flushing
    w.close();
  }
  mp::CsvTable t = mp::read_csv(p);
  REQUIRE(t.rows.size() == 20000);
  CHECK(t.number(19999, "only") == 19999);
}

TEST_CASE("read_csv: CRLF, BOM, and errors naming file and line", "[tensor][io]") {
  mp::CsvTable t = mp::parse_csv(
      "\xEF\xBB\xBF"
      "a,b\r\n1,2\r\n\"x\"\"y\",\r\n",
      "crlf.csv");
  CHECK(t.header == std::vector<std::string>({"a", "b"}));
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[1] == std::vector<std::string>({"x\"y", ""}));
  CHECK(mp::parse_csv("a,b", "noeol.csv").rows.empty());
  CHECK(mp::parse_csv("a\n1", "noeol.csv").rows.size() == 1);

  CHECK_THROWS_WITH(mp::parse_csv("", "e.csv"), Contains("e.csv") && Contains("empty"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b\n1,2\n3\n", "f.csv"),
                    Contains("f.csv:3") && Contains("1 fields, the header has 2"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b\n1,\"2\n\n", "q.csv"),
                    Contains("q.csv:2") && Contains("unterminated"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b\n1,2\"x\n", "s.csv"),
                    Contains("s.csv:2") && Contains("quote"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b\n\"1\"x,2\n", "c.csv"),
                    Contains("c.csv:2") && Contains("after a closing quote"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b\r1,2\n", "r.csv"),
                    Contains("r.csv:1") && Contains("carriage return"));
  CHECK_THROWS_WITH(mp::parse_csv("a,b,a\n", "d.csv"), Contains("duplicate column 'a'"));
  TempDir dir;
  CHECK_THROWS_WITH(mp::read_csv((dir / "missing.csv").string()), Contains("missing.csv"));
}
