#pragma once
// Transfer by weight editing (docs/method.md §12): fit the linear probe on the last hidden layer
// with the corrupted training labels and write its class vectors into the output layer, W = [v_1;
// ...; v_K] (K x d), bias zero (default) or kept. No fine-tuning. With zero bias the edited model's
// logits are exactly v_c . h(x), so its predictions equal the probe's sample by sample (up to
// float32 rounding of W and of the logits, which the tests check is immaterial).
#include <string>
#include <vector>

#include "data/image_set.h"
#include "nn/models.h"
#include "probes/activation_matrix.h"
#include "probes/linear_probe.h"

namespace mp::probes {

struct TransferResult {
  std::string layer;                      // the last hidden layer, e.g. fc4
  LinearProbe probe;                      // fitted on the corrupted training labels
  std::vector<int32_t> probe_train_pred;  // the probe's predictions on the training rows
};

// Edits `model` in place.
TransferResult edit_output_layer(nn::Model& model, const data::ImageSet& train,
                                 const std::vector<int32_t>& train_labels, bool zero_bias);

// The same edit from the last hidden layer's training rows, already collected (collect_activations
// at the default normalisation): no forward pass of its own.
TransferResult edit_output_layer(nn::Model& model, const Matrix& hidden_train,
                                 const std::vector<int32_t>& train_labels, int num_classes,
                                 bool zero_bias);

// The same edit with the linear probe already fitted on those rows and labels (probe_layer's, so
// the edited model is exactly the probe reported beside it; refitting would repeat its class
// eigenproblems: 4 s per checkpoint on the paper MLP's fc4). Its class count and width must match
// the output layer and the rows.
TransferResult edit_output_layer(nn::Model& model, const Matrix& hidden_train, LinearProbe probe,
                                 bool zero_bias);

// Writes probe.W (double, K x d) into the output layer (float32). Used by edit_output_layer.
void write_probe_into_output(nn::Model& model, const LinearProbe& probe, bool zero_bias);

}  // namespace mp::probes
