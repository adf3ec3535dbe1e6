// SPDX-License-Identifier: Apache-2.0
// The CUDA backend's internals: the driver, loaded on first use, its sticky error, the
// caching allocator and the stream compiled code launches on.
#ifndef KILN_RUNTIME_CUDA_BACKEND_H
#define KILN_RUNTIME_CUDA_BACKEND_H

#include "kiln/runtime/Abi.h"

#include <cuda.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace kiln::cuda {

// The driver entry points Kiln uses. cuda.h maps several names to versioned symbols
// (cuMemAlloc -> cuMemAlloc_v2): the table's members, and the symbols looked up, are the
// versioned ones, through the same macros.
#define KILN_CU_FUNCTIONS(X)                                                                   \
  X(cuInit) X(cuGetErrorString) X(cuDeviceGetCount) X(cuDeviceGet) X(cuDeviceGetName)          \
  X(cuDeviceGetAttribute) X(cuDevicePrimaryCtxRetain) X(cuCtxSetCurrent)                       \
  X(cuModuleLoadData) X(cuModuleUnload) X(cuModuleGetFunction) X(cuLaunchKernel)               \
  X(cuStreamCreate) X(cuStreamDestroy) X(cuStreamSynchronize) X(cuStreamWaitEvent)             \
  X(cuEventCreate) X(cuEventDestroy) X(cuEventRecord) X(cuEventSynchronize)                    \
  X(cuMemAlloc) X(cuMemAllocManaged) X(cuMemFree) X(cuMemcpy) X(cuMemcpyAsync)                 \
  X(cuMemsetD32Async) X(cuMemsetD16Async) X(cuMemGetInfo)

struct Driver {
#define KILN_CU_MEMBER(name) decltype(&::name) name = nullptr;
  KILN_CU_FUNCTIONS(KILN_CU_MEMBER)
#undef KILN_CU_MEMBER
};

/// The driver with a current context on the calling thread, or null after recording why
/// not ("no CUDA driver", "no CUDA device").
const Driver *driver();

/// Records `what` failed with `result` unless an error is already recorded; returns false
/// on failure, so that `if (!check(...)) return;` reads naturally.
bool check(CUresult result, const char *what);
void recordError(const std::string &message);
const char *lastError();
void clearError();

/// The stream compiled code launches on: one per thread, created on first use.
CUstream stream();

/// Device memory, 256-byte aligned, from size-binned free lists.
void *allocate(size_t bytes);
void deallocate(void *pointer);
void memoryInUse(size_t *inUse, size_t *cached);
void releaseCached();

/// Runs the CPU library kernel `kernel` on host copies of the device buffers that `layout`
/// describes ([count, inputs, bytes...]), draining the stream first and uploading the
/// outputs before it returns; a kernel that updates its outputs in place (`readsOutputs`)
/// gets their current values (HostStaged.cpp).
void onHostCopies(kiln_kernel_fn kernel, bool readsOutputs, const int64_t *params,
                  void *const *buffers, const int64_t *layout);

/// kiln_cuda_api's gather_rows (Data.cpp).
int gatherRows(void *dst, const void *src, const int64_t *hostRows, int64_t count,
               size_t rowBytes);

} // namespace kiln::cuda

#endif // KILN_RUNTIME_CUDA_BACKEND_H
