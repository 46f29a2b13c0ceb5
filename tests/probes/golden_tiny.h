#pragma once
// The probes' golden tiny case, shared by the MASC and linear-probe tests, whose expected values
// come from the numpy peer (bench/masc_numpy_peer.py) on exactly these rows.
#include <cstdint>
#include <vector>

namespace mp::probes::golden {

// The golden tiny case: 30 x 6 non-negative rows, 3 classes (label = row % 3), 12 test rows
// (two of them zero). Produced with numpy (rng 123, rounded to 2 decimals, float32) and run
// through masc_numpy_peer.py's masc_fit / masc_predict / linear_fit.
inline const std::vector<float> kTrain = {
    0.00f, 0.29f, 0.80f, 0.00f, 0.81f, 0.00f, 1.19f, 0.00f, 1.55f, 0.00f, 1.00f, 0.00f, 1.26f,
    1.97f, 0.00f, 3.02f, 0.64f, 0.00f, 0.00f, 0.00f, 1.64f, 0.14f, 1.40f, 1.30f, 0.00f, 0.16f,
    0.98f, 0.00f, 0.00f, 0.00f, 0.12f, 0.57f, 0.04f, 0.70f, 0.00f, 0.36f, 0.00f, 0.00f, 3.12f,
    0.70f, 2.26f, 2.78f, 0.33f, 0.00f, 0.00f, 0.13f, 0.13f, 0.00f, 0.12f, 0.23f, 0.15f, 0.38f,
    0.11f, 0.00f, 0.88f, 0.00f, 0.00f, 0.24f, 0.00f, 0.50f, 0.00f, 0.19f, 2.56f, 0.00f, 0.00f,
    0.00f, 0.00f, 0.00f, 1.78f, 0.00f, 0.00f, 0.31f, 0.45f, 0.00f, 0.00f, 0.00f, 0.00f, 0.42f,
    0.07f, 0.39f, 0.54f, 0.01f, 0.00f, 0.31f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.34f,
    0.00f, 0.69f, 0.77f, 0.48f, 1.55f, 0.75f, 0.00f, 1.30f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f,
    0.00f, 0.00f, 0.00f, 0.31f, 0.00f, 0.99f, 0.99f, 0.00f, 0.32f, 0.00f, 2.90f, 0.00f, 2.32f,
    0.24f, 2.45f, 0.00f, 0.00f, 0.06f, 0.00f, 0.00f, 0.18f, 0.00f, 0.56f, 0.02f, 0.76f, 0.10f,
    0.14f, 0.84f, 0.00f, 1.00f, 0.00f, 0.00f, 0.00f, 1.09f, 1.72f, 0.10f, 1.87f, 1.86f, 0.77f,
    0.00f, 0.92f, 0.44f, 0.00f, 0.29f, 0.00f, 0.10f, 0.00f, 0.60f, 0.07f, 0.00f, 0.00f, 0.00f,
    0.62f, 0.27f, 0.49f, 0.46f, 0.68f, 0.00f, 0.00f, 0.00f, 1.65f, 0.05f, 1.78f, 0.49f, 0.55f,
    0.00f, 0.59f, 0.00f, 0.67f, 0.00f, 1.73f, 1.41f, 0.22f, 4.09f, 0.94f, 0.00f};
inline const std::vector<float> kTest = {
    1.25f, 0.00f, 0.13f, 0.68f, 0.00f, 3.13f, 0.00f, 0.00f, 1.16f, 0.04f, 0.00f, 0.00f,
    0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 1.23f, 0.00f, 0.00f, 0.52f, 0.00f, 2.56f,
    0.00f, 0.00f, 1.75f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f,
    0.40f, 1.22f, 0.00f, 0.00f, 0.00f, 0.00f, 0.00f, 0.54f, 0.00f, 0.52f, 0.08f, 1.96f,
    0.06f, 0.00f, 0.77f, 0.58f, 0.54f, 0.58f, 0.26f, 0.89f, 0.00f, 0.00f, 0.00f, 0.00f,
    0.76f, 0.00f, 1.48f, 0.00f, 0.73f, 0.00f, 1.14f, 1.28f, 0.00f, 2.75f, 0.00f, 0.00f};

inline std::vector<int32_t> golden_labels() {
  std::vector<int32_t> y(30);
  for (int i = 0; i < 30; ++i) y[static_cast<size_t>(i)] = i % 3;
  return y;
}

}  // namespace mp::probes::golden
