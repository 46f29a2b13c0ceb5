#pragma once
// Class labels exported by any framework, for the probes: a .npy of any integer dtype, shape (N,)
// or (N, 1) (np.save(f, y)), or a text file with one integer per line (a one-column CSV; a first
// line starting with a letter is its header). Errors name the file (and the line or row).
#include <cstdint>
#include <string>
#include <vector>

namespace mp::probes {

// Reads the labels; the format is told by the content (.npy magic), not the file name.
std::vector<int32_t> load_label_file(const std::string& path);

// Throws unless every label lies in 0..K-1: names `path`, how many are outside, the first row
// and its value.
void check_label_range(const std::vector<int32_t>& labels, int num_classes,
                       const std::string& path);

// 1 + the largest label of all the arrays (0 when all are empty).
int classes_from_labels(const std::vector<const std::vector<int32_t>*>& label_sets);

}  // namespace mp::probes
