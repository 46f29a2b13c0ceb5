#pragma once
// A fitted probe as a safetensors file another framework loads (PyTorch:
// safetensors.torch.load_file, or the numpy reader in docs/probe-any-network.md):
//   masc.basis.<c>  F64 [k_c, d]  class c's MASC basis V_c, orthonormal rows (k_c = 0: [0, d])
//   masc.k          I64 [K]       k_c
//   linear.weight   F64 [K, d]    the linear probe W, sign fix applied (docs/method.md §9): the
//                                 weight of a Linear(d, K) output layer, bias 0 (the weight edit)
// and, when the true-label subspaces were fitted too, masc_true.basis.<c> and masc_true.k.
// The values are the fitted probe's doubles, bit for bit. __metadata__ holds "memprobe.format"
// ("probe/1"), "d", "K" and whatever the caller adds (tau, the labels' sha256, ...).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "probes/linear_probe.h"
#include "probes/masc.h"

namespace mp::probes {

struct SavedProbe {
  int num_classes = 0;
  int64_t dim = 0;
  std::vector<std::vector<double>> basis;  // per class, k_c x d
  std::vector<int> k;
  std::vector<std::vector<double>> basis_true;  // empty unless saved
  std::vector<int> k_true;
  std::vector<double> linear_weight;  // K x d
  std::map<std::string, std::string> metadata;
};

// Writes atomically. `masc_true` may be null. Throws if the probes' K or d disagree.
void save_probe_file(const std::string& path, const MascProbe& masc, const LinearProbe& linear,
                     const MascProbe* masc_true, std::map<std::string, std::string> metadata);

// Reads a file written by save_probe_file; throws naming the file if a tensor is missing or
// has the wrong dtype or shape.
SavedProbe load_probe_file(const std::string& path);

}  // namespace mp::probes
