#include "apps/run/runtime_diff.h"

#include "tensor/build_isa.h"
#include "tensor/threads.h"

namespace mp::app {

using Json = nlohmann::json;

namespace {

// The value of "key=" in runtime_info()'s line, up to the next space ("" if absent).
std::string field(const std::string& blas, const std::string& key) {
  const std::string k = key + "=";
  for (size_t at = blas.find(k); at != std::string::npos; at = blas.find(k, at + 1)) {
    if (at > 0 && blas[at - 1] != ' ') continue;  // "core=" inside another word
    const size_t b = at + k.size(), e = blas.find(' ', b);
    return blas.substr(b, e == std::string::npos ? std::string::npos : e - b);
  }
  return "";
}

// "0.3.21" from "OpenBLAS [OpenBLAS 0.3.21 NO_LAPACKE ...] core=...".
std::string openblas_version(const std::string& blas) {
  const std::string k = "[OpenBLAS ";
  const size_t at = blas.find(k);
  if (at == std::string::npos) return "";
  const size_t b = at + k.size(), e = blas.find_first_of(" ]", b);
  return blas.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string str(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Json current_runtime(int threads) {
  return Json{{"blas", runtime_info()},
              {"threads", threads},
              {"isa", build_isa()},
              {"march", build_march()}};
}

std::vector<std::string> runtime_differences(const Json& stored, const Json& current) {
  std::vector<std::string> out;
  if (!stored.is_object() || !current.is_object()) return out;
  const std::string blas_run = str(stored, "blas"), blas_now = str(current, "blas");
  const std::string core_run = field(blas_run, "core"), core_now = field(blas_now, "core");
  if (!core_run.empty() && !core_now.empty() && core_run != core_now)
    out.push_back("BLAS kernel differs: the run used core=" + core_run + ", this process core=" +
                  core_now + " (results are bit-identical only with the same kernel; " +
                  "OPENBLAS_CORETYPE=" + core_run + " selects the run's)");
  const std::string v_run = openblas_version(blas_run), v_now = openblas_version(blas_now);
  if (!v_run.empty() && !v_now.empty() && v_run != v_now)
    out.push_back("OpenBLAS differs: the run used " + v_run + ", this process " + v_now +
                  " (its kernels may round differently)");
  const auto t_run = stored.find("threads"), t_now = current.find("threads");
  if (t_run != stored.end() && t_now != current.end() && t_run->is_number_integer() &&
      t_now->is_number_integer() && *t_run != *t_now)
    out.push_back("thread count differs: the run used " + t_run->dump() + ", this process " +
                  t_now->dump() + " (results are bit-identical only with the same count; " +
                  "--threads " + t_run->dump() + " selects the run's)");
  const std::string isa_run = str(stored, "isa"), isa_now = str(current, "isa");
  if (stored.contains("isa") && current.contains("isa") && isa_run != isa_now)
    out.push_back("build ISA differs: the run's binary was built for [" + isa_run +
                  "], this one for [" + isa_now +
                  "] (it selects other kernels; build both alike, see docs/cluster.md)");
  return out;
}

std::vector<std::string> runtime_differences(const Json& stored) {
  return runtime_differences(stored, current_runtime(num_threads()));
}

}  // namespace mp::app
