// libFuzzer target: the CSV reader on arbitrary text, then every cell as a number.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tensor/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mp::CsvTable t;
  try {
    t = mp::parse_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
  } catch (const mp::Error&) {
    return 0;
  }
  if (t.rows.size() != t.row_line.size()) __builtin_trap();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    if (t.rows[r].size() != t.header.size()) __builtin_trap();  // the reader's own promise
    for (const std::string& col : t.header) {
      try {
        t.number(r, col);
      } catch (const mp::Error&) {
      }
    }
  }
  return 0;
}
