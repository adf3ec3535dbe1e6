// SPDX-License-Identifier: Apache-2.0
// Where a module's steps run and where a tensor's memory is.
#ifndef KILN_RUNTIME_DEVICE_H
#define KILN_RUNTIME_DEVICE_H

namespace kiln::rt {

/// kCpu: host memory and host code. kCuda: CUDA device memory and a module compiled with
/// `--device cuda` (libkiln_runtime_cuda; docs/gpu.md).
enum class Device { kCpu, kCuda };

} // namespace kiln::rt

#endif // KILN_RUNTIME_DEVICE_H
