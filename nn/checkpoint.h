#pragma once
// Checkpoints in the safetensors format with PyTorch-style names (fc1.weight [out, in], conv
// weights [out, in, kh, kw], BatchNorm running statistics as buffers), so Python's safetensors,
// numpy, or a PyTorch model of the same architecture can open them. The model file carries
// metadata naming the architecture and input shape; loading checks it and every tensor's name
// and shape, so a checkpoint from another architecture is refused with a clear message.
// Optimizer state (momentum buffers, Adam moments, the step count) goes in a companion file used
// only for resuming. Both are written atomically (tensor/io/safetensors.h).
#include <map>
#include <string>

#include "nn/module.h"
#include "nn/optimizer.h"

namespace mp::nn {

using Metadata = std::map<std::string, std::string>;

void save_model(const std::string& path, const Module& model, const Metadata& meta);
// Loads into `model` in place (parameter storage is kept, so an optimizer's slab stays valid).
// If `expect_arch` is non-empty, the file's "memprobe.arch" must equal it. Returns the metadata.
Metadata load_model(const std::string& path, Module& model, const std::string& expect_arch = "");
Metadata read_checkpoint_metadata(const std::string& path);

void save_optimizer(const std::string& path, const Optimizer& opt, const Metadata& meta);
void load_optimizer(const std::string& path, Optimizer& opt);

}  // namespace mp::nn
