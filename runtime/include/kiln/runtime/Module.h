// SPDX-License-Identifier: Apache-2.0
// Loading kiln-compile's shared libraries: Runtime, Module and the Function signatures.
#ifndef KILN_RUNTIME_MODULE_H
#define KILN_RUNTIME_MODULE_H

#include "kiln/runtime/Abi.h"
#include "kiln/runtime/DType.h"
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct kiln_cuda_api;

namespace kiln::rt {

/// The declared type of one argument or result; an extent of -1 is dynamic.
struct TensorSpec {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
};

/// An entry-point input. A donated input may be overwritten by the call.
struct InputSpec : TensorSpec {
  /// The argument's name in the program (`%w1` is "w1"); empty when it has none.
  std::string name;
  bool donated = false;
  /// How a driver fills this input when the caller gives none (InitSpec.h grammar); empty
  /// when the program does not say.
  std::string init;
  /// The dataset field ("images", "labels") a training driver feeds this input; empty for
  /// state and parameters.
  std::string data;
  /// For a labels input: the number of classes its values index (labels lie in
  /// [0, classes)); 0 when the program does not say.
  int64_t classes = 0;
  /// "parameter" or "optimizer_state" when an optimizer update of the step consumes the
  /// input as such, "architecture" for the alpha of a supernet edge, "rank_state" for state
  /// that differs between the ranks of a data-parallel run (a compressed exchange's error
  /// and estimate); empty otherwise.
  std::string role;
  /// For an "architecture" input: the names of its edge's candidate operations, in order.
  std::vector<std::string> candidates;
  /// For each dimension, the extent variable of the entry point it must equal (an index into
  /// Function::extents()), or -1; empty when no dimension has one.
  std::vector<int> dims;
};

/// An entry-point result. `alias` is -1 when the result goes to its own output buffer, or the
/// index of the input whose buffer receives it in place.
struct ResultSpec : TensorSpec {
  int alias = -1;
};

/// What a training step keeps in memory besides activations, from the inputs' roles.
struct StateAccount {
  int64_t parameters = 0;           ///< elements of the "parameter" inputs
  int64_t parameterBytes = 0;
  int64_t optimizerStateBytes = 0;  ///< bytes of the "optimizer_state" inputs
  int64_t rankStateBytes = 0;       ///< bytes of the "rank_state" inputs (each rank's own)
  /// Optimizer-state bytes per parameter (Adam in f32: 8); 0 without parameters.
  double stateBytesPerParameter() const {
    return parameters ? double(optimizerStateBytes) / double(parameters) : 0.0;
  }
};

/// One entry point of a loaded module. Owned by its Module: a `const Function *` stays valid
/// while any copy of that Module (or a Session built from it) is alive.
class Function {
public:
  /// The entry-point name from the signature (without the kiln_call_ prefix).
  const std::string &name() const { return name_; }
  const std::vector<InputSpec> &inputs() const { return inputs_; }
  const std::vector<ResultSpec> &results() const { return results_; }
  /// The extent variables the inputs' `dims` name: for each, the static extent the program
  /// requires, or -1 where any extent will do as long as every dimension naming it agrees.
  const std::vector<int64_t> &extents() const { return extents_; }
  /// How many caller-allocated output buffers a call takes: the results with alias -1.
  size_t numOutputBuffers() const { return numOutputBuffers_; }
  /// The kiln_call_<name> symbol. Calling it directly skips every check Session::call makes.
  kiln_entry_fn entry() const { return entry_; }
  /// Parameters and optimizer state among the inputs (static shapes only; inputs with a
  /// dynamic dimension are not counted).
  StateAccount stateAccount() const;
  /// The index of the input the program named `name` ("w1", "adam.m.w1"); kNotFound, listing
  /// the names, otherwise.
  StatusOr<size_t> inputIndex(std::string_view name) const;

private:
  friend class Module;
  std::string name_;
  std::vector<InputSpec> inputs_;
  std::vector<ResultSpec> results_;
  std::vector<int64_t> extents_;
  size_t numOutputBuffers_ = 0;
  kiln_entry_fn entry_ = nullptr;
};

/// A shared library written by kiln-compile, loaded and with its signature validated.
/// Immutable, so it may be shared across threads; copies are cheap and share the library,
/// which is unloaded when the last copy (or Session using it) goes away.
class Module {
public:
  /// dlopens `soPath` (RTLD_NOW | RTLD_LOCAL) and checks it against this runtime's ABI.
  /// Errors name the path: kNotFound when the file is missing; kFailedPrecondition when it was
  /// built for another KILN_ABI_VERSION, or compiled for CUDA where no GPU can run it (the
  /// message says why: no driver, no device); kInvalidArgument when it is not a loadable shared
  /// library, lacks the kiln_module_* symbols, has malformed or inconsistent signature JSON, or
  /// misses an entry's kiln_call_ symbol. In the JSON, "donated" defaults to false, "alias" to
  /// -1 and "symbol" to "kiln_call_<name>"; unknown keys are ignored.
  static StatusOr<Module> load(const std::string &soPath);

  /// The entry point called `name`; kNotFound (listing the available ones) otherwise.
  StatusOr<const Function *> lookup(std::string_view name) const;
  /// The entry-point names, in signature order.
  std::vector<std::string> entryPoints() const;
  /// The path the module was loaded from.
  const std::string &path() const;
  /// Where its steps run: kCuda for a module compiled with `--device cuda`. Session::call
  /// takes host tensors either way (a CUDA module's are copied to and from the device),
  /// and a CUDA module's also takes device tensors (DeviceTensor), which it uses in place.
  Device device() const;
  /// A CUDA module's backend (device memory, copies, errors; kiln/runtime/cuda/CudaApi.h),
  /// null for a CPU module.
  const kiln_cuda_api *cudaBackend() const;
  /// True when `fn` is one of this module's entry points (not merely an equal one).
  bool contains(const Function &fn) const;

private:
  struct State;
  explicit Module(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

/// Process-wide settings for a Runtime.
struct RuntimeOptions {
  /// Threads of the process-wide pool that compiled parallel loops run on (OpenMP's, shared
  /// with oneDNN); 0 keeps OMP_NUM_THREADS, or else the hardware concurrency.
  int threads = 0;
  /// Library kernels give the same bits for any number of threads. The one kernel that costs
  /// something for it is the convolution filter gradient, whose batch sum oneDNN would split
  /// over its threads: it runs in fixed chunks of the batch, summed in order
  /// (bench/README.md measures the cost). Process-wide, like the thread pool.
  bool deterministic = true;
};

/// The process-wide root object: backends and allocators hang off it, and it loads modules.
/// Create one per process and keep it alive while sessions run.
class Runtime {
public:
  /// kInvalidArgument for negative `options.threads`.
  static StatusOr<std::unique_ptr<Runtime>> create(const RuntimeOptions &options = {});

  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;

  /// Loads a module written by kiln-compile; see Module::load for the errors.
  StatusOr<Module> loadModule(const std::string &soPath);

  const RuntimeOptions &options() const { return options_; }

private:
  explicit Runtime(const RuntimeOptions &options) : options_(options) {}
  RuntimeOptions options_;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_MODULE_H
