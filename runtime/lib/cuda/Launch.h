// SPDX-License-Identifier: Apache-2.0
// The runtime's own device kernels (runtime/lib/cuda/kernels/*.cu, compiled by nvcc into
// fatbins embedded in this library) and how the host side launches them: through the
// driver, on the stream of the step's kernels, like the code MLIR generates.
#ifndef KILN_RUNTIME_CUDA_LAUNCH_H
#define KILN_RUNTIME_CUDA_LAUNCH_H

#include "Backend.h"

#include <cstdint>

namespace kiln::cuda {

/// An embedded fatbin: one per .cu file of runtime/lib/cuda/kernels.
enum class Image { kWindow, kRandom, kData };

/// `name` of `image`, loading the image into the context on first use; null after recording
/// why not.
CUfunction function(Image image, const char *name);

/// Launches `name` over `items` work items (grid-stride kernels: 256 threads a block, at most
/// 65535 blocks) with `args`, the kernel's parameters. A no-op after an earlier error.
template <typename... Args>
void launch(Image image, const char *name, int64_t items, Args... args) {
  if (lastError() || items <= 0)
    return;
  const Driver *d = driver();
  CUfunction f = d ? function(image, name) : nullptr;
  if (!f)
    return;
  constexpr int64_t kThreads = 256, kMaxBlocks = 65535;
  int64_t blocks = (items + kThreads - 1) / kThreads;
  void *params[] = {static_cast<void *>(&args)...};
  check(d->cuLaunchKernel(f, unsigned(blocks < kMaxBlocks ? blocks : kMaxBlocks), 1, 1,
                          unsigned(kThreads), 1, 1, 0, stream(), params, nullptr),
        name);
}

} // namespace kiln::cuda

#endif // KILN_RUNTIME_CUDA_LAUNCH_H
