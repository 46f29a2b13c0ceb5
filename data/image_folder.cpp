#include "data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/image_decode.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"
#include "tensor/io/sha256.h"
#include "tensor/rng.h"

namespace mp::data {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool hidden(const fs::path& p) {
  return p.filename().string().rfind('.', 0) == 0;
}

std::vector<std::string> sorted_subdirs(const fs::path& dir) {
  std::error_code ec;
  MP_CHECK(fs::is_directory(dir, ec),
           "image folder: " << dir.string() << " is missing or not a directory");
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec);
  MP_CHECK(!ec, "image folder: cannot list " << dir.string() << ": " << ec.message());
  for (const fs::directory_entry& e : it)
    if (!hidden(e.path()) && e.is_directory(ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<fs::path> sorted_images(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  MP_CHECK(!ec, "image folder: cannot list " << dir.string() << ": " << ec.message());
  for (const fs::directory_entry& e : it)
    if (!hidden(e.path()) && e.is_regular_file(ec) && is_image_file(e.path()))
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

constexpr int64_t kMaxFolderImagePixels = int64_t{1} << 24;  // 4096 x 4096

struct Sample {
  fs::path path;
  int32_t label;
};

// Decodes images into one set under the resized-or-rejected rule; geometry is fixed by the
// first image ever decoded (`geom` carries it across the two splits).
class FolderDecoder {
 public:
  FolderDecoder(const fs::path& root, const ImageFolderOptions& opt) : root_(root), opt_(opt) {}

  void append(ImageSet& set, const Sample& s) {
    const std::vector<uint8_t> bytes = read_file_bytes(s.path.string());
    manifest_ += fs::relative(s.path, root_).generic_string() + " " +
                 sha256_hex(bytes.data(), bytes.size()) + "\n";
    ++files_;
    if (channels_ == 0) first_image(bytes, s.path);
    // A file of a few hundred bytes can declare an image of billions of pixels (stb fills what
    // is missing): refuse such sizes from the header before decoding (found by
    // fuzz_image_folder, a 160-byte BMP that took seconds and hundreds of MB to decode).
    const ImageHeader hdr = read_image_header(bytes, s.path.string());
    MP_CHECK(int64_t(hdr.w) * hdr.h <= kMaxFolderImagePixels,
             "image folder: " << s.path.string() << " is " << hdr.w << "x" << hdr.h
                              << ", more than the " << kMaxFolderImagePixels
                              << " pixels an image-folder image may have");
    const DecodedImage img = decode_image(bytes, channels_, s.path.string());
    std::vector<uint8_t> chw(static_cast<size_t>(img.w) * img.h * channels_);
    hwc_to_chw(img.hwc.data(), img.h, img.w, channels_, chw.data());
    const size_t at = set.pixels.size();
    set.pixels.resize(at + static_cast<size_t>(channels_) * h_ * w_);
    if (opt_.resize_w > 0) {
      resize_nearest(chw.data(), channels_, img.h, img.w, set.pixels.data() + at, h_, w_);
    } else {
      MP_CHECK(img.w == w_ && img.h == h_,
               "image folder: " << s.path.string() << " is " << img.w << "x" << img.h
                                << " but the first image " << first_.string() << " is " << w_ << "x"
                                << h_
                                << "; images of an image-folder dataset are resized-or-rejected: "
                                   "pass --resize WxH to resize every image (nearest neighbour)");
      std::copy(chw.begin(), chw.end(), set.pixels.begin() + static_cast<ptrdiff_t>(at));
    }
    set.labels.push_back(s.label);
    ++set.n;
  }

  std::string manifest_sha() const { return sha256_hex(manifest_.data(), manifest_.size()); }
  int64_t files() const { return files_; }
  void set_geometry(ImageSet& s) const {
    s.c = channels_;
    s.h = h_;
    s.w = w_;
  }

 private:
  void first_image(const std::vector<uint8_t>& bytes, const fs::path& p) {
    const ImageHeader hdr = read_image_header(bytes, p.string());
    channels_ = hdr.channels <= 2 ? 1 : 3;
    first_ = p;
    w_ = opt_.resize_w > 0 ? opt_.resize_w : hdr.w;
    h_ = opt_.resize_w > 0 ? opt_.resize_h : hdr.h;
  }

  fs::path root_, first_;
  ImageFolderOptions opt_;
  int channels_ = 0, w_ = 0, h_ = 0;
  std::string manifest_;
  int64_t files_ = 0;
};

std::vector<Sample> class_samples(const fs::path& dir, const std::vector<std::string>& classes,
                                  bool require_all) {
  std::vector<Sample> out;
  for (size_t k = 0; k < classes.size(); ++k) {
    const fs::path cdir = dir / classes[k];
    std::error_code ec;
    if (!fs::is_directory(cdir, ec)) {
      MP_CHECK(!require_all, "image folder: class folder " << cdir.string() << " is missing");
      continue;
    }
    // Tiny ImageNet keeps a class's images in train/<wnid>/images/ beside a boxes file.
    const bool nested = fs::is_directory(cdir / "images", ec) && sorted_images(cdir).empty();
    const std::vector<fs::path> files = sorted_images(nested ? cdir / "images" : cdir);
    MP_CHECK(!files.empty() || !require_all,
             "image folder: class folder " << cdir.string() << " holds no .png/.jpg/.jpeg/.bmp");
    for (const fs::path& f : files) out.push_back({f, static_cast<int32_t>(k)});
  }
  return out;
}

enum class Layout { Flat, Presplit, TinyImageNet };

// Tiny ImageNet (root/train/<wnid>/images/, root/val/images/ + root/val/val_annotations.txt) wins
// over train/ + test/ (its test/ is unlabelled), which wins over root/<class>/.
Layout detect_layout(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root / "train", ec)) return Layout::Flat;
  if (fs::is_regular_file(root / "val" / "val_annotations.txt", ec)) return Layout::TinyImageNet;
  return fs::is_directory(root / "test", ec) ? Layout::Presplit : Layout::Flat;
}

// The labelled validation split of Tiny ImageNet: each line of val_annotations.txt is
// "<file>\t<wnid>\t<box...>", the image is val/images/<file>. Samples are ordered by class, then
// file name, like every other split.
std::vector<Sample> tiny_imagenet_val(const fs::path& root,
                                      const std::vector<std::string>& classes) {
  const fs::path ann = root / "val" / "val_annotations.txt";
  std::ifstream in(ann);
  MP_CHECK(in, "image folder: cannot read " << ann.string());
  std::vector<std::pair<int32_t, std::string>> rows;
  std::string line;
  for (int64_t no = 1; std::getline(in, line); ++no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string file, wnid;
    MP_CHECK(ls >> file >> wnid,
             "image folder: " << ann.string() << " line " << no << " is not '<file> <class> ...'");
    const auto it = std::lower_bound(classes.begin(), classes.end(), wnid);
    MP_CHECK(it != classes.end() && *it == wnid, "image folder: " << ann.string() << " line " << no
                                                                  << " names class '" << wnid
                                                                  << "', which train/ lacks");
    MP_CHECK(file.find('/') == std::string::npos && file.find('\\') == std::string::npos,
             "image folder: " << ann.string() << " line " << no << " names a path, not a file");
    rows.emplace_back(static_cast<int32_t>(it - classes.begin()), file);
  }
  std::sort(rows.begin(), rows.end());
  std::vector<Sample> out;
  for (const auto& [label, file] : rows) {
    const fs::path p = root / "val" / "images" / file;
    std::error_code ec;
    MP_CHECK(fs::is_regular_file(p, ec),
             "image folder: " << p.string() << " (listed in " << ann.string() << ") is missing");
    out.push_back({p, label});
  }
  return out;
}

}  // namespace

int image_folder_class_count(const std::string& root) {
  const fs::path r(root);
  return static_cast<int>(
      sorted_subdirs(detect_layout(r) == Layout::Flat ? r : r / "train").size());
}

bool parse_resize(const std::string& text, int& w, int& h) {
  const size_t x = text.find_first_of("xX");
  if (x == std::string::npos || x == 0 || x + 1 >= text.size()) return false;
  const std::string a = text.substr(0, x), b = text.substr(x + 1);
  auto digits = [](const std::string& s) {
    return s.size() <= 5 &&
           std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  };
  if (!digits(a) || !digits(b)) return false;
  w = std::stoi(a);
  h = std::stoi(b);
  return w > 0 && h > 0;
}

void resize_nearest(const uint8_t* src, int c, int sh, int sw, uint8_t* dst, int dh, int dw) {
  for (int y = 0; y < dh; ++y) {
    // floor((y + 0.5) * sh / dh) in exact integer arithmetic.
    const int sy =
        std::min(sh - 1, static_cast<int>((int64_t(2 * y + 1) * sh) / (2 * int64_t(dh))));
    for (int x = 0; x < dw; ++x) {
      const int sx =
          std::min(sw - 1, static_cast<int>((int64_t(2 * x + 1) * sw) / (2 * int64_t(dw))));
      for (int ch = 0; ch < c; ++ch)
        dst[(int64_t(ch) * dh + y) * dw + x] = src[(int64_t(ch) * sh + sy) * sw + sx];
    }
  }
}

DatasetPair load_image_folder(const std::string& root_str, const ImageFolderOptions& opt) {
  MP_CHECK((opt.resize_w > 0) == (opt.resize_h > 0),
           "image folder: resize needs both a width and a height");
  MP_CHECK(opt.test_fraction >= 0.0 && opt.test_fraction <= 1.0,
           "image folder: test fraction must lie in [0, 1], got " << opt.test_fraction);
  const fs::path root(root_str);
  std::error_code ec;
  const Layout layout = detect_layout(root);
  const bool presplit = layout != Layout::Flat;
  const std::vector<std::string> classes = sorted_subdirs(presplit ? root / "train" : root);
  MP_CHECK(!classes.empty(), "image folder: " << (presplit ? (root / "train").string() : root_str)
                                              << " holds no class folders (expected "
                                                 "root/<class>/<image>.png)");
  std::vector<Sample> train, test;
  if (layout == Layout::TinyImageNet) {
    train = class_samples(root / "train", classes, true);
    test = tiny_imagenet_val(root, classes);
  } else if (presplit) {
    train = class_samples(root / "train", classes, true);
    for (const std::string& name : sorted_subdirs(root / "test"))
      MP_CHECK(std::binary_search(classes.begin(), classes.end(), name),
               "image folder: test class folder '" << name << "' has no counterpart in "
                                                   << (root / "train").string());
    test = class_samples(root / "test", classes, false);
  } else {
    const std::vector<Sample> all = class_samples(root, classes, true);
    Rng rng(opt.split_seed);
    size_t begin = 0;
    while (begin < all.size()) {
      size_t end = begin;
      while (end < all.size() && all[end].label == all[begin].label) ++end;
      const int64_t m = static_cast<int64_t>(end - begin);
      const int64_t n_test = static_cast<int64_t>(std::floor(m * opt.test_fraction + 0.5));
      const std::vector<int64_t> perm = rng.permutation(m);
      std::vector<uint8_t> is_test(static_cast<size_t>(m), 0);
      for (int64_t j = 0; j < n_test; ++j)
        is_test[static_cast<size_t>(perm[static_cast<size_t>(j)])] = 1;
      for (int64_t j = 0; j < m; ++j)
        (is_test[static_cast<size_t>(j)] ? test : train)
            .push_back(all[begin + static_cast<size_t>(j)]);
      begin = end;
    }
  }
  DatasetPair pair;
  pair.name = "folder:" + root_str;
  FolderDecoder dec(root, opt);
  for (ImageSet* s : {&pair.train, &pair.test}) {
    s->num_classes = static_cast<int>(classes.size());
    s->class_names = classes;
  }
  for (const Sample& s : train) dec.append(pair.train, s);
  for (const Sample& s : test) dec.append(pair.test, s);
  // An empty split still carries the geometry, so downstream shape checks hold.
  dec.set_geometry(pair.train);
  dec.set_geometry(pair.test);
  pair.files_sha256.push_back(
      {root_str + " (" + std::to_string(dec.files()) + " files)", dec.manifest_sha()});
  return pair;
}

}  // namespace mp::data
