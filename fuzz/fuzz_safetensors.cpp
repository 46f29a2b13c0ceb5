// libFuzzer target: the safetensors loader on arbitrary bytes. Rejection (mp::Error) is the
// expected outcome for most inputs; a crash, sanitizer report, hang or huge allocation is a bug.
#include <cstddef>
#include <cstdint>

#include "tensor/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    mp::SafeTensorsFile f = mp::parse_safetensors(data, size, "fuzz.safetensors");
    // Touch every loaded value so the sanitizers check the copies made by the loader.
    volatile float sink = 0;
    for (const auto& [name, t] : f.tensors)
      for (int64_t i = 0; i < t.numel(); ++i) sink = sink + t.data()[i];
    for (const mp::SafeTensorsArray& a : f.arrays)
      for (uint8_t b : a.bytes) sink = sink + b;
  } catch (const mp::Error&) {
  }
  return 0;
}
