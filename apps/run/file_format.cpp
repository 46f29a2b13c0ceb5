#include "apps/run/file_format.h"

#include <cmath>

#include "tensor/check.h"

namespace mp::app {

std::vector<std::string> FileFormat::header() const {
  std::vector<std::string> h;
  for (const Column& c : columns) h.push_back(c.name);
  return h;
}

bool FileFormat::has_column(const std::string& name) const {
  for (const Column& c : columns)
    if (name == c.name) return true;
  return false;
}

namespace {
std::string column_list(const FileFormat& fmt) {
  std::string s;
  for (const Column& c : fmt.columns) s += (s.empty() ? "" : ", ") + std::string(c.name);
  return s;
}
}  // namespace

bool has_column(const CsvTable& t, const char* col) {
  for (const std::string& h : t.header)
    if (h == col) return true;
  return false;
}

void check_columns(const CsvTable& t, const FileFormat& fmt) {
  for (const Column& c : fmt.columns)
    MP_CHECK(c.optional || has_column(t, c.name), t.source << ": no column '" << c.name
                                                           << "' (a memprobe " << fmt.file
                                                           << " has: " << column_list(fmt) << ")");
  // An unknown column is refused rather than ignored: it means another program's file, or a
  // newer memprobe's, whose meaning this reader would silently get wrong.
  for (const std::string& h : t.header)
    MP_CHECK(fmt.has_column(h), t.source << ": unknown column '" << h << "' (a memprobe "
                                         << fmt.file << " has: " << column_list(fmt) << ")");
}

CsvTable read_format(const std::filesystem::path& path, const FileFormat& fmt) {
  CsvTable t = read_csv(path.string());
  check_columns(t, fmt);
  return t;
}

void upsert_format(const std::filesystem::path& path, const FileFormat& fmt, size_t key_cols,
                   const std::vector<std::vector<std::string>>& rows) {
  const std::vector<std::string> header = fmt.header();
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    // A file of an older version (without optional columns added since) is first rewritten in
    // the current header, its missing cells empty, so a newer memprobe can add rows to a run an
    // older one started; any other difference is refused by read_format, naming file and column.
    const CsvTable t = read_format(path, fmt);
    if (t.header != header) {
      CsvWriter w(path.string(), header);
      for (size_t r = 0; r < t.rows.size(); ++r) {
        std::vector<std::string> row;
        for (const std::string& c : header)
          row.push_back(has_column(t, c.c_str()) ? t.at(r, c) : "");
        w.row(row);
      }
      w.close();
    }
  }
  upsert_csv(path.string(), header, key_cols, rows);
}

int64_t integer_cell(const CsvTable& t, size_t row, const char* col) {
  const double v = t.number(row, col);
  MP_CHECK(v >= 0 && v == std::floor(v) && v < 1e9, t.source << ": line " << t.row_line[row] << ": "
                                                             << col << " '" << t.at(row, col)
                                                             << "' is not a non-negative integer");
  return static_cast<int64_t>(v);
}

double number_or_nan(const CsvTable& t, size_t row, const char* col) {
  if (!has_column(t, col) || t.at(row, col).empty()) return std::nan("");
  return t.number(row, col);
}

std::string text_cell(const CsvTable& t, size_t row, const char* col, const std::string& absent) {
  return has_column(t, col) ? t.at(row, col) : absent;
}

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

std::string optional_number(double v) {
  return std::isnan(v) ? std::string() : csv_number(v);
}

}  // namespace mp::app
