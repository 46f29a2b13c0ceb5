#include "data/tar_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "tensor/check.h"

namespace mp::data {

namespace {

constexpr size_t kBlock = 512;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzPtr = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to n bytes; returns how many were read (fewer only at end of input). Throws on a
// decompression error, including a gzip stream cut short.
size_t read_some(gzFile f, uint8_t* dst, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    const unsigned want = static_cast<unsigned>(std::min<size_t>(n - got, 1u << 30));
    const int r = gzread(f, dst + got, want);
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    MP_CHECK(r >= 0 && (err == Z_OK || err == Z_STREAM_END),
             path << ": read error in the (gzip) archive: " << (msg ? msg : "unknown"));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

void read_exact(gzFile f, uint8_t* dst, size_t n, const std::string& path,
                const std::string& what) {
  const size_t got = read_some(f, dst, n, path);
  MP_CHECK(got == n, path << ": tar archive is truncated in " << what << " (wanted " << n
                          << " bytes, got " << got << ")");
}

// Octal field (NUL/space padded), or GNU base-256 when the top bit of the first byte is set.
uint64_t parse_number(const uint8_t* p, size_t len, const std::string& path, const char* field) {
  if (p[0] & 0x80) {
    uint64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < len; ++i) {
      MP_CHECK(v < (uint64_t(1) << 55), path << ": tar " << field << " field overflows");
      v = (v << 8) | p[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < len && p[i] == ' ') ++i;
  uint64_t v = 0;
  for (; i < len && p[i] != 0 && p[i] != ' '; ++i) {
    MP_CHECK(p[i] >= '0' && p[i] <= '7',
             path << ": tar header " << field << " field is not octal (byte " << int(p[i]) << ")");
    MP_CHECK(v < (uint64_t(1) << 60), path << ": tar " << field << " field overflows");
    v = v * 8 + uint64_t(p[i] - '0');
  }
  return v;
}

std::string field_string(const uint8_t* p, size_t len) {
  size_t n = 0;
  while (n < len && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

bool all_zero(const uint8_t* p) {
  return std::all_of(p, p + kBlock, [](uint8_t b) { return b == 0; });
}

TarEntry parse_header(const uint8_t* h, const std::string& path, int64_t index) {
  // Checksum: sum of all header bytes with the checksum field itself counted as spaces.
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? uint8_t(' ') : h[i];
  const uint64_t stored = parse_number(h + 148, 8, path, "checksum");
  MP_CHECK(sum == stored, path << ": tar header #" << index << " has checksum " << stored
                               << " but its bytes sum to " << sum << " (corrupt archive)");
  TarEntry e;
  e.name = field_string(h, 100);
  const bool posix_ustar = std::memcmp(h + 257, "ustar\0", 6) == 0;
  if (posix_ustar) {
    const std::string prefix = field_string(h + 345, 155);
    if (!prefix.empty()) e.name = prefix + "/" + e.name;
  }
  e.size = parse_number(h + 124, 12, path, "size");
  e.type = h[156] == 0 ? '0' : static_cast<char>(h[156]);
  return e;
}

}  // namespace

int64_t read_tar(const std::string& path, const std::function<bool(const TarEntry&)>& want,
                 const std::function<void(const TarEntry&, std::vector<uint8_t>&&)>& on_file) {
  // gzopen reads plain files transparently, so .tar and .tgz take the same path.
  GzPtr f(gzopen(path.c_str(), "rb"));
  MP_CHECK(f != nullptr, path << ": cannot open tar archive");
  gzbuffer(f.get(), 1 << 20);
  uint8_t header[kBlock];
  std::vector<uint8_t> scratch(1 << 20);
  int64_t index = 0, files = 0;
  while (true) {
    const size_t got = read_some(f.get(), header, kBlock, path);
    if (got == 0) break;  // end of input without the zero blocks: tolerated, as GNU tar does
    MP_CHECK(got == kBlock, path << ": tar archive is truncated inside header #" << index);
    if (all_zero(header)) break;  // end-of-archive marker
    const TarEntry e = parse_header(header, path, index);
    const uint64_t padded = (e.size + kBlock - 1) / kBlock * kBlock;
    const bool regular = e.type == '0';
    if (regular) ++files;
    if (regular && want(e)) {
      std::vector<uint8_t> data;
      // Grow as bytes arrive rather than trusting the header's size for one huge allocation.
      data.reserve(static_cast<size_t>(std::min<uint64_t>(e.size, uint64_t(64) << 20)));
      uint64_t left = e.size;
      while (left > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, scratch.size()));
        read_exact(f.get(), scratch.data(), n, path, "member " + e.name);
        data.insert(data.end(), scratch.begin(), scratch.begin() + static_cast<ptrdiff_t>(n));
        left -= n;
      }
      read_exact(f.get(), scratch.data(), static_cast<size_t>(padded - e.size), path,
                 "the padding of member " + e.name);
      on_file(e, std::move(data));
    } else {
      uint64_t left = padded;
      while (left > 0) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, scratch.size()));
        read_exact(f.get(), scratch.data(), n, path, "member " + e.name);
        left -= n;
      }
    }
    ++index;
  }
  return files;
}

std::vector<TarEntry> list_tar(const std::string& path) {
  std::vector<TarEntry> out;
  read_tar(
      path,
      [&](const TarEntry& e) {
        out.push_back(e);
        return false;
      },
      [](const TarEntry&, std::vector<uint8_t>&&) {});
  return out;
}

}  // namespace mp::data
