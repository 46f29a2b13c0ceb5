// libFuzzer target: image-folder datasets (root/<class>/<image>) with two class folders of one
// image each, the images taken from the input, through the real directory reader.
// Input layout: byte 0 = options (bit 0: resize to 5x3; bits 1-2 / 3-4: extension of image
// one / two among png, jpg, bmp, jpeg), bytes 1-2 = length of image one (little endian), then
// image one, then image two. Whatever loads must hold two samples of the promised geometry.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "data/image_folder.h"
#include "tensor/check.h"

namespace fs = std::filesystem;

namespace {

const fs::path& scratch_root() {
  static const fs::path root = [] {
    char tmpl[] = "/tmp/mp_fuzz_image_folder_XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    return fs::path(tmpl);
  }();
  return root;
}

void put(const fs::path& dir, const std::string& ext, const uint8_t* p, size_t n) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  FILE* f = std::fopen((dir / ("0." + ext)).c_str(), "wb");
  if (!f) std::abort();
  if (n && std::fwrite(p, 1, n, f) != n) std::abort();
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  static const char* const kExt[] = {"png", "jpg", "bmp", "jpeg"};
  const uint8_t flags = data[0];
  const size_t n1 = std::min<size_t>(size - 3, size_t(data[1]) | (size_t(data[2]) << 8));
  const fs::path& root = scratch_root();
  put(root / "a", kExt[(flags >> 1) & 3], data + 3, n1);
  put(root / "b", kExt[(flags >> 3) & 3], data + 3 + n1, size - 3 - n1);
  mp::data::ImageFolderOptions opt;
  if (flags & 1) {
    opt.resize_w = 5;
    opt.resize_h = 3;
  }
  opt.test_fraction = 0.0;  // both images in train, in class order
  mp::data::DatasetPair p;
  try {
    p = mp::data::load_image_folder(root.string(), opt);
  } catch (const mp::Error&) {
    return 0;
  }
  const mp::data::ImageSet& t = p.train;
  if (t.n != 2 || p.test.n != 0 || (t.c != 1 && t.c != 3) || t.num_classes != 2) __builtin_trap();
  if ((flags & 1) && (t.w != 5 || t.h != 3)) __builtin_trap();
  if (t.pixels.size() != static_cast<size_t>(t.n) * t.c * t.h * t.w) __builtin_trap();
  if (t.labels.size() != 2 || t.labels[0] != 0 || t.labels[1] != 1) __builtin_trap();
  return 0;
}
