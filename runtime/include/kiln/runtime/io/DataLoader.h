// SPDX-License-Identifier: Apache-2.0
// Feeding a compiled step batches of a Dataset: the batch inputs found by their kiln.data
// names and checked against the data, and shuffled epochs of whole batches, as kiln-run's
// training loop feeds them (an application's own loop uses the same pieces).
#ifndef KILN_RUNTIME_IO_DATALOADER_H
#define KILN_RUNTIME_IO_DATALOADER_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"
#include "kiln/runtime/io/Dataset.h"

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace kiln::rt {

/// Where a step takes its batch: the inputs whose kiln.data is "<prefix>images" and
/// "<prefix>labels".
struct BatchInputs {
  size_t images = 0, labels = 0; ///< input indices
  int64_t size = 0;              ///< examples per batch: the images input's leading extent
};

/// Finds `fn`'s batch inputs and checks them against `data`: an images input of static
/// shape [batch, ...] holding data.numFeatures features per example, and an i32 or i64
/// labels input of shape [batch]. kInvalidArgument naming the entry point otherwise.
StatusOr<BatchInputs> findBatchInputs(const Function &fn, const Dataset &data,
                                      std::string_view prefix = "");

/// Copies examples rows[0], ..., rows[batch.size - 1] of `data` into `images` and `labels`
/// (the views of the inputs `batch` names), the labels as the labels view's i32 or i64.
/// The rows must be valid indices into `data`.
void fillBatch(const Dataset &data, const int64_t *rows, const BatchInputs &batch,
               const TensorView &images, const TensorView &labels);

/// Batches of `data` for `fn`, epoch after epoch: every epoch is a new permutation of the
/// examples (Fisher-Yates from the last position down, swapping position i with
/// `rng() % (i + 1)` of one std::mt19937_64 seeded with `seed` for the whole run, as
/// kiln-run shuffles), cut into whole batches; the examples of a last, partial batch wait
/// for the next epoch's shuffle (torch's DataLoader(drop_last=True)). The dataset must
/// outlive the loader.
///
///     auto loader = DataLoader::create(step, train, /*seed=*/0);
///     for (int64_t s = 0; s < epochs * loader->batchesPerEpoch(); ++s) {
///       loader->next(inputViews);            // the batch, into the step's inputs
///       session.call(step, inputViews, outputViews);
///     }
class DataLoader {
public:
  /// kInvalidArgument as findBatchInputs, and when `data` has fewer examples than a batch.
  static StatusOr<DataLoader> create(const Function &fn, const Dataset &data, uint64_t seed,
                                     std::string_view prefix = "");

  const BatchInputs &batchInputs() const { return batch_; }
  int64_t batchSize() const { return batch_.size; }
  int64_t batchesPerEpoch() const { return data_->count / batch_.size; }
  /// Epochs begun: 0 before the first next(), 1 during the first epoch, ...
  int64_t epoch() const { return epoch_; }

  /// Copies the next batch into `inputs` (views of all of the step's inputs, as
  /// Session::call takes them), beginning a new epoch after the last whole batch of one.
  /// kInvalidArgument when `inputs` does not cover the batch inputs with the step's dtypes
  /// and shapes.
  Status next(const std::vector<TensorView> &inputs);

private:
  DataLoader(const Dataset &data, BatchInputs batch, uint64_t seed)
      : data_(&data), batch_(batch), rng_(seed) {}

  const Dataset *data_;
  BatchInputs batch_;
  std::vector<int64_t> order_;
  int64_t nextBatch_ = 0;
  int64_t epoch_ = 0;
  std::mt19937_64 rng_;
  // For next()'s checks of the views.
  DType imagesType_ = DType::F32, labelsType_ = DType::I64;
  std::vector<int64_t> imagesShape_, labelsShape_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_DATALOADER_H
