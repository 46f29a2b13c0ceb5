#include "apps/study/probe_flags.h"

namespace mp::app {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t a = 0;
  while (a <= s.size()) {
    size_t b = s.find(',', a);
    if (b == std::string::npos) b = s.size();
    if (b > a) out.push_back(s.substr(a, b - a));
    a = b + 1;
  }
  return out;
}

void add_probe_flags(CLI::App* cmd, ProbeFlags& f, bool with_probes, bool with_layers) {
  if (with_layers)
    cmd->add_option("--layers", f.layers, "all | a comma list of layer names (e.g. fc3,fc4)");
  if (with_probes) {
    cmd->add_option("--probes", f.probes,
                    "Comma list of masc, linear, ncm, logreg (the default) and the opt-in "
                    "lda, qda, knn");
    cmd->add_option(
        "--subspace", f.subspace,
        "Labels the MASC subspaces are fitted on: corrupted, true, or both (comma list)");
  }
  cmd->add_option("--tau", f.tau, "MASC: keep components explaining this variance fraction");
  cmd->add_option("--k", f.k, "MASC: keep exactly k components per class instead of --tau");
}

probes::ProbeSpec make_spec(const ProbeFlags& f) {
  probes::ProbeSpec s;
  s.probes = split_list(f.probes);
  s.masc_subspaces = split_list(f.subspace);
  s.masc.tau = f.tau;
  s.masc.fixed_k = f.k;
  MP_CHECK(f.k >= 0, "--k must be >= 0, got " << f.k);
  probes::check_probe_spec(s);
  return s;
}

}  // namespace mp::app
