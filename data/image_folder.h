#pragma once
// Image-folder datasets: root/<class>/<image>.{png,jpg,jpeg,bmp} (extensions case-insensitive,
// hidden files and other files ignored). Class index = position of the folder name in sorted
// (byte-wise) order; files are read in sorted name order.
//
// Size rule - resized-or-rejected: every image must have the size of the first image (first
// class, first file) unless a resize WxH is given, in which case every image is resized to WxH
// by nearest neighbour (source pixel floor((x + 0.5) * src / dst), no smoothing, so pixel values
// stay values that occur in the source). Without a resize, an image of another size is an error.
// Channels: the first image decides - grey (or grey+alpha) files give 1-channel sets, RGB (or
// RGBA, alpha dropped) give 3-channel sets - and every other image is converted to that count
// by stb_image.
//
// Split: if root/train/ and root/test/ both exist, they are the splits (each holding class
// folders; the classes are train/'s, and test/ may not name a class train/ lacks). Otherwise
// each class is split on its own: an mp::Rng(split_seed) permutation of the class's files (one
// generator, classes in index order), the first round(n_c * test_fraction) go to test, the rest
// to train; within a split, samples are ordered by class, then file name.
//
// Tiny ImageNet as unpacked from tiny-imagenet-200.zip: when root/train/ and
// root/val/val_annotations.txt exist, the classes are train/'s folders (the wnids, sorted), a
// class's images may sit in train/<wnid>/images/ (used when the class folder itself holds none),
// and the test split is val/: each line "<file> <wnid> ..." of val_annotations.txt labels
// val/images/<file>. root/test/ (unlabelled) is ignored.
#include <cstdint>
#include <string>

#include "data/image_set.h"

namespace mp::data {

struct ImageFolderOptions {
  int resize_w = 0, resize_h = 0;  // 0 x 0: no resizing (sizes must all match)
  double test_fraction = 0.2;
  uint32_t split_seed = 42;
};

// Parses "WxH" (e.g. "32x32") into positive w and h; false when malformed.
bool parse_resize(const std::string& text, int& w, int& h);

// files_sha256 gets one entry: key "<root> (N files)", value the sha256 of the lines
// "<relative path> <file sha256>\n" of every image read, in reading order.
DatasetPair load_image_folder(const std::string& root, const ImageFolderOptions& opt = {});

// The number of classes load_image_folder would find (class folders of the training split),
// without reading any image. Throws like load_image_folder when root is missing.
int image_folder_class_count(const std::string& root);

// Nearest-neighbour resize of one CHW image.
// Shape contract: src [c, sh, sw] uint8 -> dst [c, dh, dw] uint8.
void resize_nearest(const uint8_t* src, int c, int sh, int sw, uint8_t* dst, int dh, int dw);

}  // namespace mp::data
