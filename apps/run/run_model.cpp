#include "apps/run/run_model.h"

#include "nn/checkpoint.h"
#include "tensor/io/sha256.h"

namespace mp::app {

namespace fs = std::filesystem;

void OpenedRun::load_checkpoint(int e) {
  const fs::path path = dir.checkpoint_path(e);
  const auto entries = manifest.checkpoints();
  auto it = entries.find(e);
  MP_CHECK(it != entries.end(), dir.root().string()
                                    << ": the manifest has no checkpoint for epoch " << e);
  const std::string actual = sha256_file(path.string());
  MP_CHECK(actual == it->second.sha256,
           path.string() << ": checksum mismatch (manifest " << it->second.sha256 << ", file "
                         << actual << "): the checkpoint was modified or is corrupt");
  nn::load_model(path.string(), *model, config.model);
  epoch = e;
}

OpenedRun open_run(const fs::path& run, const std::string& checkpoint) {
  std::error_code ec;
  MP_CHECK(fs::is_directory(run, ec), "run directory " << run.string() << " does not exist");
  OpenedRun r{RunDir::open(run), Manifest(), TrainConfig(), StudyData(), nullptr, 0};
  r.manifest = r.dir.read_manifest();
  MP_CHECK(r.manifest.json().contains("config"),
           r.dir.manifest_path().string() << ": no 'config' (not a memprobe run manifest?)");
  r.config = TrainConfig::from_json(r.manifest.json().at("config"));
  r.config.resolve_defaults();
  r.data = load_study_data(r.config);
  // With the run's dropout layers (identity in evaluation), so the model is the one trained.
  r.model =
      nn::make_model(r.config.model, r.data.train.c, r.data.train.h, r.data.train.w,
                     r.data.num_classes(), r.config.seed, static_cast<float>(r.config.dropout));
  r.load_checkpoint(r.dir.resolve_checkpoint(checkpoint));
  return r;
}

void load_model_file(OpenedRun& r, const std::string& path) {
  nn::load_model(path, *r.model, r.config.model);
}

}  // namespace mp::app
