#include "fixtures.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#define STBI_WRITE_NO_STDIO
#include <stb/stb_image_write.h>  // compiled in stb_image_write_impl.cpp

namespace mp::testing {

std::vector<uint8_t> gzip_bytes(const std::vector<uint8_t>& raw, int level) {
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(raw.size())) + 64);
  zs.next_in = const_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

static void append_bytes(void* ctx, void* data, int size) {
  auto* v = static_cast<std::vector<uint8_t>*>(ctx);
  const auto* p = static_cast<const uint8_t*>(data);
  v->insert(v->end(), p, p + size);
}

std::vector<uint8_t> png_bytes(int w, int h, int comp, const std::vector<uint8_t>& hwc) {
  if (hwc.size() != static_cast<size_t>(w) * h * comp) throw std::runtime_error("png_bytes size");
  std::vector<uint8_t> out;
  if (!stbi_write_png_to_func(append_bytes, &out, w, h, comp, hwc.data(), w * comp))
    throw std::runtime_error("stbi_write_png_to_func");
  return out;
}

std::vector<uint8_t> jpg_bytes(int w, int h, int comp, const std::vector<uint8_t>& hwc) {
  if (hwc.size() != static_cast<size_t>(w) * h * comp) throw std::runtime_error("jpg_bytes size");
  std::vector<uint8_t> out;
  if (!stbi_write_jpg_to_func(append_bytes, &out, w, h, comp, hwc.data(), 95))
    throw std::runtime_error("stbi_write_jpg_to_func");
  return out;
}

std::vector<uint8_t> tar_bytes(const std::vector<TarMember>& members) {
  std::vector<uint8_t> out;
  for (const TarMember& m : members) {
    uint8_t h[512] = {};
    std::memcpy(h, m.name.data(), std::min<size_t>(m.name.size(), 100));
    std::snprintf(reinterpret_cast<char*>(h + 100), 8, "%07o", 0644);
    std::snprintf(reinterpret_cast<char*>(h + 108), 8, "%07o", 0);
    std::snprintf(reinterpret_cast<char*>(h + 116), 8, "%07o", 0);
    std::snprintf(reinterpret_cast<char*>(h + 124), 12, "%011o",
                  static_cast<unsigned>(m.data.size()));
    std::snprintf(reinterpret_cast<char*>(h + 136), 12, "%011o", 499162500u);
    h[156] = static_cast<uint8_t>(m.type);
    std::memcpy(h + 257,
                "ustar\0"
                "00",
                8);
    std::memcpy(h + 345, m.prefix.data(), std::min<size_t>(m.prefix.size(), 155));
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (uint8_t b : h) sum += b;
    std::snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);  // 6 digits, NUL, space
    h[155] = ' ';
    out.insert(out.end(), h, h + 512);
    out.insert(out.end(), m.data.begin(), m.data.end());
    out.resize((out.size() + 511) / 512 * 512, 0);
  }
  out.resize(out.size() + 1024, 0);
  return out;
}

data::ImageSet make_set(int64_t n, int c, int h, int w, int classes, int salt) {
  data::ImageSet s;
  s.n = n;
  s.c = c;
  s.h = h;
  s.w = w;
  s.num_classes = classes;
  for (int k = 0; k < classes; ++k) s.class_names.push_back("c" + std::to_string(k));
  s.pixels.resize(static_cast<size_t>(n * c * h * w));
  s.labels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    s.labels[static_cast<size_t>(i)] = static_cast<int32_t>((i * 3 + salt) % classes);
    for (int ch = 0; ch < c; ++ch)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          s.pixels[static_cast<size_t>(((i * c + ch) * h + y) * w + x)] =
              static_cast<uint8_t>((7 * i + 13 * ch + 3 * y + 5 * x + salt) % 256);
  }
  return s;
}

}  // namespace mp::testing
