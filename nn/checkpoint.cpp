#include "nn/checkpoint.h"

#include "tensor/io/safetensors.h"

namespace mp::nn {

void save_model(const std::string& path, const Module& model, const Metadata& meta) {
  save_safetensors(path, model.state_dict(), meta);
}

Metadata read_checkpoint_metadata(const std::string& path) {
  return load_safetensors(path).metadata;
}

Metadata load_model(const std::string& path, Module& model, const std::string& expect_arch) {
  SafeTensorsFile f = load_safetensors(path);
  if (!expect_arch.empty()) {
    auto it = f.metadata.find("memprobe.arch");
    const std::string arch = it == f.metadata.end() ? "(not recorded)" : it->second;
    MP_CHECK(arch == expect_arch, path << ": checkpoint of architecture '" << arch
                                       << "', expected '" << expect_arch << "'");
  }
  try {
    model.load_state_dict(f.tensors);
  } catch (const Error& e) {
    MP_FAIL(path << ": does not fit this model: " << e.what());
  }
  return f.metadata;
}

void save_optimizer(const std::string& path, const Optimizer& opt, const Metadata& meta) {
  Metadata m = meta;
  m["memprobe.optimizer_step_count"] = std::to_string(opt.step_count());
  save_safetensors(path, opt.state(), m);
}

void load_optimizer(const std::string& path, Optimizer& opt) {
  SafeTensorsFile f = load_safetensors(path);
  auto it = f.metadata.find("memprobe.optimizer_step_count");
  MP_CHECK(it != f.metadata.end(), path << ": not an optimizer state file (no step count)");
  int64_t steps = 0;
  try {
    steps = std::stoll(it->second);
  } catch (const std::exception&) {
    MP_FAIL(path << ": bad optimizer step count '" << it->second << "'");
  }
  try {
    opt.load_state(f.tensors, steps);
  } catch (const Error& e) {
    MP_FAIL(path << ": does not fit this optimizer: " << e.what());
  }
}

}  // namespace mp::nn
