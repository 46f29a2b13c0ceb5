#pragma once
// Minimal CSV (RFC 4180) for results tables: a writer that is atomic (nothing appears at the
// final path until close()) and prints numbers with enough digits to round-trip exactly, and a
// strict reader whose errors name the file and line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "tensor/io/atomic_file.h"

namespace mp {

// Shortest printf form that parses back to the same value: %.9g for float, %.17g for double.
std::string csv_number(double v);
std::string csv_number(float v);

class CsvWriter {
 public:
  CsvWriter(const std::string& path, const std::vector<std::string>& header);
  // Without close() nothing is written (the temp file is removed): a run that dies half-way
  // leaves no half table behind.
  ~CsvWriter() = default;

  // Cell by cell, then end_row(); or a whole row at once.
  CsvWriter& cell(const std::string& text);
  CsvWriter& cell(const char* text) { return cell(std::string(text)); }
  CsvWriter& cell(double v) { return cell(csv_number(v)); }
  CsvWriter& cell(float v) { return cell(csv_number(v)); }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  CsvWriter& cell(T v) {
    return cell(std::to_string(v));
  }
  void end_row();  // throws unless exactly header().size() cells were given
  void row(const std::vector<std::string>& cells);
  void close();  // flushes and commits atomically

  const std::vector<std::string>& header() const { return header_; }

 private:
  void flush_if_big();

  AtomicWriter w_;
  std::vector<std::string> header_;
  std::string buf_;
  size_t cells_in_row_ = 0;
  size_t rows_ = 0;
};

struct CsvTable {
  std::string source;  // file name (for messages)
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each exactly header.size() cells
  std::vector<size_t> row_line;                // 1-based line where each row starts

  // Index of a column; throws naming the file and the missing column.
  size_t column(const std::string& name) const;
  const std::string& at(size_t row, const std::string& col) const;
  // The cell as a number (strtod, whole cell, "nan"/"inf" allowed); throws naming file and line.
  double number(size_t row, const std::string& col) const;
};

CsvTable read_csv(const std::string& path);
CsvTable parse_csv(const std::string& text, const std::string& name);

// Rewrites `path` (atomically) with the rows already there whose key (their first `key_cols`
// cells) is not among the new rows' keys, followed by the new rows: recomputing a result
// replaces its row, everything else is kept. A file with another header is refused (naming the
// file) rather than silently mixed.
void upsert_csv(const std::string& path, const std::vector<std::string>& header, size_t key_cols,
                const std::vector<std::vector<std::string>>& rows);

}  // namespace mp
