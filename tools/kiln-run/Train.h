// SPDX-License-Identifier: Apache-2.0
// kiln-run's training mode: epochs of @train_step over a dataset, @eval_step after each.
#ifndef KILN_TOOLS_KILN_RUN_TRAIN_H
#define KILN_TOOLS_KILN_RUN_TRAIN_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Session.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln::run {

/// @eval_step compiled for another batch size (a library of its own): it scores the last,
/// partial batch of an evaluation set of that size.
struct TailEval {
  rt::Session *session;
  const rt::Function *eval;
};

struct TrainOptions {
  /// The training data: a directory of IDX files (Fashion-MNIST layout:
  /// train-images-idx3-ubyte[.gz], ..., t10k-... for the test set), or a .csv file (label in
  /// the first column, header detected; kiln/runtime/io/Dataset.h).
  std::string trainData;
  std::string testData; ///< with a CSV trainData: the test CSV; empty for no test set
  /// Hold out this fraction of the training data (a split seeded by `seed`) and evaluate on
  /// it after every epoch, as "validation"; none when empty.
  std::optional<double> valSplit;
  /// Epochs to train in this run: after a resumed checkpoint's epochs, this many more.
  int epochs = 1;
  /// When set, train until this epoch in total instead (counting a resumed checkpoint's
  /// epochs); a checkpoint already there trains nothing.
  std::optional<int> untilEpoch;
  uint64_t seed = 0;
  /// CSV of per-epoch metrics; empty for none. A resumed run keeps the file's rows up to the
  /// checkpoint's epoch and appends its own.
  std::string metricsPath;
  std::string plotPath; ///< SVG chart of the losses and accuracy (of the whole history); empty for none
  /// Progress on stderr: a live line when stderr is a terminal, else one line per epoch.
  bool progress = true;
  std::string checkpointPath; ///< written (atomically) after every epoch; empty for none
  std::string resumePath;     ///< a checkpoint to continue from; empty to start afresh
  /// For evaluation sets whose size is not a multiple of @eval_step's batch.
  std::vector<TailEval> tails;
  /// A private step (kiln.train_step with privacy): the delta its epsilon is reported at,
  /// the epsilon budget at which training stops (before the step that would exceed it), and
  /// whether to set the noise multiplier so that the planned epochs spend the budget.
  double delta = 1e-5;
  std::optional<double> targetEpsilon;
  bool calibrateNoise = false;
};

/// How many examples the options' data give each part of training: one epoch of the
/// training data (after --val-split), and each evaluation set (validation, test). A driver
/// compiling for a data set sizes schedules in epochs and the last evaluation batches with
/// them. Errors are reported and make it return false.
struct ExampleCounts {
  int64_t train = 0;
  std::vector<int64_t> eval;
};
bool countExamples(const TrainOptions &options, ExampleCounts &counts);

/// "rank R of N: " in a run of several processes (kiln-run under mpirun), else "": how every
/// message of kiln-run says which rank wrote it.
std::string rankPrefix();

/// FNV-1a over `bytes` bytes, continuing `hash`: the fingerprints the ranks of a run compare
/// (the step's signature, the parameters).
uint64_t fnv1a(const void *data, size_t bytes, uint64_t hash = 1469598103934665603ull);

/// Trains with `train` (its state in `state`, one tensor per input, the data inputs
/// included; they are overwritten with each batch) and evaluates with `eval` (may be
/// null; required for valSplit and testData) on the validation and test sets after every
/// epoch. Errors are reported and make it return false.
bool train(rt::Session &session, const rt::Function &train, const rt::Function *eval,
           std::vector<rt::Tensor> &state, const TrainOptions &options);

} // namespace kiln::run

#endif // KILN_TOOLS_KILN_RUN_TRAIN_H
