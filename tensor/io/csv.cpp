#include "tensor/io/csv.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "tensor/check.h"

namespace mp {

namespace {

bool needs_quotes(const std::string& s) {
  if (s.empty()) return false;
  if (s.front() == ' ' || s.back() == ' ') return true;
  return s.find_first_of(",\"\r\n") != std::string::npos;
}

void append_cell(std::string& out, const std::string& s) {
  if (!needs_quotes(s)) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string csv_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string csv_number(float v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

CsvWriter::CsvWriter(const std::string& path, const std::vector<std::string>& header)
    : w_(path), header_(header) {
  MP_CHECK(!header.empty(), "CsvWriter '" << path << "': empty header");
  std::set<std::string> seen;
  for (const std::string& h : header)
    MP_CHECK(seen.insert(h).second, "CsvWriter '" << path << "': duplicate column '" << h << "'");
  row(header);
  rows_ = 0;
}

CsvWriter& CsvWriter::cell(const std::string& text) {
  MP_CHECK(cells_in_row_ < header_.size(), "CsvWriter '" << w_.path() << "': more than "
                                                         << header_.size() << " cells in row "
                                                         << rows_ + 1);
  if (cells_in_row_ > 0) buf_ += ',';
  append_cell(buf_, text);
  ++cells_in_row_;
  return *this;
}

void CsvWriter::end_row() {
  MP_CHECK(cells_in_row_ == header_.size(),
           "CsvWriter '" << w_.path() << "': row " << rows_ + 1 << " has " << cells_in_row_
                         << " cells, the header " << header_.size());
  buf_ += '\n';
  cells_in_row_ = 0;
  ++rows_;
  flush_if_big();
}

void CsvWriter::row(const std::vector<std::string>& cells) {
  for (const std::string& c : cells) cell(c);
  end_row();
}

void CsvWriter::flush_if_big() {
  if (buf_.size() < (1 << 16)) return;
  w_.write(buf_.data(), buf_.size());
  buf_.clear();
}

void CsvWriter::close() {
  MP_CHECK(cells_in_row_ == 0, "CsvWriter '" << w_.path() << "': close() inside an unfinished row");
  if (!buf_.empty()) w_.write(buf_.data(), buf_.size());
  buf_.clear();
  w_.commit();
}

// --- reader ---

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  MP_FAIL(source << ": no column '" << name << "'");
}

const std::string& CsvTable::at(size_t row, const std::string& col) const {
  MP_CHECK(row < rows.size(),
           source << ": row " << row << " out of range (" << rows.size() << " rows)");
  return rows[row][column(col)];
}

double CsvTable::number(size_t row, const std::string& col) const {
  const std::string& s = at(row, col);
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(b, &end);
  MP_CHECK(
      !s.empty() && end == b + s.size() && errno != ERANGE,
      source << ":" << row_line[row] << ": column '" << col << "' is not a number: '" << s << "'");
  return v;
}

CsvTable parse_csv(const std::string& text, const std::string& name) {
  CsvTable t;
  t.source = name;
  size_t i = 0, line = 1;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte order mark
  const size_t n = text.size();
  MP_CHECK(i < n, name << ": empty CSV file (no header)");
  std::vector<std::vector<std::string>> records;
  std::vector<size_t> record_line;
  while (i < n) {
    std::vector<std::string> rec;
    record_line.push_back(line);
    for (;;) {  // one field per iteration
      std::string field;
      if (i < n && text[i] == '"') {
        const size_t open_line = line;
        ++i;
        for (;;) {
          MP_CHECK(i < n, name << ":" << open_line << ": unterminated quoted field");
          char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        MP_CHECK(i == n || text[i] == ',' || text[i] == '\n' || text[i] == '\r',
                 name << ":" << line << ": text after a closing quote");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          MP_CHECK(text[i] != '"', name << ":" << line << ": quote inside an unquoted field");
          field += text[i++];
        }
      }
      rec.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    if (i < n && text[i] == '\r') {
      ++i;
      MP_CHECK(i < n && text[i] == '\n', name << ":" << line << ": bare carriage return");
    }
    if (i < n && text[i] == '\n') {
      ++i;
      ++line;
    }
    records.push_back(std::move(rec));
  }
  t.header = std::move(records[0]);
  std::set<std::string> seen;
  for (const std::string& h : t.header)
    MP_CHECK(seen.insert(h).second,
             name << ":" << record_line[0] << ": duplicate column '" << h << "'");
  for (size_t r = 1; r < records.size(); ++r) {
    MP_CHECK(records[r].size() == t.header.size(),
             name << ":" << record_line[r] << ": " << records[r].size()
                  << " fields, the header has " << t.header.size());
    t.rows.push_back(std::move(records[r]));
    t.row_line.push_back(record_line[r]);
  }
  return t;
}

CsvTable read_csv(const std::string& path) {
  return parse_csv(read_file_text(path), path);
}

void upsert_csv(const std::string& path, const std::vector<std::string>& header, size_t key_cols,
                const std::vector<std::vector<std::string>>& rows) {
  using Row = std::vector<std::string>;
  std::set<Row> new_keys;
  for (const Row& r : rows) new_keys.insert(Row(r.begin(), r.begin() + key_cols));
  std::vector<Row> keep;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    CsvTable t = read_csv(path);
    MP_CHECK(t.header == header, path << ": unexpected columns (written by another version?); "
                                         "move it away to recompute");
    for (const Row& r : t.rows)
      if (!new_keys.count(Row(r.begin(), r.begin() + key_cols))) keep.push_back(r);
  }
  CsvWriter w(path, header);
  for (const Row& r : keep) w.row(r);
  for (const Row& r : rows) w.row(r);
  w.close();
}

}  // namespace mp
