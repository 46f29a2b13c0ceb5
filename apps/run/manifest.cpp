#include "apps/run/manifest.h"

#include <cctype>
#include <ctime>

#include "memprobe_version.h"
#include "tensor/build_isa.h"
#include "tensor/check.h"
#include "tensor/io/atomic_file.h"

namespace mp::app {

const FileFormat& manifest_format() {
  static const FileFormat f = {
      "manifest.json", "what was run, on what data and machine, how it ended (JSON)", {}};
  return f;
}

// Not `json`: inside Manifest's members that name is the accessor json().
using Json = nlohmann::json;

std::string iso8601_utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string shell_quote(const std::string& s) {
  if (s.empty()) return "''";
  bool plain = true;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                    c == '.' || c == '/' || c == ',' || c == ':' || c == '=' || c == '+' ||
                    c == '@';
    if (!ok) plain = false;
  }
  if (plain) return s;
  std::string o = "'";
  for (char c : s) {
    if (c == '\'')
      o += "'\\''";
    else
      o += c;
  }
  return o + "'";
}

std::string join_command_line(const std::vector<std::string>& args) {
  std::string o;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) o += ' ';
    o += shell_quote(args[i]);
  }
  return o;
}

std::string join_command_line(int argc, const char* const* argv) {
  std::vector<std::string> a;
  for (int i = 0; i < argc; ++i) a.emplace_back(argv[i] ? argv[i] : "");
  return join_command_line(a);
}

Manifest::Manifest() {
  j_ = Json::object();
  j_["memprobe_version"] = MEMPROBE_VERSION;
  j_["git_commit"] = MEMPROBE_GIT_COMMIT;
  j_["status"] = "running";
  j_["started"] = nullptr;
  j_["finished"] = nullptr;
  j_["final_epoch"] = nullptr;
  j_["stop_reason"] = nullptr;
  j_["checkpoints"] = Json::object();
}

Manifest::Manifest(Json j) : j_(std::move(j)) {
  MP_CHECK(j_.is_object(), "manifest: expected a JSON object, got " << j_.type_name());
}

// Fields whose type we rely on; a wrong type is a corrupt manifest, reported with its key.
static void validate(const Json& j, const std::string& path) {
  MP_CHECK(j.is_object(), path << ": manifest is not a JSON object");
  const auto want = [&](const char* key, bool (Json::*is)() const, const char* what) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    MP_CHECK(((*it).*is)(), path << ": manifest field '" << key << "' should be " << what << ", is "
                                 << it->type_name());
  };
  want("config", &Json::is_object, "an object");
  want("runtime", &Json::is_object, "an object");
  want("dataset", &Json::is_object, "an object");
  want("checkpoints", &Json::is_object, "an object");
  want("status", &Json::is_string, "a string");
  want("final_epoch", &Json::is_number_integer, "an integer");
  if (auto it = j.find("checkpoints"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      MP_CHECK(v.is_object() && v.contains("file") && v["file"].is_string(),
               path << ": manifest checkpoint '" << k << "' needs a \"file\" string");
    }
  }
}

Manifest Manifest::load(const std::string& path) {
  const std::string text = read_file_text(path);
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (found by fuzz_manifest).
    MP_FAIL(path << ": not valid JSON (" << e.what() << ")");
  }
  validate(j, path);
  return Manifest(std::move(j));
}

void Manifest::save(const std::string& path) const {
  write_file_atomic(path, j_.dump(2) + "\n");
}

void Manifest::start(const std::string& command, const Json& config, const std::string& blas_info,
                     int threads) {
  j_["memprobe_version"] = MEMPROBE_VERSION;
  j_["git_commit"] = MEMPROBE_GIT_COMMIT;
  j_["command"] = command;
  j_["config"] = config;
  // Everything bit-identity depends on besides the seed (apps/run/runtime_diff.h): the BLAS line
  // names the kernel (core=...), and the build ISA selects memprobe's own kernels.
  j_["runtime"] = Json{
      {"blas", blas_info}, {"threads", threads}, {"isa", build_isa()}, {"march", build_march()}};
  j_["started"] = iso8601_utc_now();
  j_["finished"] = nullptr;
  j_["status"] = "running";
}

void Manifest::finish(const std::string& status, int final_epoch, const std::string& stop_reason) {
  MP_CHECK(status == "finished" || status == "failed",
           "manifest: status must be finished or failed, got '" << status << "'");
  j_["status"] = status;
  j_["finished"] = iso8601_utc_now();
  j_["final_epoch"] = final_epoch;
  j_["stop_reason"] = stop_reason;
}

void Manifest::set_dataset(const std::string& name,
                           const std::map<std::string, std::string>& file_sha256) {
  Json files = Json::object();
  for (const auto& [f, s] : file_sha256) files[f] = s;
  j_["dataset"] = Json{{"name", name}, {"files", files}};
}

void Manifest::set_labels_sha256(const std::string& sha) {
  j_["labels_sha256"] = sha;
}

void Manifest::add_checkpoint(int epoch, const CheckpointEntry& e) {
  if (!j_.contains("checkpoints") || !j_["checkpoints"].is_object())
    j_["checkpoints"] = Json::object();
  j_["checkpoints"][std::to_string(epoch)] = Json{{"file", e.file}, {"sha256", e.sha256}};
}

static std::string as_string(const Json& v, const std::string& fallback) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number()) return v.dump();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return fallback;
}

std::string Manifest::str(const std::string& key, const std::string& fallback) const {
  auto it = j_.find(key);
  return it == j_.end() ? fallback : as_string(*it, fallback);
}

std::string Manifest::config_str(const std::string& key, const std::string& fallback) const {
  auto c = j_.find("config");
  if (c == j_.end() || !c->is_object()) return fallback;
  auto it = c->find(key);
  return it == c->end() ? fallback : as_string(*it, fallback);
}

double Manifest::config_num(const std::string& key, double fallback) const {
  auto c = j_.find("config");
  if (c == j_.end() || !c->is_object()) return fallback;
  auto it = c->find(key);
  if (it == c->end() || !it->is_number()) return fallback;
  return it->get<double>();
}

std::optional<int> Manifest::final_epoch() const {
  auto it = j_.find("final_epoch");
  if (it == j_.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int>();
}

std::map<int, CheckpointEntry> Manifest::checkpoints() const {
  std::map<int, CheckpointEntry> out;
  auto it = j_.find("checkpoints");
  if (it == j_.end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    size_t pos = 0;
    int epoch = -1;
    try {
      epoch = std::stoi(k, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos != k.size() || epoch < 0 || !v.is_object()) continue;  // not ours: leave it alone
    CheckpointEntry e;
    e.file = as_string(v.value("file", Json()), "");
    e.sha256 = as_string(v.value("sha256", Json()), "");
    out[epoch] = e;
  }
  return out;
}

std::map<std::string, std::string> Manifest::dataset_files() const {
  std::map<std::string, std::string> out;
  auto d = j_.find("dataset");
  if (d == j_.end() || !d->is_object()) return out;
  auto f = d->find("files");
  if (f == d->end() || !f->is_object()) return out;
  for (const auto& [k, v] : f->items()) out[k] = as_string(v, "");
  return out;
}

}  // namespace mp::app
