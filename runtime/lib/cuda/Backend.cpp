// SPDX-License-Identifier: Apache-2.0
// The CUDA backend's core: loading the driver, the primary context, errors, the caching
// allocator, and the C table libkiln_runtime reads (CudaApi.h).
#include "Backend.h"

#include "kiln/runtime/cuda/CudaApi.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace kiln::cuda {
namespace {

std::mutex errorMutex;
std::string firstError;

// The driver is loaded with dlopen, not linked: the library must load (and say why it
// cannot run) on machines without a GPU driver, and NVIDIA ships libcuda.so.1 with the
// driver, not with the toolkit.
struct Loaded {
  Driver driver;
  CUdevice device = 0;
  CUcontext context = nullptr;
  bool ok = false;
};

#define KILN_CU_STR2(x) #x
#define KILN_CU_STR(x) KILN_CU_STR2(x)

Loaded load() {
  Loaded loaded;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    recordError(std::string("no CUDA driver (libcuda.so.1 does not load: ") +
                (why ? why : "unknown error") + "); a GPU machine with NVIDIA's driver is needed");
    return loaded;
  }
  Driver &d = loaded.driver;
#define KILN_CU_LOAD(name)                                                                     \
  d.name = reinterpret_cast<decltype(d.name)>(dlsym(library, KILN_CU_STR(name)));              \
  if (!d.name) {                                                                               \
    recordError("the CUDA driver lacks " KILN_CU_STR(name) "; it is older than this Kiln "     \
                "was built for");                                                              \
    return loaded;                                                                             \
  }
  KILN_CU_FUNCTIONS(KILN_CU_LOAD)
#undef KILN_CU_LOAD
  if (!check(d.cuInit(0), "cuInit"))
    return loaded;
  int count = 0;
  if (!check(d.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return loaded;
  int index = 0;
  if (count == 0) {
    recordError("no CUDA device (the driver loads but sees no GPU)");
    return loaded;
  }
  // Ranks of a data-parallel run started by mpirun take the machine's GPUs in turn (NCCL
  // needs one device per rank), unless KILN_CUDA_DEVICE says otherwise.
  if (const char *env = std::getenv("KILN_CUDA_DEVICE"))
    index = std::atoi(env);
  else if (const char *local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK"))
    index = std::atoi(local) % count;
  if (index < 0 || index >= count) {
    recordError("KILN_CUDA_DEVICE=" + std::to_string(index) + " but the machine has " +
                std::to_string(count) + " CUDA device(s)");
    return loaded;
  }
  if (!check(d.cuDeviceGet(&loaded.device, index), "cuDeviceGet") ||
      !check(d.cuDevicePrimaryCtxRetain(&loaded.context, loaded.device),
             "cuDevicePrimaryCtxRetain"))
    return loaded;
  loaded.ok = true;
  return loaded;
}

const Loaded &loaded() {
  static const Loaded instance = load();
  return instance;
}

// ---- Caching allocator ----------------------------------------------------------------------
// A step allocates the same temporaries every call: cuMemAlloc/cuMemFree synchronize the
// device, so freed blocks are kept in bins by rounded size and handed out again.
struct Allocator {
  std::mutex mutex;
  std::multimap<size_t, void *> freeBlocks;        // rounded size -> block
  std::unordered_map<void *, size_t> liveBlocks;   // block -> rounded size
  size_t inUse = 0, cached = 0;
};
Allocator &allocator() {
  static Allocator *instance = new Allocator; // outlives static destructors of callers
  return *instance;
}

size_t roundSize(size_t bytes) {
  if (bytes == 0)
    bytes = 1;
  const size_t small = 512, large = size_t(2) << 20;
  size_t unit = bytes < large ? small : large;
  return (bytes + unit - 1) / unit * unit;
}

} // namespace

void recordError(const std::string &message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = message;
}

const char *lastError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  return firstError.empty() ? nullptr : firstError.c_str();
}

void clearError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  firstError.clear();
}

bool check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  const char *text = nullptr;
  const Driver *d = loaded().ok ? &loaded().driver : nullptr;
  if (d && d->cuGetErrorString)
    d->cuGetErrorString(result, &text);
  recordError(std::string(what) + ": " + (text ? text : "CUDA error " + std::to_string(int(result))));
  return false;
}

const Driver *driver() {
  const Loaded &l = loaded();
  if (!l.ok)
    return nullptr;
  thread_local bool current = false;
  if (!current) {
    if (!check(l.driver.cuCtxSetCurrent(l.context), "cuCtxSetCurrent"))
      return nullptr;
    current = true;
  }
  return &l.driver;
}

