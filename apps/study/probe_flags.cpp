#include "apps/study/probe_flags.h"

#include <cmath>
#include <cstdlib>

#include "tensor/check.h"
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
  // Strings, checked by make_spec(): CLI11's own conversion error would not say what is valid.
  cmd->add_option_function<std::string>(
      "--tau", [&f](const std::string& v) { f.tau = NumberList(v); },
      "MASC: keep components explaining this variance fraction, in (0, 1] (1 = all); a comma "
      "list (e.g. 0.25,0.5,0.75,0.99) scores every value from one decomposition (default 0.99)");
  cmd->add_option_function<std::string>(
      "--k", [&f](const std::string& v) { f.k = NumberList(v); },
      "MASC: keep exactly k components per class; a comma list for several counts. Alone it "
      "replaces --tau; with --tau, every tau and every k is scored");
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
  if (tau != d.tau) add("--tau", tau.text);  // as given: parses back to the same list
  if (k != d.k) add("--k", k.text);
  if (qda_reg != d.qda_reg) add("--qda-reg", csv_number(qda_reg));
  return a;
}

NumberList::NumberList(double v) : text(csv_number(v)) {}

namespace {
// One list element, which must be a number from its first character to its last; else one error
// line naming the flag.
double parse_number(const char* flag, const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  MP_CHECK(!v.empty() && end == v.c_str() + v.size() && std::isfinite(x),
           flag << ": '" << v << "' is not a number");
  return x;
}
}  // namespace

probes::ProbeSpec make_spec(const ProbeFlags& f) {
  probes::ProbeSpec s;
  s.probes = split_list(f.probes);
  s.masc_subspaces = split_list(f.subspace);
  s.qda.reg = f.qda_reg;
  std::vector<probes::ComponentRule> rules;
  bool has_default = false;
  for (const std::string& v : split_list(f.tau.text)) {
    const double tau = parse_number("--tau", v);
    MP_CHECK(tau > 0 && tau <= 1, "--tau must be in (0, 1], got " << v);
    rules.push_back({tau, 0});
    has_default = has_default || tau == probes::MascOptions{}.tau;
  }
  for (const std::string& v : split_list(f.k.text)) {
    const double k = parse_number("--k", v);
    MP_CHECK(k >= 1 && k == std::floor(k) && k < 1e9, "--k must be a positive integer, got " << v);
    rules.push_back({probes::MascOptions{}.tau, static_cast<int>(k)});
  }
  MP_CHECK(f.tau.text.empty() || !split_list(f.tau.text).empty(), "--tau: no value given");
  MP_CHECK(f.k.text.empty() || !split_list(f.k.text).empty(), "--k: no value given");
  if (!rules.empty()) {
    // The primary rule first: the default when it is among them, so adding ablation rules to
    // the default does not change what the one-rule readers see.
    size_t primary = 0;
    for (size_t i = 0; i < rules.size() && has_default; ++i) {
      if (rules[i].fixed_k == 0 && rules[i].tau == probes::MascOptions{}.tau) {
        primary = i;
        break;
      }
    }
    s.masc.tau = rules[primary].tau;
    s.masc.fixed_k = rules[primary].fixed_k;
    for (size_t i = 0; i < rules.size(); ++i)
      if (i != primary) s.masc.more_rules.push_back(rules[i]);
  }
  probes::check_probe_spec(s);
  return s;
}

}  // namespace mp::app
