// SPDX-License-Identifier: Apache-2.0
// A stand-in for NVIDIA's libcuda.so.1, for testing libkiln_runtime_cuda where no GPU is:
// device memory is host memory (zeroed), copies are memcpy, streams and events do nothing,
// and a kernel launch runs nothing but is counted and checked (a loaded module, a known
// kernel name, a non-empty grid). Modules must be fatbins (their magic number is checked),
// which is what kiln-to-nvvm embeds. It cannot say whether a kernel computes the right
// thing (test/Gpu/cpu-equals-gpu.test does, on a GPU); it tests everything around that.
//
// Environment: FAKE_CUDA_DEVICES (default 1), FAKE_CUDA_FAIL_LAUNCH=N (the N-th launch fails
// with CUDA_ERROR_LAUNCH_FAILED), FAKE_CUDA_STATS=1 (counts printed at exit, to stderr).
#include <cuda.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>

#define FAKE_API extern "C" __attribute__((visibility("default")))

namespace {
std::atomic<long> launches{0}, allocations{0}, frees{0}, copies{0}, modules{0};
std::atomic<long> liveBytes{0};
std::mutex liveMutex;
std::set<CUdeviceptr> live;

struct Module {
  std::string magic;
};
struct Function {
  std::string name;
};

struct Stats {
  ~Stats() {
    if (std::getenv("FAKE_CUDA_STATS"))
      std::fprintf(stderr,
                   "fake-cuda: modules %ld, launches %ld, cuMemAlloc %ld, cuMemFree %ld, "
                   "copies %ld\n",
                   modules.load(), launches.load(), allocations.load(), frees.load(),
                   copies.load());
  }
} stats;

int deviceCount() {
  const char *env = std::getenv("FAKE_CUDA_DEVICES");
  return env ? std::atoi(env) : 1;
}
} // namespace

FAKE_API CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case CUDA_SUCCESS: *text = "no error"; break;
  case CUDA_ERROR_LAUNCH_FAILED: *text = "unspecified launch failure (fake driver)"; break;
  case CUDA_ERROR_INVALID_VALUE: *text = "invalid argument (fake driver)"; break;
  case CUDA_ERROR_INVALID_IMAGE: *text = "device kernel image is invalid (fake driver)"; break;
  case CUDA_ERROR_NOT_FOUND: *text = "named symbol not found (fake driver)"; break;
  case CUDA_ERROR_NO_DEVICE: *text = "no CUDA-capable device is detected (fake driver)"; break;
  default: *text = "error (fake driver)"; break;
  }
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuInit(unsigned int) { return CUDA_SUCCESS; }
FAKE_API CUresult cuDeviceGetCount(int *count) {
  *count = deviceCount();
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal < 0 || ordinal >= deviceCount())
    return CUDA_ERROR_INVALID_VALUE;
  *device = ordinal;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGetName(char *name, int len, CUdevice) {
  std::snprintf(name, size_t(len), "Kiln fake CUDA device");
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute, CUdevice) {
  *value = attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR   ? 9
           : attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR ? 0
                                                                        : 1;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  static int token;
  *context = reinterpret_cast<CUcontext>(&token);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

FAKE_API CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  // A fatbin starts with the magic 0xBA55ED50 (little-endian).
  uint32_t magic = 0;
  if (!image)
    return CUDA_ERROR_INVALID_VALUE;
  std::memcpy(&magic, image, sizeof magic);
  if (magic != 0xBA55ED50u)
    return CUDA_ERROR_INVALID_IMAGE;
  ++modules;
  *module = reinterpret_cast<CUmodule>(new Module{"fatbin"});
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleUnload(CUmodule module) {
  delete reinterpret_cast<Module *>(module);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
  if (!module || !name || !*name)
    return CUDA_ERROR_NOT_FOUND;
  *function = reinterpret_cast<CUfunction>(new Function{name});
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz,
                                 unsigned bx, unsigned by, unsigned bz, unsigned, CUstream,
                                 void **params, void **) {
  long n = ++launches;
  const char *fail = std::getenv("FAKE_CUDA_FAIL_LAUNCH");
  if (fail && std::atol(fail) == n)
    return CUDA_ERROR_LAUNCH_FAILED;
  if (!function || !params || gx * gy * gz == 0 || bx * by * bz == 0 || bx * by * bz > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

FAKE_API CUresult cuStreamCreate(CUstream *stream, unsigned int) {
  static int token;
  *stream = reinterpret_cast<CUstream>(&token);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuStreamDestroy(CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned int) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventCreate(CUevent *event, unsigned int) {
  static int token;
  *event = reinterpret_cast<CUevent>(&token);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuEventDestroy(CUevent) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventRecord(CUevent, CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }

FAKE_API CUresult cuMemAlloc(CUdeviceptr *pointer, size_t bytes) {
  if (bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  void *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  std::memset(p, 0, bytes);
  ++allocations;
  *pointer = reinterpret_cast<CUdeviceptr>(p);
  std::lock_guard<std::mutex> lock(liveMutex);
  live.insert(*pointer);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemAllocManaged(CUdeviceptr *pointer, size_t bytes, unsigned int) {
  return cuMemAlloc(pointer, bytes);
}
FAKE_API CUresult cuMemFree(CUdeviceptr pointer) {
  std::lock_guard<std::mutex> lock(liveMutex);
  if (!live.erase(pointer))
    return CUDA_ERROR_INVALID_VALUE;
  ++frees;
  std::free(reinterpret_cast<void *>(pointer));
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  ++copies;
  std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), bytes);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
  return cuMemcpy(dst, src, bytes);
}
FAKE_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t n, CUstream) {
  auto *p = reinterpret_cast<unsigned int *>(dst);
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t n, CUstream) {
  auto *p = reinterpret_cast<unsigned short *>(dst);
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemGetInfo(size_t *free, size_t *total) {
  *free = size_t(1) << 34;
  *total = size_t(1) << 34;
  return CUDA_SUCCESS;
}
