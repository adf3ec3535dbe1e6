// SPDX-License-Identifier: Apache-2.0
// The host functions that MLIR's gpu-to-llvm lowering makes compiled code call (mgpu*):
// loading the embedded kernels, launching them, streams, events and device memory. Debian
// ships no MLIR CUDA runtime library, and Kiln's must not abort: every failure is recorded
// (Backend.h) and the call becomes a no-op, so the runtime reports it after the step
// returns instead of the process dying in a global constructor on a machine without a GPU.
#include "Backend.h"

#include <cstdint>

#define KILN_MGPU extern "C" __attribute__((visibility("default")))

using namespace kiln::cuda;

// Called from the module's global constructor, when the runtime dlopens it.
KILN_MGPU CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  const Driver *d = driver();
  if (!d)
    return nullptr;
  CUmodule module = nullptr;
  if (!check(d->cuModuleLoadData(&module, data),
             "loading the module's kernels (cuModuleLoadData; a fatbin for sm_80 and sm_90)"))
    return nullptr;
  return module;
}

KILN_MGPU CUmodule mgpuModuleLoadJIT(void *data, int /*optLevel*/) {
  return mgpuModuleLoad(data, 0);
}

KILN_MGPU void mgpuModuleUnload(CUmodule module) {
  const Driver *d = driver();
  if (d && module)
    check(d->cuModuleUnload(module), "cuModuleUnload");
}

KILN_MGPU CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  const Driver *d = driver();
  if (!d || !module)
    return nullptr;
  CUfunction function = nullptr;
  if (!check(d->cuModuleGetFunction(&function, module, name),
             (std::string("cuModuleGetFunction(") + name + ")").c_str()))
    return nullptr;
  return function;
}

KILN_MGPU void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                                intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                                intptr_t blockZ, int32_t sharedMemory, CUstream stream,
                                void **params, void **extra, size_t /*paramsCount*/) {
  const Driver *d = driver();
  if (!d || !function || lastError())
    return; // after an error nothing more runs: the step's results are reported invalid
  if (gridX <= 0 || gridY <= 0 || gridZ <= 0)
    return; // an empty iteration space launches nothing
  check(d->cuLaunchKernel(function, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
                          unsigned(blockX), unsigned(blockY), unsigned(blockZ),
                          unsigned(sharedMemory), stream, params, extra),
        "cuLaunchKernel");
}

// The lowering brackets every launch with a stream of its own; one long-lived stream per
// thread serves them all, so a step costs no stream creation.
KILN_MGPU CUstream mgpuStreamCreate() { return kiln::cuda::stream(); }
KILN_MGPU void mgpuStreamDestroy(CUstream) {}

KILN_MGPU void mgpuStreamSynchronize(CUstream stream) {
  const Driver *d = driver();
  if (d)
    check(d->cuStreamSynchronize(stream), "running the step's kernels (cuStreamSynchronize)");
}

KILN_MGPU void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  const Driver *d = driver();
  if (d && event)
    check(d->cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

KILN_MGPU CUevent mgpuEventCreate() {
  const Driver *d = driver();
  CUevent event = nullptr;
  if (d)
    check(d->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  return event;
}

KILN_MGPU void mgpuEventDestroy(CUevent event) {
  const Driver *d = driver();
  if (d && event)
    check(d->cuEventDestroy(event), "cuEventDestroy");
}

KILN_MGPU void mgpuEventSynchronize(CUevent event) {
  const Driver *d = driver();
  if (d && event)
    check(d->cuEventSynchronize(event), "cuEventSynchronize");
}

KILN_MGPU void mgpuEventRecord(CUevent event, CUstream stream) {
  const Driver *d = driver();
  if (d && event)
    check(d->cuEventRecord(event, stream), "cuEventRecord");
}

// Temporaries of a step: from the caching allocator, so that a step's buffers are recycled
// by the next one without synchronizing the device.
KILN_MGPU void *mgpuMemAlloc(uint64_t bytes, CUstream /*stream*/, bool isHostShared) {
  if (!isHostShared)
    return allocate(bytes);
  const Driver *d = driver();
  CUdeviceptr pointer = 0;
  if (!d || !check(d->cuMemAllocManaged(&pointer, bytes ? bytes : 1, CU_MEM_ATTACH_GLOBAL),
                   "cuMemAllocManaged"))
    return nullptr;
  return reinterpret_cast<void *>(pointer);
}

KILN_MGPU void mgpuMemFree(void *pointer, CUstream stream) {
  // Work queued on the stream may still read the block: the next user of a cached block
  // runs on the same per-thread stream, after it, so ordering is kept without a wait.
  (void)stream;
  deallocate(pointer);
}

KILN_MGPU void mgpuMemcpy(void *dst, void *src, size_t bytes, CUstream stream) {
  const Driver *d = driver();
  if (d && bytes)
    check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst), reinterpret_cast<CUdeviceptr>(src),
                           bytes, stream),
          "cuMemcpyAsync");
}

KILN_MGPU void mgpuMemset32(void *dst, unsigned int value, size_t count, CUstream stream) {
  const Driver *d = driver();
  if (d && count)
    check(d->cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count, stream),
          "cuMemsetD32Async");
}

KILN_MGPU void mgpuMemset16(void *dst, unsigned short value, size_t count, CUstream stream) {
  const Driver *d = driver();
  if (d && count)
    check(d->cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count, stream),
          "cuMemsetD16Async");
}

KILN_MGPU void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0)
    recordError("mgpuSetDefaultDevice(" + std::to_string(device) +
                "): Kiln picks the device with KILN_CUDA_DEVICE");
}
