#pragma once
// The authors' published numbers (docs/reference_results.csv; columns and provenance in
// docs/reference-results.md), compiled into the binary at build time so that `memprobe report`
// can set them beside its own wherever it is installed. Values are percentages exactly as
// published; a row's `layer` is the layer the authors name ("" when they name none).
#include <cstdint>
#include <string>
#include <vector>

namespace mp::app {

struct PublishedValue {
  std::string dataset,
      model;                // as memprobe spells them: mnist | fashion-mnist | cifar10; mlp | cnn
  double level = 0;         // corruption level p
  std::string metric;       // model | masc | linear | edited | logreg | ncm | lda | qda | knn
                            // | masc_tau_<tau> (the PCA-threshold ablation)
  std::string subspace;     // corrupted | true; "" for the model and the edited model
  std::string layer;        // named by the authors, else ""
  std::string aggregation;  // "3-run mean" | "run 1" | "not stated"
  std::string text;         // the value as published, e.g. "97.20"
  double value = 0;         // the same, in percent
  std::string source;       // papers and repositories

  int64_t level_micro() const;  // level rounded to 1e-6, as RunKey compares levels
  // "97.20 (fc3)", or "97.20" when no layer is named.
  std::string display() const;
};

// The CSV text compiled into this binary (byte for byte docs/reference_results.csv).
const char* published_results_csv();

// Parses the CSV (header as above); throws mp::Error naming `name` and the line on a bad row.
std::vector<PublishedValue> parse_published_results(const std::string& csv_text,
                                                    const std::string& name);

// The compiled-in table, parsed once.
const std::vector<PublishedValue>& published_results();

// The published value of (dataset, model, level, metric, subspace), or nullptr.
const PublishedValue* find_published(const std::vector<PublishedValue>& table,
                                     const std::string& dataset, const std::string& model,
                                     double level, const std::string& metric,
                                     const std::string& subspace);

// Whether the authors published anything for this dataset and model.
bool has_published(const std::vector<PublishedValue>& table, const std::string& dataset,
                   const std::string& model);

}  // namespace mp::app
