// SPDX-License-Identifier: Apache-2.0
// Argument checking and the memref-descriptor calling convention of Abi.h.
#include "kiln/runtime/Session.h"
#include "kiln/runtime/cuda/CudaApi.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace kiln::rt {
namespace {
static_assert(sizeof(void *) == sizeof(int64_t),
              "descriptors are packed as 64-bit words, which matches MLIR's layout only where "
              "pointers are 64 bits wide");

// "input 3 (w1)": the index the C API uses and the name the program gave the argument.
std::string argLabel(const Function &fn, size_t index) {
  size_t numInputs = fn.inputs().size();
  if (index >= numInputs)
    return "output " + std::to_string(index - numInputs);
  const std::string &name = fn.inputs()[index].name;
  return "input " + std::to_string(index) + (name.empty() ? "" : " (" + name + ")");
}

Status badArgument(const Function &fn, size_t index, const std::string &what) {
  return Status::error(StatusCode::kInvalidArgument,
                       fn.name() + ": " + argLabel(fn, index) + ": " + what);
}

std::string typeText(const TensorSpec &spec) {
  return std::string(dtypeName(spec.dtype)) + shapeToString(spec.shape);
}

Status checkArgument(const Function &fn, size_t index, const TensorSpec &spec,
                     const TensorView &view) {
  if (view.dtype != spec.dtype)
    return badArgument(fn, index, "expected dtype " + std::string(dtypeName(spec.dtype)) +
                                      ", got " + std::string(dtypeName(view.dtype)));
  if (view.shape.size() != spec.shape.size())
    return badArgument(fn, index, "expected rank " + std::to_string(spec.shape.size()) + " (" +
                                      typeText(spec) + "), got rank " +
                                      std::to_string(view.shape.size()) + " " +
                                      shapeToString(view.shape));
  for (size_t d = 0; d < spec.shape.size(); ++d) {
    if (view.shape[d] < 0)
      return badArgument(fn, index, "negative extent in shape " + extentsToString(view.shape));
    if (spec.shape[d] != -1 && view.shape[d] != spec.shape[d])
      return badArgument(fn, index, "dim " + std::to_string(d) + " is " +
                                        std::to_string(view.shape[d]) + ", expected " +
                                        std::to_string(spec.shape[d]) + " (" + typeText(spec) +
                                        ")");
  }
  StatusOr<size_t> nbytes = checkedByteSize(view.dtype, view.shape);
  if (!nbytes.ok())
    return badArgument(fn, index, std::string(nbytes.status().message()));
  if (!view.data && *nbytes > 0)
    return badArgument(fn, index, "null data pointer for " + std::to_string(*nbytes) + " bytes");
  return Status();
}

struct Span {
  uintptr_t begin, end;
  size_t arg;
  bool written;
};

// A step that writes a buffer another argument reads (or writes) would see its own partial
// results, so any overlap that involves a written argument is rejected. Sorting by start makes
// this O(n log n): an overlapping pair is caught when its later-starting member meets the
// furthest end seen so far, tracked separately for written spans and for all spans.
Status checkNoWrittenOverlap(const Function &fn, const std::vector<TensorView> &inputs,
                             const std::vector<TensorView> &outputs) {
  std::vector<Span> spans;
  spans.reserve(inputs.size() + outputs.size());
  auto add = [&](const TensorView &view, size_t arg, bool written) {
    uintptr_t begin = reinterpret_cast<uintptr_t>(view.data);
    spans.push_back({begin, begin + view.nbytes(), arg, written});
  };
  for (size_t i = 0; i < inputs.size(); ++i)
    add(inputs[i], i, fn.inputs()[i].donated);
  for (const ResultSpec &result : fn.results())
    if (result.alias >= 0)
      spans[result.alias].written = true;
  for (size_t j = 0; j < outputs.size(); ++j)
    add(outputs[j], inputs.size() + j, true);
  spans.erase(std::remove_if(spans.begin(), spans.end(),
                             [](const Span &s) { return s.begin == s.end; }),
              spans.end());
  std::sort(spans.begin(), spans.end(),
            [](const Span &a, const Span &b) { return a.begin < b.begin; });

  const Span *furthest = nullptr;        // the span reaching furthest so far
  const Span *furthestWritten = nullptr; // the written span reaching furthest so far
  for (const Span &span : spans) {
    const Span *other = nullptr;
    if (span.written && furthest && span.begin < furthest->end)
      other = furthest;
    else if (furthestWritten && span.begin < furthestWritten->end)
      other = furthestWritten;
    if (other) {
      size_t a = std::min(span.arg, other->arg), b = std::max(span.arg, other->arg);
      return badArgument(fn, b, "shares memory with " + argLabel(fn, a) +
                                    ", and the call writes one of them (donated or aliased "
                                    "inputs and outputs must not overlap other arguments)");
    }
    if (!furthest || span.end > furthest->end)
      furthest = &span;
    if (span.written && (!furthestWritten || span.end > furthestWritten->end))
      furthestWritten = &span;
  }
  return Status();
}

// Extents the program uses together (Abi.h "dims", "extents"): every dimension naming a
// variable must have the variable's static extent, or the extent its first dimension has.
Status checkExtentTies(const Function &fn, const std::vector<TensorView> &inputs,
                       std::vector<std::pair<size_t, size_t>> &firstSeen) {
  const std::vector<int64_t> &extents = fn.extents();
  if (extents.empty())
    return Status();
  firstSeen.assign(extents.size(), {SIZE_MAX, 0});
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<int> &dims = fn.inputs()[i].dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (dims[d] < 0)
        continue;
      int64_t extent = inputs[i].shape[d];
      int64_t required = extents[dims[d]];
      if (required >= 0 && extent != required)
        return badArgument(fn, i, "dim " + std::to_string(d) + " is " + std::to_string(extent) +
                                      ", but the program uses it with an extent of " +
                                      std::to_string(required));
      auto &[input, dim] = firstSeen[dims[d]];
      if (input == SIZE_MAX) {
        input = i;
        dim = d;
      } else if (inputs[input].shape[dim] != extent) {
        return badArgument(fn, i, "dim " + std::to_string(d) + " is " + std::to_string(extent) +
                                      ", but " + argLabel(fn, input) + " dim " +
                                      std::to_string(dim) + " is " +
                                      std::to_string(inputs[input].shape[dim]) +
                                      ": the program uses them together, so they must agree");
      }
    }
  }
  return Status();
}

