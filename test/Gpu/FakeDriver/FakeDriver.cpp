// SPDX-License-Identifier: Apache-2.0
// A stand-in for NVIDIA's libcuda.so.1, for testing libkiln_runtime_cuda where no GPU is:
// device memory is host memory (zeroed) behind addresses of its own, in a reserved range the
// host cannot touch (PROT_NONE), so host code that dereferences a device pointer dies as it
// would with a real GPU; copies translate them. Streams and events do nothing,
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
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sys/mman.h>

#define FAKE_API extern "C" __attribute__((visibility("default")))

namespace {
std::atomic<long> launches{0}, allocations{0}, frees{0}, copies{0}, modules{0};
std::atomic<long> liveBytes{0};
std::mutex liveMutex;
// Device address -> (backing host memory, bytes). Never destroyed: blocks a caller keeps
// to the end of the process (a caching allocator's) stay reachable for LeakSanitizer.
std::map<CUdeviceptr, std::pair<void *, size_t>> &live = *new std::map<CUdeviceptr, std::pair<void *, size_t>>;
CUdeviceptr nextAddress = 0;

// A range no host code may read or write (1 TiB reserved, nothing committed): device
// addresses come from it.
constexpr CUdeviceptr kRange = CUdeviceptr(1) << 40;
CUdeviceptr deviceBase() {
  static const CUdeviceptr base = [] {
    void *p = mmap(nullptr, kRange, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? CUdeviceptr(0) : reinterpret_cast<CUdeviceptr>(p);
  }();
  return base;
}

/// The host memory behind `address` (a device address, or a host one as is), with `bytes`
/// of it valid; null for a device range that no allocation holds.
void *translate(CUdeviceptr address, size_t bytes) {
  std::lock_guard<std::mutex> lock(liveMutex);
  auto it = live.upper_bound(address);
  if (it != live.begin()) {
    --it;
    size_t offset = address - it->first;
    if (address >= it->first && offset + bytes <= it->second.second)
      return static_cast<char *>(it->second.first) + offset;
  }
  if (address >= deviceBase() && address < deviceBase() + kRange)
    return nullptr;
  return reinterpret_cast<void *>(address);
}

struct Function {
  std::string name;
};
// Owns its functions, as the driver's module does: one handle per name.
struct Module {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Function>> functions;
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
  *module = reinterpret_cast<CUmodule>(new Module);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleUnload(CUmodule module) {
  delete reinterpret_cast<Module *>(module);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
  if (!module || !name || !*name)
    return CUDA_ERROR_NOT_FOUND;
  auto *m = reinterpret_cast<Module *>(module);
  std::lock_guard<std::mutex> lock(m->mutex);
  std::unique_ptr<Function> &f = m->functions[name];
  if (!f)
    f = std::make_unique<Function>(Function{name});
  *function = reinterpret_cast<CUfunction>(f.get());
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
  size_t rounded = (bytes + 255) / 256 * 256;
  void *p = std::aligned_alloc(256, rounded);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  std::memset(p, 0, rounded);
  ++allocations;
  CUdeviceptr base = deviceBase();
  std::lock_guard<std::mutex> lock(liveMutex);
  if (!base)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (!nextAddress)
    nextAddress = base;
  *pointer = nextAddress;
  nextAddress += rounded + 256; // a gap: running off the end is not another block
  live[*pointer] = {p, rounded};
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemAllocManaged(CUdeviceptr *pointer, size_t bytes, unsigned int) {
  return cuMemAlloc(pointer, bytes);
}
FAKE_API CUresult cuMemFree(CUdeviceptr pointer) {
  std::lock_guard<std::mutex> lock(liveMutex);
  auto it = live.find(pointer);
  if (it == live.end())
    return CUDA_ERROR_INVALID_VALUE;
  ++frees;
  std::free(it->second.first);
  live.erase(it);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
  ++copies;
  void *to = translate(dst, bytes);
  void *from = translate(src, bytes);
  if (!to || !from)
    return CUDA_ERROR_INVALID_VALUE;
  std::memmove(to, from, bytes);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
  return cuMemcpy(dst, src, bytes);
}
FAKE_API CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t n, CUstream) {
  auto *p = static_cast<unsigned int *>(translate(dst, 4 * n));
  if (!p)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t n, CUstream) {
  auto *p = static_cast<unsigned short *>(translate(dst, 2 * n));
  if (!p)
    return CUDA_ERROR_INVALID_VALUE;
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemGetInfo(size_t *free, size_t *total) {
  *free = size_t(1) << 34;
  *total = size_t(1) << 34;
  return CUDA_SUCCESS;
}
