#pragma once
// A small sequential reader for tar archives (plain or gzip-compressed, as npm's .tgz packages
// are), so fetching needs no `tar` program. Understands ustar/GNU/v7 headers (name + ustar
// prefix, octal or base-256 sizes), verifies every header checksum, hands out regular files only
// and skips everything else (directories, links, pax/GNU extension records). Every length is
// bounds-checked: a truncated archive or a corrupt header is an mp::Error naming the archive
// and the member, never a short file. Member names are only compared, never used as paths.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mp::data {

struct TarEntry {
  std::string name;  // full path inside the archive, e.g. "package/data/train-images-idx3-ubyte"
  uint64_t size = 0;
  char type = '0';  // '0' regular file ('\0' in old archives is reported as '0')
};

// Walks the archive. For each regular file, want(entry) decides whether its content is read
// into memory and passed to on_file(entry, bytes); unwanted ones are skipped. on_file may throw
// to stop early. Returns the number of regular files seen.
int64_t read_tar(const std::string& path, const std::function<bool(const TarEntry&)>& want,
                 const std::function<void(const TarEntry&, std::vector<uint8_t>&&)>& on_file);

// All regular-file entries, in archive order.
std::vector<TarEntry> list_tar(const std::string& path);

}  // namespace mp::data