template <typename T> Status checkLabelRange(const Function &fn, size_t index, const T *labels,
                                             int64_t count, int64_t classes) {
  for (int64_t k = 0; k < count; ++k)
    if (labels[k] < 0 || labels[k] >= classes)
      return badArgument(fn, index, "label " + std::to_string(static_cast<int64_t>(labels[k])) +
                                        " at element " + std::to_string(k) +
                                        " is outside [0, " + std::to_string(classes) +
                                        "): the program indexes " + std::to_string(classes) +
                                        " classes with it");
  return Status();
}

// Labels index a row of logits (Abi.h "classes"): one outside [0, classes) would make the
// step read out of bounds, so every call checks them (a pass over the labels, not the batch;
// labels on the device are copied back for it, a few hundred bytes).
Status checkLabels(const Function &fn, const std::vector<TensorView> &inputs,
                   const kiln_cuda_api *cuda, std::vector<uint8_t> &scratch) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    int64_t classes = fn.inputs()[i].classes;
    if (classes <= 0)
      continue;
    TensorView view = inputs[i];
    if (view.device == Device::kCuda) {
      scratch.resize(view.nbytes());
      if (!cuda || cuda->to_host(scratch.data(), view.data, view.nbytes()) != 0)
        return badArgument(fn, i, "cannot read its labels back from the device to check them");
      view.data = scratch.data();
    }
    if (view.dtype == DType::I64)
      KILN_RETURN_IF_ERROR(checkLabelRange(fn, i, static_cast<const int64_t *>(view.data),
                                           view.numel(), classes));
    else if (view.dtype == DType::I32)
      KILN_RETURN_IF_ERROR(checkLabelRange(fn, i, static_cast<const int32_t *>(view.data),
                                           view.numel(), classes));
  }
  return Status();
}

size_t descriptorWords(const TensorView &view) { return 3 + 2 * view.shape.size(); }

// Writes {allocated, aligned, offset, sizes[rank], strides[rank]} as Abi.h lays it out.
void writeDescriptor(const TensorView &view, int64_t *words) {
  std::memcpy(&words[0], &view.data, sizeof(void *));
  std::memcpy(&words[1], &view.data, sizeof(void *));
  words[2] = 0;
  size_t rank = view.shape.size();
  // Unsigned so that a zero-extent tensor with huge other extents cannot overflow; its strides
  // are never used to address anything.
  uint64_t stride = 1;
  for (size_t d = rank; d-- > 0;) {
    words[3 + d] = view.shape[d];
    words[3 + rank + d] = static_cast<int64_t>(stride);
    stride *= static_cast<uint64_t>(view.shape[d]);
  }
}
} // namespace

Session::Session(Runtime &runtime, Module module, const SessionOptions &options)
    : runtime_(&runtime), module_(std::move(module)), options_(options) {}

StatusOr<Session> Session::create(Runtime &runtime, const Module &module,
                                  const SessionOptions &options) {
  return Session(runtime, module, options);
}

