#include "data/cifar_binary.h"

#include <cstring>

#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::data {

const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  return names;
}

const std::vector<std::string>& cifar100_class_names() {
  static const std::vector<std::string> names = {
      "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
      "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
      "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
      "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
      "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
      "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
      "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
      "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
      "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
      "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
      "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
      "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
      "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
      "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
      "table",       "tank",          "telephone", "television", "tiger",        "tractor",
      "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
      "willow_tree", "wolf",          "woman",     "worm"};
  return names;
}

namespace {

// The two official layouts differ only in the label bytes before the pixels.
struct RecordFormat {
  const char* dataset;        // for messages
  int64_t label_bytes;        // 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine)
  int label_limits[2];        // exclusive upper bound of each label byte
  int64_t used_label;         // which label byte becomes the set's label
  const char* record_layout;  // for messages
};

constexpr RecordFormat kCifar10Format{"CIFAR-10", 1, {10, 0}, 0, "1 label + 3072 pixels"};
constexpr RecordFormat kCifar100Format{
    "CIFAR-100", 2, {20, 100}, 1, "1 coarse label + 1 fine label + 3072 pixels"};

ImageSet parse_records(const std::vector<uint8_t>& bytes, const std::string& what,
                       const RecordFormat& f, const std::vector<std::string>& class_names) {
  const int64_t record = f.label_bytes + kCifarImageBytes;
  const int64_t size = static_cast<int64_t>(bytes.size());
  MP_CHECK(size > 0 && size % record == 0,
           what << ": " << size << " bytes is not a positive multiple of the " << record << "-byte "
                << f.dataset << " record (" << f.record_layout << ")"
                << (size % record ? "; the file is truncated or not a " + std::string(f.dataset) +
                                        " binary file"
                                  : std::string()));
  ImageSet s;
  s.n = size / record;
  s.c = 3;
  s.h = s.w = kCifarSide;
  s.num_classes = static_cast<int>(class_names.size());
  s.class_names = class_names;
  s.pixels.resize(static_cast<size_t>(s.n * kCifarImageBytes));
  s.labels.resize(static_cast<size_t>(s.n));
  for (int64_t i = 0; i < s.n; ++i) {
    const uint8_t* rec = bytes.data() + i * record;
    for (int64_t b = 0; b < f.label_bytes; ++b)
      MP_CHECK(rec[b] < f.label_limits[b],
               what << ": record " << i << " has "
                    << (f.label_bytes == 1 ? "label" : (b == 0 ? "coarse label" : "fine label"))
                    << " " << int(rec[b]) << ", outside [0, " << f.label_limits[b] << ")");
    s.labels[static_cast<size_t>(i)] = rec[f.used_label];
    std::memcpy(s.image(i), rec + f.label_bytes, kCifarImageBytes);
  }
  return s;
}

}  // namespace

ImageSet parse_cifar_binary(const std::vector<uint8_t>& bytes, const std::string& what) {
  return parse_records(bytes, what, kCifar10Format, cifar10_class_names());
}

ImageSet parse_cifar100_binary(const std::vector<uint8_t>& bytes, const std::string& what) {
  return parse_records(bytes, what, kCifar100Format, cifar100_class_names());
}

ImageSet read_cifar100_binary(const std::string& path) {
  return parse_cifar100_binary(read_file_bytes(path), path);
}

ImageSet read_cifar_binary_batch(const std::string& path) {
  return parse_cifar_binary(read_file_bytes(path), path);
}

ImageSet read_cifar_binary_batches(const std::vector<std::string>& paths) {
  MP_CHECK(!paths.empty(), "read_cifar_binary_batches: no files given");
  ImageSet all;
  for (const std::string& p : paths) {
    ImageSet b = read_cifar_binary_batch(p);
    if (all.n == 0) {
      all = std::move(b);
      continue;
    }
    all.pixels.insert(all.pixels.end(), b.pixels.begin(), b.pixels.end());
    all.labels.insert(all.labels.end(), b.labels.begin(), b.labels.end());
    all.n += b.n;
  }
  return all;
}

std::vector<uint8_t> encode_cifar_binary(const ImageSet& set, int64_t begin, int64_t count) {
  MP_CHECK(set.c == 3 && set.h == kCifarSide && set.w == kCifarSide,
           "encode_cifar_binary: images are " << set.c << "x" << set.h << "x" << set.w
                                              << ", the CIFAR binary form needs 3x32x32");
  MP_CHECK(begin >= 0 && count >= 0 && begin + count <= set.n,
           "encode_cifar_binary: records [" << begin << ", " << begin + count
                                            << ") outside a set of " << set.n);
  std::vector<uint8_t> out(static_cast<size_t>(count * kCifarRecordBytes));
  for (int64_t i = 0; i < count; ++i) {
    const int32_t y = set.labels[static_cast<size_t>(begin + i)];
    MP_CHECK(y >= 0 && y <= 255, "encode_cifar_binary: label " << y << " does not fit a byte");
    uint8_t* rec = out.data() + i * kCifarRecordBytes;
    rec[0] = static_cast<uint8_t>(y);
    std::memcpy(rec + 1, set.image(begin + i), kCifarImageBytes);
  }
  return out;
}

void write_cifar_binary_batch(const std::string& path, const ImageSet& set, int64_t begin,
                              int64_t count) {
  const std::vector<uint8_t> bytes = encode_cifar_binary(set, begin, count);
  write_file_atomic(path, bytes.data(), bytes.size());
}

}  // namespace mp::data
