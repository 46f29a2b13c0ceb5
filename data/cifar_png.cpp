#include "data/cifar_png.h"

#include <nlohmann/json.hpp>

#include "data/cifar_binary.h"
#include "data/image_decode.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"

namespace mp::data {

std::vector<int32_t> read_label_json(const std::string& path, int num_classes) {
  const std::string text = read_file_text(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    MP_FAIL(path << ": not valid JSON (" << e.what() << ")");
  }
  MP_CHECK(j.is_array(), path << ": expected a JSON array of integer labels");
  std::vector<int32_t> labels;
  labels.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const nlohmann::json& v = j[i];
    MP_CHECK(v.is_number_integer(), path << ": element " << i << " is not an integer");
    const int64_t y = v.get<int64_t>();
    MP_CHECK(y >= 0 && y < num_classes,
             path << ": label " << y << " at " << i << " is outside [0, " << num_classes << ")");
    labels.push_back(static_cast<int32_t>(y));
  }
  return labels;
}

ImageSet decode_cifar_png(const std::vector<uint8_t>& bytes, const std::string& what) {
  const int side = kCifarSide, row_px = kCifarSide * kCifarSide;
  // Check the header before decoding so a wrong file fails fast with a precise message.
  const ImageHeader hdr = read_image_header(bytes, what);
  // 100,000 rows (300 MB decoded) is 10x an official batch: more is not a CIFAR sprite.
  MP_CHECK(hdr.w == row_px && hdr.h > 0 && hdr.h <= 100000 && hdr.channels == 3 && !hdr.is_16bit,
           what << ": expected an 8-bit RGB PNG " << row_px << " pixels wide (one 32x32 image per "
                << "row), found " << hdr.w << "x" << hdr.h << " with " << hdr.channels
                << " channel(s)" << (hdr.is_16bit ? " of 16 bits" : ""));
  const DecodedImage img = decode_image(bytes, 0, what);
  MP_CHECK(img.w == row_px && img.channels == 3,
           what << ": decoder returned " << img.w << "x" << img.h << "x" << img.channels);
  ImageSet s;
  s.n = img.h;
  s.c = 3;
  s.h = s.w = side;
  s.num_classes = 10;
  s.class_names = cifar10_class_names();
  s.pixels.resize(static_cast<size_t>(s.n * kCifarImageBytes));
  // Row i of the sprite is image i in HWC order; one HWC->CHW transpose per row.
  for (int64_t i = 0; i < s.n; ++i)
    hwc_to_chw(img.hwc.data() + i * kCifarImageBytes, side, side, 3, s.image(i));
  return s;
}

ImageSet read_cifar_png_images(const std::string& png_path) {
  return decode_cifar_png(read_file_bytes(png_path), png_path);
}

ImageSet read_cifar_png_split(const std::vector<std::string>& png_paths,
                              const std::string& labels_json,
                              std::vector<std::string>* sha256_out) {
  MP_CHECK(!png_paths.empty(), "read_cifar_png_split: no PNG files given");
  std::vector<int32_t> labels = read_label_json(labels_json, 10);
  std::vector<ImageSet> parts(png_paths.size());
  std::vector<std::string> sha(png_paths.size());
  int64_t total = 0;
  // One PNG per thread: each decode is independent and stb keeps no shared state for
  // from-memory decoding; first-error-wins is recorded and rethrown outside the region.
  std::string error;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : total)
  for (size_t k = 0; k < png_paths.size(); ++k) {
    try {
      const std::vector<uint8_t> bytes = read_file_bytes(png_paths[k]);
      if (sha256_out) sha[k] = sha256_hex(bytes.data(), bytes.size());
      parts[k] = decode_cifar_png(bytes, png_paths[k]);
      total += parts[k].n;
    } catch (const std::exception& e) {
#pragma omp critical(mp_cifar_png_error)
      if (error.empty()) error = e.what();
    }
  }
  MP_CHECK(error.empty(), error);
  MP_CHECK(static_cast<int64_t>(labels.size()) == total,
           labels_json << " holds " << labels.size() << " labels but the " << png_paths.size()
                       << " PNG file(s) hold " << total << " images");
  ImageSet all = std::move(parts[0]);
  all.pixels.reserve(static_cast<size_t>(total * kCifarImageBytes));
  for (size_t k = 1; k < parts.size(); ++k) {
    all.pixels.insert(all.pixels.end(), parts[k].pixels.begin(), parts[k].pixels.end());
    std::vector<uint8_t>().swap(parts[k].pixels);
  }
  all.n = total;
  all.labels = std::move(labels);
  if (sha256_out) {
    *sha256_out = sha;
    sha256_out->push_back(sha256_file(labels_json));
  }
  return all;
}

}  // namespace mp::data
