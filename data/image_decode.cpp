#include "data/image_decode.h"

#include <stb_image.h>

#include <cctype>
#include <climits>
#include <cstring>
#include <limits>
#include <string>

#include "tensor/check.h"

namespace mp::data {

namespace {

int checked_len(const std::vector<uint8_t>& bytes, const std::string& what) {
  MP_CHECK(!bytes.empty(), what << ": empty file, not an image");
  MP_CHECK(bytes.size() <= static_cast<size_t>(INT_MAX),
           what << ": " << bytes.size() << " bytes is too large for the image decoder");
  return static_cast<int>(bytes.size());
}

// stb_image 2.27 (Debian's) trusts a JPEG's Huffman tables in two ways that read or write out of
// bounds, both found by fuzz_image_folder:
//  - a DHT table declaring more than 256 codes overruns its fixed-size tables (a heap overflow
//    inside the decoder state; stb 2.28 added that check);
//  - a scan that decodes with a table no DHT segment defined walks the never-initialised
//    table's maxcode[] past its end.
// Walk the markers as stb reads them - counts past a segment's end included - and refuse such
// files before stb sees them.
void check_jpeg_huffman_tables(const std::vector<uint8_t>& b, const std::string& what) {
  // SOI, after any number of 0xFF fill bytes (stb accepts them, found by fuzz_png_sprite).
  size_t i = 1;
  while (i < b.size() && b[i] == 0xFF) ++i;
  if (b.empty() || b[0] != 0xFF || i >= b.size() || b[i] != 0xD8) return;  // not a JPEG
  ++i;
  const auto at = [&b](size_t k) -> size_t { return k < b.size() ? b[k] : 0; };  // stb reads 0
  bool defined[2][16] = {};  // [DC=0 / AC=1][table id], as DHT segments define them
  bool progressive = false;
  while (i + 1 < b.size()) {
    const size_t m = b[i + 1];
    // Entropy-coded data, fill bytes, stuffed zeros, RSTn, SOI, TEM carry no segment.
    if (b[i] != 0xFF || m == 0xFF || m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {
      i += b[i] == 0xFF && m != 0xFF ? 2 : 1;
      continue;
    }
    if (m == 0xD9) return;  // EOI
    const size_t len = (at(i + 2) << 8) | at(i + 3);
    if (m == 0xC4) {
      long left = static_cast<long>(len) - 2;
      for (size_t p = i + 4; left > 0;) {
        size_t n = 0;
        for (size_t k = 1; k <= 16; ++k) n += at(p + k);
        MP_CHECK(n <= 256, what << ": corrupt JPEG (a Huffman table declares " << n
                                << " codes, at most 256 exist)");
        const size_t q = at(p);
        if ((q >> 4) <= 1) defined[q >> 4][q & 15] = true;  // stb refuses other classes itself
        left -= static_cast<long>(17 + n);
        p += 17 + n;
      }
    }
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) progressive = m == 0xC2;
    if (m == 0xDA) {
      // Which tables this scan decodes with, as stb's decoder uses them: a baseline scan both of
      // each component's; a progressive DC scan the DC table on its first pass only; a
      // progressive AC scan the AC table.
      const size_t ns = at(i + 4);
      const size_t ss = at(i + 5 + 2 * ns), ah = at(i + 7 + 2 * ns) >> 4;
      for (size_t c = 0; c < ns; ++c) {
        const size_t q = at(i + 6 + 2 * c), hd = q >> 4, ha = q & 15;
        const bool need_dc = !progressive || (ss == 0 && ah == 0);
        const bool need_ac = !progressive || ss != 0;
        MP_CHECK((!need_dc || defined[0][hd]) && (!need_ac || defined[1][ha]),
                 what << ": corrupt JPEG (a scan uses Huffman table "
                      << (need_dc && !defined[0][hd] ? "DC " + std::to_string(hd)
                                                     : "AC " + std::to_string(ha))
                      << ", which no DHT segment defines)");
      }
    }
    i += 2 + len;
  }
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

bool is_png(const std::vector<uint8_t>& b) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return b.size() >= 8 && std::memcmp(b.data(), kSig, 8) == 0;
}

// stb_image 2.27 memcpy()s a zero-length IDAT chunk into a not yet allocated (null) buffer,
// which is undefined behaviour (found by fuzz_png_sprite, twice: also when the chunk's CRC is cut
// off by the end of the file). Such chunks carry no image data: returns a copy without them when
// there are any, else an empty vector (use the input as is). A chunk is dropped as soon as its
// 8-byte length + type header is present; any other truncated last chunk stays for stb to refuse.
std::vector<uint8_t> png_without_empty_idat(const std::vector<uint8_t>& b) {
  if (!is_png(b)) return {};
  const auto empty_idat = [&b](size_t p) {
    return be32(&b[p]) == 0 && std::memcmp(&b[p + 4], "IDAT", 4) == 0;
  };
  // Chunks with a complete header: [p, p + 8) is readable; complete() when the whole chunk is.
  const auto complete = [&b](size_t p) {
    return p + 12 <= b.size() && be32(&b[p]) <= b.size() - p - 12;
  };
  bool any = false;
  for (size_t p = 8; p + 8 <= b.size(); p += 12 + be32(&b[p])) {
    any = any || empty_idat(p);
    if (!complete(p)) break;
  }
  if (!any) return {};
  std::vector<uint8_t> out(b.begin(), b.begin() + 8);
  size_t p = 8;
  for (; p + 8 <= b.size() && complete(p); p += 12 + be32(&b[p]))
    if (!empty_idat(p)) out.insert(out.end(), b.begin() + p, b.begin() + p + 12 + be32(&b[p]));
  if (p + 8 > b.size() || !empty_idat(p)) out.insert(out.end(), b.begin() + p, b.end());
  return out;
}

// stb_image grows its IDAT buffer to a chunk's declared length before checking the bytes are
// there, so a corrupt length makes it allocate up to 4 GB for a tiny file (found by
// fuzz_png_sprite as an out-of-memory). A chunk that claims more bytes than the file has left
// means the file is truncated or corrupt: refuse it by name before stb sees it.
void check_png_chunk_lengths(const std::vector<uint8_t>& b, const std::string& what) {
  if (!is_png(b)) return;
  for (size_t p = 8; p + 8 <= b.size();) {
    const uint32_t len = be32(&b[p]);
    const size_t left = b.size() - p - 8;
    std::string type(reinterpret_cast<const char*>(&b[p + 4]), 4);
    for (char& ch : type) ch = std::isalpha(static_cast<unsigned char>(ch)) ? ch : '?';
    MP_CHECK(len <= left, what << ": corrupt or truncated PNG (chunk '" << type << "' at byte " << p
                               << " declares " << len << " bytes, only " << left << " follow)");
    if (left - len < 4) break;  // CRC cut off: stb refuses that itself
    p += 12 + static_cast<size_t>(len);
  }
}

}  // namespace

ImageHeader read_image_header(const std::vector<uint8_t>& bytes, const std::string& what) {
  const int len = checked_len(bytes, what);
  check_jpeg_huffman_tables(bytes, what);  // stbi_info parses a JPEG's tables too
  ImageHeader hdr;
  const int ok = stbi_info_from_memory(bytes.data(), len, &hdr.w, &hdr.h, &hdr.channels);
  MP_CHECK(ok, what << ": not a readable PNG/JPEG/BMP image (" << stbi_failure_reason() << ")");
  // stb_image 2.27 reports a top-down BMP's height as it is stored, negative, while its decoder
  // takes the absolute value: the size that matters is the decoded one. A height that stays
  // negative (INT_MIN) or a zero or negative width is no image (found by fuzz_image_folder: a
  // 78-byte BMP declaring 3 x -16777214 passed the pixel-count check as a negative count).
  if (hdr.h < 0 && hdr.h != std::numeric_limits<int>::min()) hdr.h = -hdr.h;
  MP_CHECK(hdr.w > 0 && hdr.h > 0, what << ": the image header declares " << hdr.w << "x" << hdr.h
                                        << " pixels ("
                                        << (hdr.w == 0 || hdr.h == 0 ? "empty" : "invalid") << ")");
  hdr.is_16bit = stbi_is_16_bit_from_memory(bytes.data(), len) != 0;
  return hdr;
}

DecodedImage decode_image(const std::vector<uint8_t>& bytes, int req_channels,
                          const std::string& what) {
  MP_CHECK(req_channels >= 0 && req_channels <= 4,
           "decode_image: req_channels must be 0..4, got " << req_channels);
  checked_len(bytes, what);
  check_jpeg_huffman_tables(bytes, what);
  check_png_chunk_lengths(bytes, what);
  const std::vector<uint8_t> cleaned = png_without_empty_idat(bytes);
  const std::vector<uint8_t>& in = cleaned.empty() ? bytes : cleaned;
  const int len = checked_len(in, what);
  DecodedImage img;
  stbi_uc* p = stbi_load_from_memory(in.data(), len, &img.w, &img.h, &img.channels, req_channels);
  MP_CHECK(p != nullptr, what << ": cannot decode image (" << stbi_failure_reason() << ")");
  // stb 2.27 can return a buffer for a BMP that declares no rows or columns (found by
  // fuzz_image_folder: a resize then indexed row -1 of an empty image). No reader here can use
  // an image without pixels: refuse it, naming the file.
  if (img.w <= 0 || img.h <= 0) {
    stbi_image_free(p);
    MP_FAIL(what << ": the image is " << img.w << "x" << img.h << " pixels (empty)");
  }
  if (req_channels != 0) img.channels = req_channels;
  const size_t n = static_cast<size_t>(img.w) * static_cast<size_t>(img.h) * img.channels;
  img.hwc.assign(p, p + n);
  stbi_image_free(p);
  return img;
}

void hwc_to_chw(const uint8_t* hwc, int h, int w, int c, uint8_t* chw) {
  const int64_t plane = static_cast<int64_t>(h) * w;
  for (int64_t j = 0; j < plane; ++j)
    for (int ch = 0; ch < c; ++ch) chw[ch * plane + j] = hwc[j * c + ch];
}

}  // namespace mp::data
