#pragma once
// Console output shared by every command: a progress reporter that behaves well both in a
// terminal (one redrawn line) and in a log file (a plain line every so often), and aligned text
// tables. Numbers are formatted here so every command prints them the same way.
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace mp::app {

// "12.3s", "4m05s", "2h03m", "3d04h"; negative or non-finite -> "?".
std::string format_duration(double seconds);
// Fixed-point with `digits` decimals; NaN -> "nan".
std::string format_fixed(double v, int digits);
// A fraction in [0, 1] as a percentage with `digits` decimals and no % sign: 0.9123 -> "91.23".
std::string format_percent(double fraction, int digits = 2);
// A rate with a unit, e.g. "1.23k samples/s"; keeps three significant digits.
std::string format_rate(double per_second, const std::string& unit);

// True when stderr is a terminal (so a redrawn progress line is appropriate).
bool stderr_is_tty();

// Progress of a loop of known length. On a terminal: one line "label [####....] 120/600 20%
// 3.1k/s ETA 2m10s  extra" redrawn in place at most every `tty_interval_s`. Otherwise a plain line
// each time another `log_fraction` of the work is done or `log_interval_s` has passed, whichever
// comes first, so that logs from long cluster jobs stay readable. finish() (or the destructor)
// prints the final state once.
class Progress {
 public:
  struct Options {
    bool tty = false;              // redraw one line (true) or print plain lines (false)
    double tty_interval_s = 0.1;   // at most ~10 redraws per second
    double log_interval_s = 30.0;  // plain mode: at least one line this often ...
    double log_fraction = 0.10;    // ... and one line every 10 % of the work
    std::string unit = "it";       // for the rate ("samples/s")
    // Clock in seconds; tests inject a fake one so no test depends on real time.
    std::function<double()> clock;
  };

  // total <= 0 means unknown: no bar, no ETA, only count and rate.
  Progress(std::ostream& os, std::string label, int64_t total, Options opt);
  // Options chosen for stderr: tty mode when stderr is a terminal.
  Progress(std::ostream& os, std::string label, int64_t total, const std::string& unit = "it");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(int64_t done);  // absolute count
  void add(int64_t n = 1) { update(done_ + n); }
  void set_extra(const std::string& extra) { extra_ = extra; }  // e.g. "loss 0.231"
  void finish();

  int64_t done() const { return done_; }
  int lines_printed() const { return lines_; }  // for tests: how many draws happened

 private:
  void draw(bool final);
  std::string render(double now, bool final) const;
  double now() const;

  std::ostream& os_;
  std::string label_;
  int64_t total_;
  Options opt_;
  int64_t done_ = 0;
  std::string extra_;
  double start_ = 0, last_draw_ = 0;
  int64_t last_logged_done_ = 0;
  int lines_ = 0;
  size_t last_width_ = 0;
  bool finished_ = false;
};

// An aligned text table. Columns are right-aligned when every non-empty cell of the column
// looks numeric (so digits line up), left-aligned otherwise.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add_row(std::vector<std::string> cells);  // throws mp::Error if the width differs
  size_t rows() const { return rows_.size(); }
  size_t cols() const { return header_.size(); }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<std::vector<std::string>>& data() const { return rows_; }

  std::string to_text() const;  // columns separated by two spaces, a dashed rule under the header
  std::string to_markdown() const;  // GitHub pipe table with alignment markers
  std::string to_html() const;      // <table> with escaped cells, class="num" on numeric columns

 private:
  bool numeric_column(size_t c) const;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

std::string html_escape(const std::string& s);

}  // namespace mp::app