Status Session::call(const Function &fn, const std::vector<TensorView> &inputs,
                     const std::vector<TensorView> &outputs) {
  if (!module_.contains(fn))
    return Status::error(StatusCode::kInvalidArgument,
                         fn.name() + ": not an entry point of this session's module '" +
                             module_.path() + "'; look it up in that module");
  if (inputs.size() != fn.inputs().size())
    return Status::error(StatusCode::kInvalidArgument,
                         fn.name() + ": expected " + std::to_string(fn.inputs().size()) +
                             " inputs, got " + std::to_string(inputs.size()));
  if (outputs.size() != fn.numOutputBuffers())
    return Status::error(StatusCode::kInvalidArgument,
                         fn.name() + ": expected " + std::to_string(fn.numOutputBuffers()) +
                             " output buffers (one per result with alias -1), got " +
                             std::to_string(outputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    KILN_RETURN_IF_ERROR(checkArgument(fn, i, fn.inputs()[i], inputs[i]));
  size_t output = 0;
  for (const ResultSpec &result : fn.results())
    if (result.alias == -1) {
      KILN_RETURN_IF_ERROR(checkArgument(fn, inputs.size() + output, result, outputs[output]));
      ++output;
    }
  // Device memory is for a CUDA module only; a CPU step would dereference it.
  if (module_.device() != Device::kCuda)
    for (size_t i = 0; i < inputs.size() + outputs.size(); ++i) {
      const TensorView &view = i < inputs.size() ? inputs[i] : outputs[i - inputs.size()];
      if (view.device != Device::kCpu)
        return badArgument(fn, i, "is in GPU memory, but module '" + module_.path() +
                                      "' runs on the CPU");
    }
  KILN_RETURN_IF_ERROR(checkNoWrittenOverlap(fn, inputs, outputs));
  KILN_RETURN_IF_ERROR(checkExtentTies(fn, inputs, extentScratch_));
  KILN_RETURN_IF_ERROR(checkLabels(fn, inputs, module_.cudaBackend(), labelScratch_));

  if (module_.device() == Device::kCuda)
    return callOnDevice(fn, inputs, outputs);

  size_t numWords = 0;
  for (const TensorView &view : inputs)
    numWords += descriptorWords(view);
  for (const TensorView &view : outputs)
    numWords += descriptorWords(view);
  descriptorWords_.resize(numWords);
  argPointers_.clear();
  int64_t *words = descriptorWords_.data();
  for (const std::vector<TensorView> *group : {&inputs, &outputs})
    for (const TensorView &view : *group) {
      writeDescriptor(view, words);
      argPointers_.push_back(words);
      words += descriptorWords(view);
    }
  fn.entry()(argPointers_.data());
  return Status();
}

// A CUDA module's step reads and writes device memory: device arguments (DeviceTensor) are
// used in place; host ones are copied in, and what the step wrote to them (outputs, donated
// inputs) is copied back.
Status Session::callOnDevice(const Function &fn, const std::vector<TensorView> &inputs,
                             const std::vector<TensorView> &outputs) {
  const kiln_cuda_api *cuda = module_.cudaBackend();
  std::vector<void *> device;
  auto release = [&] {
    for (void *p : device)
      cuda->free(p);
  };
  auto failed = [&](const std::string &what) {
    std::string why = cuda->error() ? cuda->error() : "unknown CUDA error";
    cuda->clear_error();
    release();
    return Status::error(StatusCode::kInternal, fn.name() + ": " + what + " on the GPU: " + why);
  };
  std::vector<TensorView> views;
  views.reserve(inputs.size() + outputs.size());
  for (size_t group = 0; group < 2; ++group)
    for (size_t i = 0; i < (group ? outputs.size() : inputs.size()); ++i) {
      const TensorView &host = group ? outputs[i] : inputs[i];
      if (host.device == Device::kCuda) {
        views.push_back(host);
        continue;
      }
      size_t bytes = host.nbytes();
      void *buffer = cuda->alloc(bytes);
      if (!buffer)
        return failed("allocating " + std::to_string(bytes) + " bytes");
      device.push_back(buffer);
      if (group == 0 && cuda->to_device(buffer, host.data, bytes) != 0)
        return failed("copying input " + std::to_string(i));
      TensorView view = host;
      view.data = buffer;
      views.push_back(view);
    }
  size_t numWords = 0;
  for (const TensorView &view : views)
    numWords += descriptorWords(view);
  descriptorWords_.resize(numWords);
  argPointers_.clear();
  int64_t *words = descriptorWords_.data();
  for (const TensorView &view : views) {
    writeDescriptor(view, words);
    argPointers_.push_back(words);
    words += descriptorWords(view);
  }
  fn.entry()(argPointers_.data());
  if (cuda->synchronize() != 0 || cuda->error())
    return failed("the step failed");
  for (size_t i = 0; i < views.size(); ++i) {
    bool isOutput = i >= inputs.size();
    if (!isOutput && !fn.inputs()[i].donated)
      continue;
    const TensorView &host = isOutput ? outputs[i - inputs.size()] : inputs[i];
    if (host.device == Device::kCuda)
      continue; // computed in place
    if (cuda->to_host(host.data, views[i].data, host.nbytes()) != 0)
      return failed("copying back argument " + std::to_string(i));
  }
  release();
  return Status();
}

StatusOr<std::vector<Tensor>> Session::call(const Function &fn,
                                            const std::vector<TensorView> &inputs) {
  std::vector<Tensor> results;
  std::vector<TensorView> views;
  results.reserve(fn.numOutputBuffers());
  views.reserve(fn.numOutputBuffers());
  for (const ResultSpec &result : fn.results())
    if (result.alias == -1) {
      KILN_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(result.dtype, result.shape));
      views.push_back(tensor.view());
      results.push_back(std::move(tensor));
    }
  KILN_RETURN_IF_ERROR(call(fn, inputs, views));
  return results;
}

} // namespace kiln::rt
