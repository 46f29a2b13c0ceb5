#pragma once
// The shape of one file memprobe writes into a run (or report) directory: its name, what it
// holds, and its columns in file order, each with a one-line meaning. Every such file has one
// owner that declares its FileFormat once; the owner's writer writes `header()`, its reader reads
// through read_format() (which refuses a missing or an unknown column, naming the file and the
// column), and docs/formats.md lists the same columns in the same order (a test compares them).
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tensor/io/csv.h"

namespace mp::app {

struct Column {
  const char* name;
  const char* doc;  // one line: what the column holds, with its unit
  // Added after the file's first version: an older file lacks it and still reads (the reader
  // gives the row's default). Required columns were in every version memprobe ever wrote.
  bool optional = false;
};

struct FileFormat {
  const char* file;             // the file name inside its directory, the one place it is spelled
  const char* doc;              // one line: what the file holds
  std::vector<Column> columns;  // in file order; empty for a file that is not a table (JSON)

  std::vector<std::string> header() const;  // the column names, in file order
  bool has_column(const std::string& name) const;
};

// Checks a parsed table's header against `fmt`: throws mp::Error naming the table's source and
// the column when a required column is missing or a column is not one of fmt's.
void check_columns(const CsvTable& t, const FileFormat& fmt);
// read_csv + check_columns: a table whose cells may be read by column name.
CsvTable read_format(const std::filesystem::path& path, const FileFormat& fmt);
// Rows of a keyed file: replaces the rows whose first `key_cols` cells equal a new row's, keeps
// the others (upsert_csv, atomic). A file of an older version, lacking optional columns, is
// brought to the current header first (empty cells); other columns are refused, naming them.
void upsert_format(const std::filesystem::path& path, const FileFormat& fmt, size_t key_cols,
                   const std::vector<std::vector<std::string>>& rows);

// Whether the file has the (optional) column.
bool has_column(const CsvTable& t, const char* col);
// Typed cells for the owners' readers. Each throws mp::Error naming the file and line.
// A non-negative integer (an epoch, an index).
int64_t integer_cell(const CsvTable& t, size_t row, const char* col);
// A number; an empty cell, or an optional column the file lacks, is NaN (not computed).
double number_or_nan(const CsvTable& t, size_t row, const char* col);
// The cell's text; `absent` when the file lacks the (optional) column.
std::string text_cell(const CsvTable& t, size_t row, const char* col,
                      const std::string& absent = "");
// Equal numbers, NaN equal to NaN ("not measured" in both): the rows' operator==.
bool same_number(double a, double b);
// A number written as an accuracy: NaN (not measured) is an empty cell, not "nan", so a reader
// and a spreadsheet see "no value" rather than a number.
std::string optional_number(double v);

}  // namespace mp::app
