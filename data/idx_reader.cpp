#include "data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::data {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(uint8_t(v >> 24));
  out.push_back(uint8_t(v >> 16));
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}

bool is_gzip(const std::vector<uint8_t>& b) {
  return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b;
}

void check_magic(const std::vector<uint8_t>& bytes, uint32_t expected, const std::string& what) {
  MP_CHECK(bytes.size() >= 4,
           what << ": " << bytes.size() << " bytes is too short for an IDX header");
  const uint32_t magic = be32(bytes.data());
  MP_CHECK(
      magic == expected,
      what << ": IDX magic 0x" << std::hex << magic << " but expected 0x" << expected << std::dec
           << (expected == kImagesMagic ? " (ubyte images, 3 dims)" : " (ubyte labels, 1 dim)"));
}

}  // namespace

std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::string& what) {
  std::vector<uint8_t> out;
  // The trailer's ISIZE (size mod 2^32 of the last member) is a good first guess for one member;
  // capped, so a forged trailer cannot demand gigabytes up front (the vector still grows).
  if (in.size() >= 18) {
    const uint8_t* t = in.data() + in.size() - 4;
    const uint32_t isize =
        uint32_t(t[0]) | (uint32_t(t[1]) << 8) | (uint32_t(t[2]) << 16) | (uint32_t(t[3]) << 24);
    // Deflate expands at most ~1032x: a bigger claim is forged (and made fuzzing crawl).
    out.reserve(std::min<size_t>({isize, size_t(256) << 20, in.size() * 1032}));
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  MP_CHECK(inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK, what << ": zlib inflateInit2 failed");
  size_t pos = 0;
  uint8_t chunk[1 << 16];
  int rc = Z_OK;
  while (true) {
    // zlib's avail_in is a uInt: feed at most 1 GiB at a time.
    if (zs.avail_in == 0 && pos < in.size()) {
      const size_t take = std::min<size_t>(in.size() - pos, size_t(1) << 30);
      zs.next_in = const_cast<Bytef*>(in.data() + pos);
      zs.avail_in = static_cast<uInt>(take);
      pos += take;
    }
    zs.next_out = chunk;
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (sizeof chunk - zs.avail_out));
    if (rc == Z_STREAM_END) {
      // Another member may follow (gzip allows concatenation); anything else is an error.
      const size_t rest = zs.avail_in + (in.size() - pos);
      if (rest == 0) break;
      const uint8_t* nx = zs.next_in;
      const bool member = rest >= 2 && nx[0] == 0x1f && nx[1] == 0x8b;
      if (!member) {
        inflateEnd(&zs);
        MP_FAIL(what << ": " << rest << " bytes of garbage after the gzip stream");
      }
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && pos == in.size()) {
      inflateEnd(&zs);
      MP_FAIL(what << ": gzip stream is truncated (ended after " << in.size()
                   << " compressed bytes, " << out.size() << " decompressed)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      const std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      MP_FAIL(what << ": corrupt gzip data (" << msg << ")");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  if (!is_gzip(bytes)) return bytes;
  return gunzip(bytes, path);
}

IdxImages parse_idx_images(std::vector<uint8_t>&& bytes, const std::string& what) {
  check_magic(bytes, kImagesMagic, what);
  MP_CHECK(bytes.size() >= 16,
           what << ": " << bytes.size() << " bytes is too short for an IDX image header (16)");
  IdxImages r;
  const uint32_t n = be32(&bytes[4]), rows = be32(&bytes[8]), cols = be32(&bytes[12]);
  MP_CHECK(rows > 0 && cols > 0 && rows <= 65536 && cols <= 65536,
           what << ": implausible image size " << rows << "x" << cols);
  // n < 2^32 and rows*cols <= 2^32, so the product fits in uint64 without overflow.
  const uint64_t need = 16 + uint64_t(n) * uint64_t(rows) * uint64_t(cols);
  MP_CHECK(bytes.size() == need, what << ": header says " << n << " images of " << rows << "x"
                                      << cols << " (" << need << " bytes) but the file has "
                                      << bytes.size() << " bytes"
                                      << (bytes.size() < need ? " (truncated)" : ""));
  r.n = n;
  r.rows = static_cast<int>(rows);
  r.cols = static_cast<int>(cols);
  // Drop the header in place: no second copy of a 47 MB buffer.
  bytes.erase(bytes.begin(), bytes.begin() + 16);
  r.pixels = std::move(bytes);
  return r;
}

std::vector<int32_t> parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& what) {
  check_magic(bytes, kLabelsMagic, what);
  MP_CHECK(bytes.size() >= 8,
           what << ": " << bytes.size() << " bytes is too short for an IDX label header (8)");
  const uint32_t n = be32(&bytes[4]);
  const uint64_t need = 8 + uint64_t(n);
  MP_CHECK(bytes.size() == need, what << ": header says " << n << " labels (" << need
                                      << " bytes) but the file has " << bytes.size() << " bytes"
                                      << (bytes.size() < need ? " (truncated)" : ""));
  return std::vector<int32_t>(bytes.begin() + 8, bytes.end());
}

ImageSet read_idx_pair(const std::string& images_path, const std::string& labels_path,
                       int num_classes) {
  IdxImages im = parse_idx_images(read_maybe_gzip(images_path), images_path);
  std::vector<int32_t> labels = parse_idx_labels(read_maybe_gzip(labels_path), labels_path);
  return idx_image_set(std::move(im), std::move(labels), images_path, labels_path, num_classes);
}

ImageSet idx_image_set(IdxImages&& im, std::vector<int32_t>&& labels,
                       const std::string& images_what, const std::string& labels_what,
                       int num_classes) {
  MP_CHECK(num_classes > 0, "read_idx_pair: num_classes must be positive");
  MP_CHECK(static_cast<int64_t>(labels.size()) == im.n,
           images_what << " holds " << im.n << " images but " << labels_what << " holds "
                       << labels.size() << " labels");
  for (size_t i = 0; i < labels.size(); ++i)
    MP_CHECK(labels[i] < num_classes, labels_what << ": label " << labels[i] << " of item " << i
                                                  << " is outside [0, " << num_classes << ")");
  ImageSet s;
  s.n = im.n;
  s.c = 1;
  s.h = im.rows;
  s.w = im.cols;
  s.pixels = std::move(im.pixels);
  s.labels = std::move(labels);
  s.num_classes = num_classes;
  s.class_names = numbered_class_names(num_classes);
  return s;
}

std::vector<uint8_t> encode_idx_images(int64_t n, int rows, int cols, const uint8_t* pixels) {
  MP_CHECK(n >= 0 && n <= std::numeric_limits<uint32_t>::max() && rows > 0 && cols > 0,
           "encode_idx_images: bad geometry n=" << n << " " << rows << "x" << cols);
  std::vector<uint8_t> out;
  const size_t body = static_cast<size_t>(n) * rows * cols;
  out.reserve(16 + body);
  put_be32(out, kImagesMagic);
  put_be32(out, static_cast<uint32_t>(n));
  put_be32(out, static_cast<uint32_t>(rows));
  put_be32(out, static_cast<uint32_t>(cols));
  out.insert(out.end(), pixels, pixels + body);
  return out;
}

std::vector<uint8_t> encode_idx_labels(const std::vector<int32_t>& labels) {
  std::vector<uint8_t> out;
  out.reserve(8 + labels.size());
  put_be32(out, kLabelsMagic);
  put_be32(out, static_cast<uint32_t>(labels.size()));
  for (int32_t y : labels) {
    MP_CHECK(y >= 0 && y <= 255, "encode_idx_labels: label " << y << " does not fit a byte");
    out.push_back(static_cast<uint8_t>(y));
  }
  return out;
}

}  // namespace mp::data
