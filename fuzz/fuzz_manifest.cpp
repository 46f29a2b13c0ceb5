// libFuzzer target: a run's manifest.json as memprobe reads it (Manifest::load from a file,
// then every accessor the commands use, and the config as `audit` / `open_run` re-derive it).
// Properties: a manifest that loads saves and loads back to the same JSON; a config that
// resolves serialises and resolves back to the same config.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "apps/run/manifest.h"
#include "apps/run/train_config.h"
#include "tensor/check.h"

namespace {

std::string scratch_file(const char* tag) {
  std::string tmpl = std::string("/tmp/mp_fuzz_manifest_") + tag + "_XXXXXX";
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) std::abort();
  close(fd);
  return tmpl;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string in_path = scratch_file("in"), out_path = scratch_file("out");
  FILE* f = std::fopen(in_path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);

  mp::app::Manifest m;
  try {
    m = mp::app::Manifest::load(in_path);
  } catch (const mp::Error&) {
    return 0;
  }
  (void)m.status();
  (void)m.final_epoch();
  (void)m.checkpoints();
  (void)m.dataset_files();
  (void)m.str("labels_sha256");
  (void)m.config_str("model");
  (void)m.config_num("corrupt", 0.0);
  try {
    m.save(out_path);
  } catch (const mp::Error&) {
    return 0;  // e.g. a string that is not valid UTF-8 cannot be written back as JSON
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  if (mp::app::Manifest::load(out_path).json() != m.json()) __builtin_trap();

  if (!m.json().contains("config")) return 0;
  mp::app::TrainConfig c;
  try {
    c = mp::app::TrainConfig::from_json(m.json().at("config"));
    c.resolve_defaults();
  } catch (const mp::Error&) {
    return 0;
  }
  mp::app::TrainConfig again = mp::app::TrainConfig::from_json(c.to_json());
  again.resolve_defaults();
  if (again.to_json() != c.to_json()) __builtin_trap();
  return 0;
}
