// SPDX-License-Identifier: Apache-2.0
// A step's tensors set up from its signature, as kiln-run sets them up before the first call:
// what an application embedding the runtime needs before its own training loop.
#ifndef KILN_RUNTIME_STATE_H
#define KILN_RUNTIME_STATE_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln::rt {

/// The Philox seed of input `index` under a run's `seed`: each input draws its own stream, so
/// adding an input changes none of the others (kiln-run's `--seed` uses the same).
uint64_t inputSeed(uint64_t seed, size_t index);

/// Allocates input `index` of `fn` and fills it as its signature's "init" says (zeros when it
/// has none; data inputs are zeros until a batch is copied in). An input with a dynamic
/// dimension takes its extents from `shape`, whose static dimensions must match. Errors name
/// the input ("input 3 (w1)").
StatusOr<Tensor> initializeInput(const Function &fn, size_t index, uint64_t seed,
                                 const std::vector<int64_t> &shape = {});

/// Every input of `fn`, initialised as above (an input with a dynamic dimension is an error:
/// give its shape to initializeInput).
StatusOr<std::vector<Tensor>> initializeInputs(const Function &fn, uint64_t seed);

/// One buffer per result that is not computed in place (alias -1), in result order: the
/// `outputs` Session::call takes.
StatusOr<std::vector<Tensor>> allocateOutputs(const Function &fn);

/// Copies each of `named` into the input of `fn` with the same name (the program's
/// `kiln.name`, as a checkpoint of its tensors or kiln-import-onnx's weights name them):
/// starting values for some inputs, the others left as they are. Strict, so a file meant for
/// another program fails loudly rather than leaving inputs at their initialisers: each
/// tensor's dtype and shape must be its input's, and a name that matches no input, or
/// appears twice, is kInvalidArgument naming it and `source`. `inputs` holds one tensor per
/// input of `fn`. Returns the indices of the inputs it set, in `named`'s order.
StatusOr<std::vector<size_t>>
assignNamedInputs(const Function &fn, const std::vector<std::pair<std::string, Tensor>> &named,
                  std::vector<Tensor> &inputs, const std::string &source);

/// Views of `tensors`, in order, for Session::call.
std::vector<TensorView> viewsOf(const std::vector<Tensor> &tensors);

} // namespace kiln::rt

#endif // KILN_RUNTIME_STATE_H
