#include "apps/study/probe_flags.h"

#include "tensor/io/csv.h"

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
  cmd->add_option("--qda-reg", f.qda_reg,
                  "QDA: regularisation in [0, 1] (scikit-learn's reg_param; default 0). A class "
                  "covariance still singular at this value takes the smallest of 1e-6, 1e-5, "
                  "..., 1 that makes it positive definite; probes.csv's params says which");
}

bool ProbeFlags::operator==(const ProbeFlags& o) const {
  return layers == o.layers && probes == o.probes && subspace == o.subspace && tau == o.tau &&
         k == o.k && qda_reg == o.qda_reg;
}

std::vector<std::string> ProbeFlags::to_args() const {
  const ProbeFlags d;
  std::vector<std::string> a;
  auto add = [&a](const char* flag, const std::string& v) { a.insert(a.end(), {flag, v}); };
  if (layers != d.layers) add("--layers", layers);
  if (probes != d.probes) add("--probes", probes);
  if (subspace != d.subspace) add("--subspace", subspace);
  if (tau != d.tau) add("--tau", csv_number(tau));  // %.17g: parses back to the same double
  if (k != d.k) add("--k", std::to_string(k));
  if (qda_reg != d.qda_reg) add("--qda-reg", csv_number(qda_reg));
  return a;
}

probes::ProbeSpec make_spec(const ProbeFlags& f) {
  probes::ProbeSpec s;
  s.probes = split_list(f.probes);
  s.masc_subspaces = split_list(f.subspace);
  s.masc.tau = f.tau;
  s.masc.fixed_k = f.k;
  s.qda.reg = f.qda_reg;
  MP_CHECK(f.k >= 0, "--k must be >= 0, got " << f.k);
  probes::check_probe_spec(s);
  return s;
}

}  // namespace mp::app
