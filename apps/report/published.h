#pragma once
// The published numbers beside memprobe's (docs/reference-results.md): for every summary row
// whose runs ran at the paper's settings, each measure the authors published (model, best-layer
// MASC on corrupted and true subspaces, best-layer linear probe, edited model, NCM, logreg) with
// the difference memprobe - published in percentage points. Rows of other settings are named
// with the reason they are not comparable instead (a subset, another recipe, no published
// numbers for that dataset and model).
#include <string>
#include <vector>

#include "apps/report/difference_notes.h"
#include "apps/report/reference_results.h"
#include "apps/report/runs.h"
#include "apps/report/summary.h"
#include "apps/run/console.h"
#include "apps/run/manifest.h"

namespace mp::app {

// How a run departs from the paper's settings, one short phrase each ("a 1000-image training
// subset", "lr 0.01 instead of the paper's 0.001"); empty when it ran at them. The paper's
// settings: the full training and test sets, the recipe memprobe's presets use for this model
// and dataset (optimizer, lr, momentum, batch size, target training accuracy), random
// corruption, a fixed data order and the stop on the running training accuracy.
std::vector<std::string> paper_setting_deviations(const Manifest& m);

// Beyond this many points a difference from a published value is listed, with its note: the
// authors' own runs differ by 1-2 points.
constexpr double kLargeDifference = 2.0;

struct ComparedValue {
  std::string dataset, model;
  double level = 0;
  int n_seeds = 0;
  std::string metric, subspace;   // the published row's keys
  std::string measure;            // for people: "MASC best layer (corrupted)"
  Stat ours = mean_sd({});        // fractions; best hidden layer for probes
  bool has_input = false;         // MASC (corrupted) and the linear probe: input layer beside
  Stat ours_input = mean_sd({});  // the input layer's value when has_input
  std::string epochs;             // the epoch(s) memprobe's value is from, "57" or "57, 60"
  const PublishedValue* published = nullptr;
  double difference;  // points, memprobe - published; NaN when memprobe has no value
};

struct PublishedComparison {
  std::vector<ComparedValue> rows;  // summary order, then measure order
  // Summary rows left out, grouped: "mnist/mlp at p = 0, 0.4 (a 1000-image training subset)".
  std::vector<std::string> not_comparable;
  // What the bundle's differences.csv says about its differences (report fills it in).
  std::vector<DifferenceNote> notes;
  // The published value (a fraction) of a compared row, NaN when the row was not compared.
  double published_fraction(const std::string& dataset, const std::string& model, double level,
                            const std::string& metric, const std::string& subspace) const;
};

// `runs` and `summary` as the report has them (summary = summarize(runs)).
PublishedComparison compare_with_published(
    const std::vector<RunData>& runs, const std::vector<SummaryRow>& summary,
    const std::vector<PublishedValue>& table = published_results());

// The table of the report's "Published numbers beside ours" section.
Table comparison_table(const PublishedComparison& c);
// The same comparison compact, for the summary page: one row per (dataset, model, p), one
// column per measure (model, MASC corrupted and true, linear, edited, NCM, logreg), each cell
// "memprobe / published" in percent ("-" where one of the two is missing), a '*' after a cell more
// than `points` apart.
Table comparison_grid(const PublishedComparison& c, double points);
// One sentence naming the summary rows left out and why ("" when none was).
std::string not_comparable_sentence(const PublishedComparison& c);
// The compared values more than `points` away from the published ones, one phrase each, ending
// with what c.notes say of it ("explained: ...", "open: ...", or "open: no note in
// differences.csv").
std::vector<std::string> large_differences(const PublishedComparison& c, double points);
// The notes of c.notes that match no compared value more than `points` away, one phrase each.
std::vector<std::string> unmatched_notes(const PublishedComparison& c, double points);

}  // namespace mp::app
