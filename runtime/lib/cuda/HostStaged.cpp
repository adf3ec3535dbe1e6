// SPDX-License-Identifier: Apache-2.0
// The library kernels that have no device version yet (FRUGAL, the transport regularizers,
// the NTK's spectrum and Gram matrix, the compressed exchange): kiln_cuda_<kernel> runs the
// CPU kernel
// (libkiln_runtime) on host copies of its buffers. The stream is drained first and the
// outputs uploaded before it returns, so the step stays in order; the cost is the transfer
// of every buffer the kernel reads or writes (docs/gpu.md says which kernels pay it).
#include "Backend.h"

#include "kiln/runtime/Abi.h"

#include <cstdint>
#include <vector>

void kiln::cuda::onHostCopies(kiln_kernel_fn kernel, bool readsOutputs, const int64_t *params,
                              void *const *buffers, const int64_t *layout) {
  const Driver *d = lastError() ? nullptr : driver();
  if (!d)
    return;
  const int64_t count = layout[0], inputs = layout[1];
  const int64_t *bytes = layout + 2;
  std::vector<std::vector<unsigned char>> host(static_cast<size_t>(count));
  std::vector<void *> pointers(static_cast<size_t>(count));
  CUstream s = stream();
  for (int64_t i = 0; i < count; ++i) {
    host[i].resize(static_cast<size_t>(bytes[i]));
    pointers[i] = host[i].data();
    if ((i < inputs || readsOutputs) && bytes[i] > 0 &&
        !check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(host[i].data()),
                                reinterpret_cast<CUdeviceptr>(buffers[i]), size_t(bytes[i]), s),
               "staging a kernel's buffer to the host"))
      return;
  }
  if (!check(d->cuStreamSynchronize(s), "staging a kernel's buffers to the host"))
    return;
  kernel(params, pointers.data());
  for (int64_t i = inputs; i < count; ++i)
    if (bytes[i] > 0 &&
        !check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(buffers[i]),
                                reinterpret_cast<CUdeviceptr>(host[i].data()), size_t(bytes[i]),
                                s),
               "returning a kernel's output to the device"))
      return;
  // The host copies die with this frame: the uploads must be done before it returns.
  check(d->cuStreamSynchronize(s), "returning a kernel's outputs to the device");
}

#define KILN_CUDA_STAGED(name, reads)                                                        \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f32(             \
      const int64_t *params, void *const *buffers, const int64_t *layout) {                  \
    kiln::cuda::onHostCopies(kiln_##name##_f32, reads, params, buffers, layout);             \
  }                                                                                          \
  extern "C" __attribute__((visibility("default"))) void kiln_cuda_##name##_f64(             \
      const int64_t *params, void *const *buffers, const int64_t *layout) {                  \
    kiln::cuda::onHostCopies(kiln_##name##_f64, reads, params, buffers, layout);             \
  }
KILN_CUDA_STAGED(frugal, true)
KILN_CUDA_STAGED(frugal_blocks, true)
KILN_CUDA_STAGED(monge_gap, false)
KILN_CUDA_STAGED(sinkhorn_divergence, false)
KILN_CUDA_STAGED(spectrum, false)
KILN_CUDA_STAGED(gram, false)
// The selection and error control are CPU kernels; the message goes through the world
// communicator (MPI) from the host copies.
KILN_CUDA_STAGED(compressed_exchange, true)
