#include "apps/run/console.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "tensor/check.h"

namespace mp::app {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    const long t = std::lround(s);
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  } else if (s < 86400) {
    const long t = std::lround(s / 60);
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 60, t % 60);
  } else {
    const long t = std::lround(s / 3600);
    std::snprintf(buf, sizeof buf, "%ldd%02ldh", t / 24, t % 24);
  }
  return buf;
}

std::string format_fixed(double v, int digits) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string format_percent(double fraction, int digits) {
  return format_fixed(100.0 * fraction, digits);
}

std::string format_rate(double r, const std::string& unit) {
  if (!std::isfinite(r) || r < 0) return "? " + unit + "/s";
  const char* suffix = "";
  if (r >= 1e9) {
    r /= 1e9, suffix = "G";
  } else if (r >= 1e6) {
    r /= 1e6, suffix = "M";
  } else if (r >= 1e3) {
    r /= 1e3, suffix = "k";
  }
  const int digits = r >= 100 ? 0 : r >= 10 ? 1 : 2;
  return format_fixed(r, digits) + suffix + " " + unit + "/s";
}

bool stderr_is_tty() {
  return isatty(STDERR_FILENO) == 1;
}

// ---------------------------------------------------------------------------------------------
// Progress

static double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Progress::Progress(std::ostream& os, std::string label, int64_t total, Options opt)
    : os_(os), label_(std::move(label)), total_(total), opt_(std::move(opt)) {
  if (!opt_.clock) opt_.clock = steady_seconds;
  start_ = last_draw_ = now();
}

static Progress::Options stderr_options(const std::string& unit) {
  Progress::Options o;
  o.tty = stderr_is_tty();
  o.unit = unit;
  return o;
}

Progress::Progress(std::ostream& os, std::string label, int64_t total, const std::string& unit)
    : Progress(os, std::move(label), total, stderr_options(unit)) {}

Progress::~Progress() {
  // A destructor must not throw; a failing stream is not worth dying for.
  try {
    finish();
  } catch (...) {
  }
}

double Progress::now() const {
  return opt_.clock();
}

void Progress::update(int64_t done) {
  if (finished_) return;
  done_ = done;
  const double t = now();
  if (opt_.tty) {
    if (t - last_draw_ >= opt_.tty_interval_s) draw(false);
    return;
  }
  // Plain mode: a line per log_fraction of the total, or after log_interval_s of silence.
  bool due = t - last_draw_ >= opt_.log_interval_s;
  if (total_ > 0) {
    const double step = std::max(1.0, opt_.log_fraction * static_cast<double>(total_));
    const auto bucket = [&](int64_t n) { return static_cast<int64_t>(n / step); };
    if (bucket(done_) > bucket(last_logged_done_) && done_ < total_) due = true;
  }
  if (due) draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

std::string Progress::render(double t, bool final) const {
  const double elapsed = t - start_;
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  std::ostringstream s;
  s << label_ << ' ';
  if (total_ > 0) {
    const double frac =
        std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0);
    if (opt_.tty) {
      const int width = 24, filled = static_cast<int>(frac * width);
      s << '[' << std::string(filled, '#') << std::string(width - filled, '.') << "] ";
    }
    s << done_ << '/' << total_ << ' ' << static_cast<int>(frac * 100) << '%';
  } else {
    s << done_;
  }
  if (elapsed > 0 && done_ > 0) s << "  " << format_rate(rate, opt_.unit);
  if (final) {
    s << "  in " << format_duration(elapsed);
  } else if (total_ > 0 && rate > 0) {
    s << "  ETA " << format_duration(static_cast<double>(total_ - done_) / rate);
  }
  if (!extra_.empty()) s << "  " << extra_;
  return s.str();
}

void Progress::draw(bool final) {
  const double t = now();
  std::string line = render(t, final);
  if (opt_.tty) {
    // Pad with spaces so a shorter line fully covers the previous one.
    const size_t w = line.size();
    if (w < last_width_) line.append(last_width_ - w, ' ');
    last_width_ = w;
    os_ << '\r' << line;
    if (final) os_ << '\n';
  } else {
    os_ << line << '\n';
  }
  os_.flush();
  last_draw_ = t;
  last_logged_done_ = done_;
  ++lines_;
}

// ---------------------------------------------------------------------------------------------
// Table

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {
  MP_CHECK(!header_.empty(), "Table: a table needs at least one column");
}

