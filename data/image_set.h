#pragma once
// A labelled set of images held as uint8 exactly as decoded (CHW per image, images back to back),
// and a train/test pair of them. Images stay uint8 in memory: CIFAR-10 is 150 MB as uint8 and
// would be 600 MB as float; batches are normalised into one reused float buffer (data/loader.h).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mp::data {

struct ImageSet {
  int64_t n = 0;
  int c = 0, h = 0, w = 0;
  std::vector<uint8_t> pixels;  // n*c*h*w, each image CHW
  std::vector<int32_t> labels;  // n, each in [0, num_classes)
  int num_classes = 10;
  std::vector<std::string> class_names;

  int64_t image_size() const { return static_cast<int64_t>(c) * h * w; }
  const uint8_t* image(int64_t i) const { return pixels.data() + i * image_size(); }
  uint8_t* image(int64_t i) { return pixels.data() + i * image_size(); }
};

struct DatasetPair {
  std::string name;
  ImageSet train, test;
  // File name -> sha256 of the content actually read (decompressed content for .gz files, so
  // the official and the npm forms of a dataset record the same fingerprints).
  std::vector<std::pair<std::string, std::string>> files_sha256;
};

// Throws mp::Error unless sizes agree (pixels = n*c*h*w, labels = n) and every label is in
// [0, num_classes). `what` names the set in the message.
void validate(const ImageSet& set, const std::string& what);

// Number of labels equal to each class 0..K-1; throws on a label outside [0, K).
std::vector<int64_t> class_counts(const std::vector<int32_t>& labels, int K);

// Mean raw pixel value (0..255) of each channel over all images.
std::vector<double> channel_means(const ImageSet& set);

// "0", "1", ... "K-1": the class names of sets whose files carry none (IDX).
std::vector<std::string> numbered_class_names(int K);

}  // namespace mp::data
