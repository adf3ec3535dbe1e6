// SPDX-License-Identifier: Apache-2.0
// Calling a module's entry points with checked arguments: Session.
#ifndef KILN_RUNTIME_SESSION_H
#define KILN_RUNTIME_SESSION_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <vector>

namespace kiln::rt {

/// Per-session settings.
struct SessionOptions {
  /// Base seed for the session's random streams. call() does not consume it (entry points
  /// take their RNG keys as explicit inputs); it is kept so a driver derives its keys and
  /// initial values (fillNormal, fillUniform) from the one seed a run is reproduced from.
  uint64_t seed = 0;
};

/// Runs the entry points of one module. Thread-compatible: use one Session per thread (it
/// reuses scratch buffers between calls); the Module itself may be shared.
///
/// Arguments follow Abi.h: `inputs` are the entry's inputs in order, `outputs` one buffer per
/// result whose alias is -1, in result order. A result with alias j is computed in place, so
/// after the call it is found in input j's buffer; inputs marked donated may be overwritten
/// even when no result aliases them. Other inputs are only read.
class Session {
public:
  /// A session over `module`, which it keeps loaded. `runtime` must outlive the session.
  static StatusOr<Session> create(Runtime &runtime, const Module &module,
                                  const SessionOptions &options = {});

  /// Calls `fn` with caller-allocated outputs. Before calling, checks (kInvalidArgument, with
  /// a message naming the entry point and argument) that `fn` belongs to this session's
  /// module; the input and output counts; each argument's dtype, rank and static extents
  /// (dynamic extents accept any size >= 0); that no argument with elements has a null data
  /// pointer; that no argument the call writes (a donated or aliased input, an output)
  /// overlaps another argument; that dynamic extents the program uses together agree (the
  /// signature's extent variables); that every label of a labels input lies in
  /// [0, classes); and that no argument is in GPU memory unless the module is a CUDA one.
  /// Whatever passes these checks, compiled code runs within its buffers. A CUDA module
  /// takes host arguments (copied to the device and, where the step writes them, back) and
  /// device ones (DeviceTensor views, used in place).
  Status call(const Function &fn, const std::vector<TensorView> &inputs,
              const std::vector<TensorView> &outputs);

  /// Calls `fn`, allocating one Tensor per result with alias -1 and returning them in result
  /// order. Aliased results are, as above, found in their inputs afterwards.
  StatusOr<std::vector<Tensor>> call(const Function &fn, const std::vector<TensorView> &inputs);

  Runtime &runtime() const { return *runtime_; }
  const Module &module() const { return module_; }
  const SessionOptions &options() const { return options_; }

private:
  Session(Runtime &runtime, Module module, const SessionOptions &options);
  Status callOnDevice(const Function &fn, const std::vector<TensorView> &inputs,
                      const std::vector<TensorView> &outputs);

  Runtime *runtime_;
  Module module_;
  SessionOptions options_;
  // Reused across calls so the steady-state call path does not allocate.
  std::vector<int64_t> descriptorWords_;
  std::vector<void *> argPointers_;
  std::vector<std::pair<size_t, size_t>> extentScratch_;
  std::vector<uint8_t> labelScratch_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_SESSION_H
