#pragma once
// Running a model over a dataset in inference mode (eval(), no-grad), batch by batch:
// predictions and mean loss, and the activations of named layers (the probes' input,
// docs/method.md §6). Only one batch of inputs and the requested layers' rows are held at a time.
#include <map>
#include <string>
#include <vector>

#include "data/image_set.h"
#include "data/loader.h"
#include "nn/models.h"
#include "probes/activation_matrix.h"

namespace mp::probes {

constexpr int64_t kInferenceBatch = 500;

struct EvalResult {
  std::vector<int32_t> predictions;  // argmax of the logits, ties -> lowest class
  double mean_loss = 0;              // cross-entropy vs loss_labels, if given
};

// Restores the model's train/eval mode on return.
EvalResult evaluate_model(nn::Model& model, const data::ImageSet& set,
                          const data::Normalization& norm,
                          const std::vector<int32_t>* loss_labels = nullptr,
                          int64_t batch = kInferenceBatch);

double accuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& labels);

// Activations of `layers` over the whole set, flattened to [N, d] (conv maps as C*H*W), float32.
// Also returns predictions if `predictions` is non-null (same pass).
std::map<std::string, Matrix> collect_activations(nn::Model& model, const data::ImageSet& set,
                                                  const data::Normalization& norm,
                                                  const std::vector<std::string>& layers,
                                                  std::vector<int32_t>* predictions = nullptr,
                                                  int64_t batch = kInferenceBatch);

// The model's predictions from rows of its last hidden layer (model.last_hidden_layer(), as
// collect_activations returns them): its output layer applied to `batch` rows at a time. With
// the rows collected at the same batch size, these are the predictions evaluate_model() gives,
// bit for bit: the output layer receives the same values in a fresh [n, d] tensor of the same
// shape, so it makes the same kernel calls (tests/probes/test_output_from_rows.cpp checks the
// logits are identical for every model). Lets one activation pass serve the probes, the model's
// accuracy and the edited model's (docs/method.md §12-13) instead of one pass each.
Matrix output_layer_logits(nn::Model& model, const Matrix& hidden, int64_t batch = kInferenceBatch);
// argmax of output_layer_logits' rows, ties -> lowest class (as evaluate_model).
std::vector<int32_t> output_layer_predictions(nn::Model& model, const Matrix& hidden,
                                              int64_t batch = kInferenceBatch);

// Row width of every probe-able layer for this model and input (one forward of one image).
std::map<std::string, int64_t> layer_widths(nn::Model& model, const data::ImageSet& set);

}  // namespace mp::probes
