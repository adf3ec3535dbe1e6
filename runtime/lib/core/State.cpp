// SPDX-License-Identifier: Apache-2.0
// Setting a step's tensors up from its signature.
#include "kiln/runtime/State.h"

#include "kiln/runtime/InitSpec.h"
#include "kiln/runtime/Random.h"

#include <cstring>
#include <string>

namespace kiln::rt {

namespace {
std::string inputLabel(const Function &fn, size_t index) {
  const std::string &name = fn.inputs()[index].name;
  return "@" + fn.name() + " input " + std::to_string(index) +
         (name.empty() ? "" : " (" + name + ")");
}
} // namespace

uint64_t inputSeed(uint64_t seed, size_t index) {
  return seed * 0x9E3779B97F4A7C15ull + index; // golden-ratio stride: distinct streams
}

StatusOr<Tensor> initializeInput(const Function &fn, size_t index, uint64_t seed,
                                 const std::vector<int64_t> &shape) {
  if (index >= fn.inputs().size())
    return Status::error(StatusCode::kInvalidArgument,
                         "@" + fn.name() + " has " + std::to_string(fn.inputs().size()) +
                             " inputs, not " + std::to_string(index + 1));
  const InputSpec &spec = fn.inputs()[index];
  std::vector<int64_t> extents = spec.shape;
  if (!shape.empty()) {
    if (shape.size() != extents.size())
      return Status::error(StatusCode::kInvalidArgument,
                           inputLabel(fn, index) + " has rank " + std::to_string(extents.size()) +
                               ", not " + std::to_string(shape.size()));
    for (size_t d = 0; d < extents.size(); ++d) {
      if (shape[d] < 0 || (extents[d] >= 0 && extents[d] != shape[d]))
        return Status::error(StatusCode::kInvalidArgument,
                             inputLabel(fn, index) + ": dimension " + std::to_string(d) +
                                 " is " + std::to_string(extents[d]) + ", not " +
                                 std::to_string(shape[d]));
      extents[d] = shape[d];
    }
  }
  for (int64_t d : extents)
    if (d < 0)
      return Status::error(StatusCode::kInvalidArgument,
                           inputLabel(fn, index) +
                               " has a dynamic dimension: give its shape to initializeInput");
  std::optional<InitSpec> init = parseInitSpec(spec.init.empty() ? "zeros" : spec.init);
  if (!init)
    return Status::error(StatusCode::kInvalidArgument,
                         inputLabel(fn, index) + ": bad initialiser '" + spec.init + "'");
  StatusOr<Tensor> tensor = Tensor::allocate(spec.dtype, extents);
  if (!tensor.ok())
    return tensor.status();
  if (Status s = fillInit(tensor->view(), *init, inputSeed(seed, index)); !s.ok())
    return Status::error(s.code(), inputLabel(fn, index) + ": " + std::string(s.message()));
  return tensor;
}

StatusOr<std::vector<Tensor>> initializeInputs(const Function &fn, uint64_t seed) {
  std::vector<Tensor> inputs;
  inputs.reserve(fn.inputs().size());
  for (size_t i = 0; i < fn.inputs().size(); ++i) {
    StatusOr<Tensor> t = initializeInput(fn, i, seed);
    if (!t.ok())
      return t.status();
    inputs.push_back(std::move(*t));
  }
  return inputs;
}

StatusOr<std::vector<Tensor>> allocateOutputs(const Function &fn) {
  std::vector<Tensor> outputs;
  for (const ResultSpec &r : fn.results()) {
    if (r.alias >= 0)
      continue;
    StatusOr<Tensor> t = Tensor::allocate(r.dtype, r.shape);
    if (!t.ok())
      return t.status();
    outputs.push_back(std::move(*t));
  }
  return outputs;
}

namespace {
std::string specString(DType dtype, const std::vector<int64_t> &shape) {
  std::string s(dtypeName(dtype));
  s += " [";
  for (size_t d = 0; d < shape.size(); ++d)
    s += (d ? ", " : "") + std::to_string(shape[d]);
  return s + "]";
}
} // namespace

StatusOr<std::vector<size_t>>
assignNamedInputs(const Function &fn, const std::vector<std::pair<std::string, Tensor>> &named,
                  std::vector<Tensor> &inputs, const std::string &source) {
  if (inputs.size() != fn.inputs().size())
    return Status::error(StatusCode::kInvalidArgument,
                         "@" + fn.name() + " has " + std::to_string(fn.inputs().size()) +
                             " inputs, not " + std::to_string(inputs.size()));
  std::vector<size_t> assigned;
  for (const auto &[name, tensor] : named) {
    StatusOr<size_t> found = fn.inputIndex(name);
    if (!found.ok())
      return Status::error(StatusCode::kInvalidArgument,
                           source + ": tensor '" + name + "' matches no input: " +
                               std::string(found.status().message()));
    size_t index = *found;
    for (size_t earlier : assigned)
      if (earlier == index)
        return Status::error(StatusCode::kInvalidArgument,
                             source + ": tensor '" + name + "' appears twice");
    const InputSpec &spec = fn.inputs()[index];
    TensorView view = tensor.view();
    bool fits = view.dtype == spec.dtype && view.shape.size() == spec.shape.size();
    for (size_t d = 0; fits && d < spec.shape.size(); ++d)
      fits = spec.shape[d] < 0 || spec.shape[d] == view.shape[d];
    if (!fits)
      return Status::error(StatusCode::kInvalidArgument,
                           source + ": tensor '" + name + "' is " +
                               specString(view.dtype, view.shape) + ", but " +
                               inputLabel(fn, index) + " is " +
                               specString(spec.dtype, spec.shape));
    // A dynamic input takes the tensor's extents, as initializeInput's shape does.
    StatusOr<Tensor> copy = Tensor::allocate(view.dtype, view.shape);
    if (!copy.ok())
      return copy.status();
    if (view.numel())
      std::memcpy(copy->data(), view.data, copy->nbytes());
    inputs[index] = std::move(*copy);
    assigned.push_back(index);
  }
  return assigned;
}

std::vector<TensorView> viewsOf(const std::vector<Tensor> &tensors) {
  std::vector<TensorView> views;
  views.reserve(tensors.size());
  for (const Tensor &t : tensors)
    views.push_back(t.view());
  return views;
}

} // namespace kiln::rt
