// SPDX-License-Identifier: Apache-2.0
// A step's tensors set up from its signature, as kiln-run sets them up before the first call:
// what an application embedding the runtime needs before its own training loop.
#ifndef KILN_RUNTIME_STATE_H
#define KILN_RUNTIME_STATE_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
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

/// Views of `tensors`, in order, for Session::call.
std::vector<TensorView> viewsOf(const std::vector<Tensor> &tensors);

} // namespace kiln::rt

#endif // KILN_RUNTIME_STATE_H
