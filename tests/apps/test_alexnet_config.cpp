// AlexNet's training defaults (docs/method.md §5): Adam lr 1e-4; batch 128 and stop at 99.1 % on
// CIFAR-100, batch 500 and stop at 99.9 % on Tiny ImageNet (a folder: dataset with 200 classes).
#include <catch2/catch.hpp>

#include <filesystem>

#include "apps/run/train_config.h"
#include "tensor/check.h"
#include "test_util.h"

using namespace mp;
using namespace mp::app;
using mp::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("alexnet defaults on cifar100: Adam 1e-4, batch 128, stop at 99.1 percent",
          "[apps][train]") {
  TrainConfig c;
  c.dataset = "cifar100";
  c.model = "alexnet";
  c.resolve_defaults();
  CHECK(c.optimizer == "adam");
  CHECK(c.lr == 1e-4);
  CHECK(c.batch_size == 128);
  CHECK(c.target_train_acc == 0.991);
  CHECK(c.momentum == 0.0);
}

TEST_CASE("alexnet defaults on a 200-class folder: batch 500, stop at 99.9 percent",
          "[apps][train]") {
  TempDir d;
  for (int k = 0; k < 200; ++k) fs::create_directories(d / "train" / ("n" + std::to_string(k)));
  fs::create_directories(d / "val");
  mp::testing::write_file(d / "val" / "val_annotations.txt", {});
  TrainConfig c;
  c.dataset = "folder:" + d.path().string();
  c.model = "alexnet";
  c.resolve_defaults();
  CHECK(c.lr == 1e-4);
  CHECK(c.batch_size == 500);
  CHECK(c.target_train_acc == 0.999);
  // Another class count is not Tiny ImageNet; explicit values are kept and the folder not read.
  fs::remove_all(d / "train" / "n0");
  TrainConfig other;
  other.dataset = c.dataset;
  other.model = "alexnet";
  other.resolve_defaults();
  CHECK(other.batch_size == 128);
  CHECK(other.target_train_acc == 0.991);
  TrainConfig given;
  given.dataset = "folder:" + (d / "no-such-folder").string();
  given.model = "alexnet";
  given.batch_size = 64;
  given.target_train_acc = 0.5;
  given.resolve_defaults();
  CHECK(given.batch_size == 64);
  CHECK(given.target_train_acc == 0.5);
}

TEST_CASE("unknown model names list alexnet, unknown datasets list cifar100", "[apps][train]") {
  TrainConfig c;
  c.model = "vgg";
  CHECK_THROWS_WITH(c.resolve_defaults(), Catch::Contains("mlp, cnn, resnet18 or alexnet"));
  TrainConfig d;
  d.dataset = "cifar1000";
  CHECK_THROWS_WITH(d.resolve_defaults(), Catch::Contains("cifar100 or folder:PATH"));
}
