#pragma once
// Helpers shared by the tests: a scratch directory removed at scope exit, file writing, and the
// location of real datasets (for [realdata] tests, which skip when the data is absent).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mp::testing {

// A fresh directory under the system temp dir, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> read_file(const std::filesystem::path& p);

// The dataset directory the project's set-up step fetches into ($MEMPROBE_DATA, else the XDG
// cache default). Returns "" when `name` (mnist, fashion-mnist, cifar10) is not there.
std::string real_data_dir(const std::string& name);

}  // namespace mp::testing