void Table::add_row(std::vector<std::string> cells) {
  MP_CHECK(cells.size() == header_.size(),
           "Table: row has " << cells.size() << " cells, header has " << header_.size());
  rows_.push_back(std::move(cells));
}

// Placeholders that should not make a numeric column left-aligned.
static bool neutral_cell(const std::string& c) {
  return c.empty() || c == "-" || c == "n/a" || c == "not computed";
}

static bool numeric_cell(const std::string& cell) {
  // Digits, sign, decimal point, exponent, percent and the "mean ± sd" form, optionally followed
  // by an annotation: "91.23 ± 0.41 (fc3) [n=2]".
  const std::string c = cell.substr(0, std::min(cell.find(" ("), cell.find(" [")));
  size_t i = 0;
  if (i < c.size() && (c[i] == '-' || c[i] == '+')) ++i;
  if (i >= c.size() || !(std::isdigit(static_cast<unsigned char>(c[i])) || c[i] == '.'))
    return false;
  for (; i < c.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(c[i]);
    if (std::isdigit(ch) || ch == '.' || ch == ' ' || ch == '%' || ch == 'e' || ch == '-' ||
        ch == '+')
      continue;
    if (ch >= 0x80) continue;  // the UTF-8 bytes of "±"
    return false;
  }
  return true;
}

bool Table::numeric_column(size_t c) const {
  bool any = false;
  for (const auto& r : rows_) {
    if (neutral_cell(r[c])) continue;
    if (!numeric_cell(r[c])) return false;
    any = true;
  }
  return any;
}

// Display width in characters: UTF-8 continuation bytes take no column.
static size_t display_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char ch : s) w += (ch & 0xC0) != 0x80;
  return w;
}

static std::string pad(const std::string& s, size_t width, bool right) {
  const size_t w = display_width(s);
  if (w >= width) return s;
  return right ? std::string(width - w, ' ') + s : s + std::string(width - w, ' ');
}

std::string Table::to_text() const {
  std::vector<size_t> width(cols());
  std::vector<bool> right(cols());
  for (size_t c = 0; c < cols(); ++c) {
    width[c] = display_width(header_[c]);
    for (const auto& r : rows_) width[c] = std::max(width[c], display_width(r[c]));
    right[c] = numeric_column(c);
  }
  std::ostringstream s;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cols(); ++c) {
      if (c) l += "  ";
      l += pad(cells[c], width[c], right[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    s << l << '\n';
  };
  line(header_);
  std::vector<std::string> rule(cols());
  for (size_t c = 0; c < cols(); ++c) rule[c] = std::string(width[c], '-');
  line(rule);
  for (const auto& r : rows_) line(r);
  return s.str();
}

static std::string md_cell(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '|')
      o += "\\|";
    else if (ch == '\n')
      o += ' ';
    else
      o += ch;
  }
  return o;
}

std::string Table::to_markdown() const {
  std::ostringstream s;
  s << '|';
  for (const auto& h : header_) s << ' ' << md_cell(h) << " |";
  s << "\n|";
  for (size_t c = 0; c < cols(); ++c) s << (numeric_column(c) ? "---:|" : "---|");
  s << '\n';
  for (const auto& r : rows_) {
    s << '|';
    for (const auto& cell : r) s << ' ' << md_cell(cell) << " |";
    s << '\n';
  }
  return s.str();
}

std::string html_escape(const std::string& in) {
  std::string o;
  o.reserve(in.size());
  for (char ch : in) {
    switch (ch) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += ch;
    }
  }
  return o;
}

std::string Table::to_html() const {
  std::ostringstream s;
  std::vector<bool> num(cols());
  for (size_t c = 0; c < cols(); ++c) num[c] = numeric_column(c);
  s << "<table>\n<thead><tr>";
  for (size_t c = 0; c < cols(); ++c)
    s << (num[c] ? "<th class=\"num\">" : "<th>") << html_escape(header_[c]) << "</th>";
  s << "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows_) {
    s << "<tr>";
    for (size_t c = 0; c < cols(); ++c)
      s << (num[c] ? "<td class=\"num\">" : "<td>") << html_escape(r[c]) << "</td>";
    s << "</tr>\n";
  }
  s << "</tbody>\n</table>\n";
  return s.str();
}

}  // namespace mp::app