CUstream stream() {
  const Driver *d = driver();
  if (!d)
    return nullptr;
  thread_local CUstream s = nullptr;
  if (!s)
    check(d->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  return s;
}

void *allocate(size_t bytes) {
  const Driver *d = driver();
  if (!d)
    return nullptr;
  Allocator &a = allocator();
  size_t rounded = roundSize(bytes);
  std::lock_guard<std::mutex> lock(a.mutex);
  auto it = a.freeBlocks.find(rounded);
  void *block = nullptr;
  if (it != a.freeBlocks.end()) {
    block = it->second;
    a.freeBlocks.erase(it);
    a.cached -= rounded;
  } else {
    CUdeviceptr pointer = 0;
    CUresult result = d->cuMemAlloc(&pointer, rounded);
    if (result == CUDA_ERROR_OUT_OF_MEMORY && !a.freeBlocks.empty()) {
      // Give the cache back and try once more before failing.
      for (auto &[size, cachedBlock] : a.freeBlocks)
        d->cuMemFree(reinterpret_cast<CUdeviceptr>(cachedBlock));
      a.freeBlocks.clear();
      a.cached = 0;
      result = d->cuMemAlloc(&pointer, rounded);
    }
    if (!check(result, ("cuMemAlloc of " + std::to_string(rounded) + " bytes").c_str()))
      return nullptr;
    block = reinterpret_cast<void *>(pointer);
  }
  a.liveBlocks[block] = rounded;
  a.inUse += rounded;
  return block;
}

void deallocate(void *pointer) {
  if (!pointer)
    return;
  Allocator &a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  auto it = a.liveBlocks.find(pointer);
  if (it == a.liveBlocks.end()) {
    recordError("freeing device memory the allocator did not hand out");
    return;
  }
  a.freeBlocks.emplace(it->second, pointer);
  a.inUse -= it->second;
  a.cached += it->second;
  a.liveBlocks.erase(it);
}

void memoryInUse(size_t *inUse, size_t *cached) {
  Allocator &a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  if (inUse)
    *inUse = a.inUse;
  if (cached)
    *cached = a.cached;
}

void releaseCached() {
  const Driver *d = driver();
  if (!d)
    return;
  Allocator &a = allocator();
  std::lock_guard<std::mutex> lock(a.mutex);
  for (auto &[size, block] : a.freeBlocks)
    check(d->cuMemFree(reinterpret_cast<CUdeviceptr>(block)), "cuMemFree");
  a.freeBlocks.clear();
  a.cached = 0;
}

} // namespace kiln::cuda

// ---- The table libkiln_runtime reads --------------------------------------------------------
namespace {
using namespace kiln::cuda;

int apiInit() { return driver() ? 0 : -1; }
const char *apiError() { return lastError(); }
void apiClearError() { clearError(); }

int apiDevice(char *name, size_t nameSize, int *computeCapability) {
  const Driver *d = driver();
  if (!d)
    return -1;
  CUdevice device;
  if (!check(d->cuDeviceGet(&device, 0), "cuDeviceGet"))
    return -1;
  if (name && nameSize && !check(d->cuDeviceGetName(name, int(nameSize), device), "cuDeviceGetName"))
    return -1;
  int major = 0, minor = 0;
  if (!check(d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
             "cuDeviceGetAttribute") ||
      !check(d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
             "cuDeviceGetAttribute"))
    return -1;
  if (computeCapability)
    *computeCapability = 10 * major + minor;
  return 0;
}

int copy(void *dst, const void *src, size_t bytes, const char *what) {
  const Driver *d = driver();
  if (!d)
    return -1;
  if (bytes == 0)
    return 0;
  CUstream s = stream();
  if (!check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst), reinterpret_cast<CUdeviceptr>(src),
                              bytes, s),
             what) ||
      !check(d->cuStreamSynchronize(s), what))
    return -1;
  return 0;
}
int apiToDevice(void *dst, const void *src, size_t bytes) { return copy(dst, src, bytes, "copy to the device"); }
int apiToHost(void *dst, const void *src, size_t bytes) { return copy(dst, src, bytes, "copy to the host"); }
int apiCopyOnDevice(void *dst, const void *src, size_t bytes) {
  const Driver *d = driver();
  if (!d)
    return -1;
  return bytes == 0 || check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                              reinterpret_cast<CUdeviceptr>(src), bytes, stream()),
                             "device-to-device copy")
             ? 0
             : -1;
}
int apiSynchronize() {
  const Driver *d = driver();
  return d && check(d->cuStreamSynchronize(stream()), "cuStreamSynchronize") ? 0 : -1;
}

int apiDeviceMemory(size_t *freeBytes, size_t *totalBytes) {
  const Driver *d = driver();
  return d && check(d->cuMemGetInfo(freeBytes, totalBytes), "cuMemGetInfo") ? 0 : -1;
}

const kiln_cuda_api table = {
    KILN_CUDA_API_VERSION, apiInit,       apiError,        apiClearError, apiDevice,
    allocate,              deallocate,    apiToDevice,     apiToHost,     apiCopyOnDevice,
    apiSynchronize,        memoryInUse,   releaseCached,   apiDeviceMemory, gatherRows,
};
} // namespace

extern "C" __attribute__((visibility("default"))) const kiln_cuda_api *kiln_cuda_api_get(void) {
  return &table;
}
