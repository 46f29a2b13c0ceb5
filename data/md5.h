#pragma once
// MD5 (RFC 1321), only to check downloads against the official checksums their publishers give
// as md5 (the CIFAR-100 tarball); never used where collision resistance matters.
#include <cstddef>
#include <cstdint>
#include <string>

namespace mp::data {

// Lower-case hex digest of n bytes.
std::string md5_hex(const void* data, size_t n);
// Digest of a file's content, read in chunks (throws mp::Error naming the file if unreadable).
std::string md5_file(const std::string& path);

}  // namespace mp::data
