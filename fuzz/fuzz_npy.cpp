// libFuzzer target: the .npy reader and its conversions on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "tensor/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mp::NpyArray a;
  try {
    a = mp::parse_npy(data, size, "fuzz.npy");
  } catch (const mp::Error&) {
    return 0;
  }
  // Each conversion either succeeds or refuses the dtype; Fortran reordering runs on valid input.
  try {
    mp::npy_to_tensor(a);
  } catch (const mp::Error&) {
  }
  try {
    mp::npy_to_f64(a);
  } catch (const mp::Error&) {
  }
  try {
    mp::npy_to_i64(a);
  } catch (const mp::Error&) {
  }
  // A parsed header must be writable again with the same shape.
  try {
    mp::npy_header(a.dtype, a.shape, a.fortran_order);
  } catch (const mp::Error&) {
  }
  return 0;
}
