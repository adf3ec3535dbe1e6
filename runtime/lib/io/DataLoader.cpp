// SPDX-License-Identifier: Apache-2.0
#include "kiln/runtime/io/DataLoader.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

namespace kiln::rt {

namespace {
Status invalid(const std::string &message) {
  return Status::error(StatusCode::kInvalidArgument, message);
}
} // namespace

StatusOr<BatchInputs> findBatchInputs(const Function &fn, const Dataset &data,
                                      std::string_view prefix) {
  const std::string images = std::string(prefix) + "images";
  const std::string labels = std::string(prefix) + "labels";
  int imagesAt = -1, labelsAt = -1;
  for (size_t i = 0; i < fn.inputs().size(); ++i) {
    if (fn.inputs()[i].data == images)
      imagesAt = int(i);
    if (fn.inputs()[i].data == labels)
      labelsAt = int(i);
  }
  if (imagesAt < 0 || labelsAt < 0)
    return invalid("@" + fn.name() + " needs one argument with kiln.data = \"" + images +
                   "\" and one with kiln.data = \"" + labels + "\"");
  const std::vector<int64_t> &shape = fn.inputs()[imagesAt].shape;
  if (shape.empty() || std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; }))
    return invalid("@" + fn.name() + ": the images input needs a static [batch, ...] shape " +
                   "(a program written with a dynamic batch is compiled with --batch N)");
  if (fn.inputs()[imagesAt].dtype != DType::F32)
    return invalid("@" + fn.name() + ": the images input must be f32");
  BatchInputs batch;
  batch.images = size_t(imagesAt);
  batch.labels = size_t(labelsAt);
  batch.size = shape[0];
  int64_t features = 1;
  for (size_t d = 1; d < shape.size(); ++d)
    features *= shape[d];
  if (features != data.numFeatures)
    return invalid("@" + fn.name() + " takes " + std::to_string(features) +
                   " features per example, the dataset has " + std::to_string(data.numFeatures));
  const InputSpec &labelSpec = fn.inputs()[labelsAt];
  if (labelSpec.shape != std::vector<int64_t>{batch.size})
    return invalid("@" + fn.name() + ": labels must be a [" + std::to_string(batch.size) +
                   "] tensor");
  if (labelSpec.dtype != DType::I64 && labelSpec.dtype != DType::I32)
    return invalid("@" + fn.name() + ": labels must be i32 or i64");
  return batch;
}

void fillBatch(const Dataset &data, const int64_t *rows, const BatchInputs &batch,
               const TensorView &images, const TensorView &labels) {
  float *x = static_cast<float *>(images.data);
  const float *features = data.features.data<float>();
  for (int64_t r = 0; r < batch.size; ++r) {
    int64_t i = rows[r];
    std::memcpy(x + r * data.numFeatures, features + i * data.numFeatures,
                size_t(data.numFeatures) * sizeof(float));
    if (labels.dtype == DType::I64)
      static_cast<int64_t *>(labels.data)[r] = data.label(i);
    else
      static_cast<int32_t *>(labels.data)[r] = int32_t(data.label(i));
  }
}

StatusOr<DataLoader> DataLoader::create(const Function &fn, const Dataset &data, uint64_t seed,
                                        std::string_view prefix) {
  KILN_ASSIGN_OR_RETURN(BatchInputs batch, findBatchInputs(fn, data, prefix));
  if (data.count < batch.size)
    return invalid(data.source + ": " + std::to_string(data.count) +
                   " examples, fewer than one @" + fn.name() + " batch of " +
                   std::to_string(batch.size));
  DataLoader loader(data, batch, seed);
  loader.imagesType_ = fn.inputs()[batch.images].dtype;
  loader.imagesShape_ = fn.inputs()[batch.images].shape;
  loader.labelsType_ = fn.inputs()[batch.labels].dtype;
  loader.labelsShape_ = fn.inputs()[batch.labels].shape;
  return loader;
}

Status DataLoader::next(const std::vector<TensorView> &inputs) {
  // The views are the caller's: a wrong one would be written out of bounds.
  auto check = [&](size_t index, DType dtype, const std::vector<int64_t> &shape) {
    if (index >= inputs.size())
      return invalid("DataLoader::next: " + std::to_string(inputs.size()) +
                     " input views, but the batch goes to input " + std::to_string(index));
    const TensorView &v = inputs[index];
    if (v.dtype != dtype || v.shape != shape || (!v.data && v.numel() > 0))
      return invalid("DataLoader::next: input " + std::to_string(index) +
                     " is not the step's batch buffer (dtype, shape or data)");
    return Status();
  };
  if (Status s = check(batch_.images, imagesType_, imagesShape_); !s.ok())
    return s;
  if (Status s = check(batch_.labels, labelsType_, labelsShape_); !s.ok())
    return s;
  if (epoch_ == 0 || nextBatch_ == batchesPerEpoch()) {
    order_.resize(size_t(data_->count));
    std::iota(order_.begin(), order_.end(), 0);
    for (int64_t i = int64_t(order_.size()) - 1; i > 0; --i)
      std::swap(order_[size_t(i)], order_[size_t(rng_() % uint64_t(i + 1))]);
    nextBatch_ = 0;
    ++epoch_;
  }
  fillBatch(*data_, order_.data() + nextBatch_ * batch_.size, batch_, inputs[batch_.images],
            inputs[batch_.labels]);
  ++nextBatch_;
  return Status();
}

} // namespace kiln::rt
