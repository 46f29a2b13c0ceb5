#pragma once
// The safetensors format (https://huggingface.co/docs/safetensors), exactly:
//   u64 little-endian N | N bytes of JSON header, space-padded to a multiple of 8 | raw data
// header: {"__metadata__": {str: str}, "name": {"dtype": "F32", "shape": [..],
//          "data_offsets": [begin, end]}, ...}, offsets relative to the start of the data section;
// tensors are little-endian, C order, packed in order without gaps.
// Used for checkpoints and exported activations: a format other tools read without our code.
// The loader treats the file as hostile: every field is validated, nothing is allocated beyond
// what the file's actual size can back, and any defect throws mp::Error naming the file.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace mp {

// A tensor of a dtype other than F32 (F64, I64, I32, U8, ...), or of F32 with more dimensions
// than a Tensor holds, kept as raw little-endian C-order bytes.
struct SafeTensorsArray {
  std::string name;
  std::string dtype;  // safetensors spelling: "F64", "I64", "I32", "U8", "BOOL", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

struct SafeTensorsFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // dtype F32, in data-offset order
  std::map<std::string, std::string> metadata;
  std::vector<SafeTensorsArray> arrays;  // every other dtype, in data-offset order

  // Lookup by name; throws mp::Error naming the missing entry.
  const Tensor& tensor(const std::string& name) const;
  const SafeTensorsArray& array(const std::string& name) const;
};

// Bytes per element of a safetensors dtype name, or 0 if the name is not a safetensors dtype.
size_t safetensors_dtype_size(const std::string& dtype);

// Writes atomically (AtomicWriter). Tensors may be non-contiguous views; they are stored in the
// order given, then `arrays`. Names must be unique, non-empty and not "__metadata__".
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::vector<SafeTensorsArray>& arrays = {});

SafeTensorsFile load_safetensors(const std::string& path);
// The same validation on bytes in memory; `name` is used in error messages (fuzzing, archives).
SafeTensorsFile parse_safetensors(const uint8_t* data, size_t n, const std::string& name);

}  // namespace mp
