// libFuzzer target: CIFAR-10's official binary batch reader on arbitrary bytes.
// Property: whatever parses re-encodes to exactly the input (records are plain copies).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/cifar_binary.h"
#include "tensor/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  mp::data::ImageSet s;
  try {
    s = mp::data::parse_cifar_binary(bytes, "fuzz.bin");
  } catch (const mp::Error&) {
    return 0;
  }
  if (s.n <= 0 || s.c != 3 || s.h != 32 || s.w != 32 ||
      static_cast<int64_t>(s.labels.size()) != s.n)
    __builtin_trap();
  for (int32_t y : s.labels)
    if (y < 0 || y >= 10) __builtin_trap();
  if (mp::data::encode_cifar_binary(s, 0, s.n) != bytes) __builtin_trap();
  return 0;
}
