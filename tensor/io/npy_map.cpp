#include "tensor/io/npy_map.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "tensor/check.h"

namespace mp {

namespace {

// Closes the descriptor on every path out of the constructor (the mapping outlives it).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

MappedNpy::MappedNpy(const std::string& path) : path_(path) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  MP_CHECK(f.fd >= 0, "cannot open '" << path << "': " << std::strerror(errno));
  struct stat st {};
  MP_CHECK(::fstat(f.fd, &st) == 0, "cannot stat '" << path << "': " << std::strerror(errno));
  MP_CHECK(!S_ISDIR(st.st_mode), "cannot read '" << path << "': " << std::strerror(EISDIR));
  MP_CHECK(S_ISREG(st.st_mode), "'" << path << "' is not a regular file");
  map_bytes_ = static_cast<size_t>(st.st_size);
  // mmap refuses a zero-length mapping; an empty file gets the parser's "not a .npy" message.
  if (map_bytes_ == 0) {
    const uint8_t none = 0;
    parse_npy_header(&none, 0, path);
  }
  void* p = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_PRIVATE, f.fd, 0);
  MP_CHECK(p != MAP_FAILED, "cannot map '" << path << "': " << std::strerror(errno));
  base_ = static_cast<const uint8_t*>(p);
  try {
    header_ = parse_npy_header(base_, map_bytes_, path);
  } catch (...) {
    release();
    throw;
  }
}

MappedNpy::~MappedNpy() {
  release();
}

MappedNpy::MappedNpy(MappedNpy&& o) noexcept
    : path_(std::move(o.path_)),
      header_(std::move(o.header_)),
      base_(std::exchange(o.base_, nullptr)),
      map_bytes_(std::exchange(o.map_bytes_, 0)) {}

MappedNpy& MappedNpy::operator=(MappedNpy&& o) noexcept {
  if (this != &o) {
    release();
    path_ = std::move(o.path_);
    header_ = std::move(o.header_);
    base_ = std::exchange(o.base_, nullptr);
    map_bytes_ = std::exchange(o.map_bytes_, 0);
  }
  return *this;
}

void MappedNpy::release() noexcept {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), map_bytes_);
  base_ = nullptr;
  map_bytes_ = 0;
}

}  // namespace mp
