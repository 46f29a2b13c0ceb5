#include "probes/rounding_bound.h"

#include <algorithm>
#include <cmath>

#include "tensor/check.h"

namespace mp::probes {

double max_row_norm_up(const std::vector<double>& rows, int64_t k, int64_t d) {
  MP_CHECK(k >= 0 && d >= 0 && static_cast<int64_t>(rows.size()) >= k * d,
           "probes/max_row_norm_up: " << rows.size() << " entries for " << k << " rows of " << d);
  double out = 0;
  for (int64_t j = 0; j < k; ++j) {
    const double* r = rows.data() + j * d;
    double s = 0;
    for (int64_t t = 0; t < d; ++t) s += r[t] * r[t];
    out = std::max(out, std::sqrt(s) * (1 + 0x1p-30));
  }
  return out;
}

}  // namespace mp::probes
