#include "probes/transfer.h"

#include <utility>

#include "autograd/grad_mode.h"
#include "probes/model_eval.h"

namespace mp::probes {

void write_probe_into_output(nn::Model& model, const LinearProbe& probe, bool zero_bias) {
  nn::Linear& out = model.output_layer();
  MP_CHECK(out.out_features() == probe.num_classes && out.in_features() == probe.dim,
           "transfer: the linear probe is " << probe.num_classes << " x " << probe.dim
                                            << " but the output layer is " << out.out_features()
                                            << " x " << out.in_features());
  ag::NoGradGuard no_grad;
  // In place: the optimizer's parameter slab (if any) shares this storage.
  Tensor& w = out.weight.mutable_data();
  float* wp = w.data();
  for (size_t i = 0; i < probe.W.size(); ++i) wp[i] = static_cast<float>(probe.W[i]);
  if (zero_bias && out.has_bias()) out.bias.mutable_data().fill(0.0f);
}

TransferResult edit_output_layer(nn::Model& model, const data::ImageSet& train,
                                 const std::vector<int32_t>& train_labels, bool zero_bias) {
  MP_CHECK(static_cast<int64_t>(train_labels.size()) == train.n,
           "transfer: " << train_labels.size() << " labels for " << train.n << " images");
  const std::string layer = model.last_hidden_layer();
  std::map<std::string, Matrix> acts = collect_activations(model, train, {}, {layer});
  return edit_output_layer(model, acts.at(layer), train_labels, train.num_classes, zero_bias);
}

TransferResult edit_output_layer(nn::Model& model, const Matrix& X,
                                 const std::vector<int32_t>& train_labels, int num_classes,
                                 bool zero_bias) {
  MP_CHECK(static_cast<int64_t>(train_labels.size()) == X.rows,
           "transfer: " << train_labels.size() << " labels for " << X.rows << " rows");
  return edit_output_layer(
      model, X, fit_linear_probe(X.data.data(), X.rows, X.cols, train_labels.data(), num_classes),
      zero_bias);
}

TransferResult edit_output_layer(nn::Model& model, const Matrix& X, LinearProbe probe,
                                 bool zero_bias) {
  MP_CHECK(probe.dim == X.cols,
           "transfer: the linear probe is " << probe.dim << " wide, the rows " << X.cols);
  TransferResult r;
  r.layer = model.last_hidden_layer();
  r.probe = std::move(probe);
  r.probe_train_pred = predict_linear(r.probe, X.data.data(), X.rows);
  write_probe_into_output(model, r.probe, zero_bias);
  return r;
}

}  // namespace mp::probes
