// SPDX-License-Identifier: Apache-2.0
// The heap of compiled code (Abi.h): memref.alloc/dealloc in a module call these functions
// (MLIR's "generic allocation functions"), which keep freed blocks for reuse. Modules align
// their buffers themselves within what they allocate, so no aligned variant is needed.
//
// A training step allocates the same temporaries, of the same sizes, on every call. Through
// malloc each large one is a fresh mmap (or heap growth trimmed again on free), so every
// step page-faulted and zeroed its whole working set: a quarter of a small CNN's step time.
// Blocks freed here wait in per-size free lists for the next step instead, up to a cap.
//
// Live and peak bytes are counted for every block (Heap.h): a step's peak of temporaries is
// how its memory-saving lowerings (recomputation instead of keeping values) are measured.
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/Heap.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

// Every block starts with a header holding its size; the payload follows at kHeader bytes,
// so payloads keep the 64-byte alignment of the blocks (AVX-512 loads, cache lines).
constexpr size_t kHeader = 64;
// Blocks below this size come and go through malloc's own caches cheaply.
constexpr size_t kMinCached = size_t(64) << 10;
// At most this much freed memory is kept; beyond it blocks go back to the system.
constexpr size_t kMaxCachedBytes = size_t(2) << 30;

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void *>> free;
  size_t cachedBytes = 0;
};

std::atomic<size_t> liveBytes{0}, peakBytes{0};

void count(size_t size) {
  size_t live = liveBytes.fetch_add(size, std::memory_order_relaxed) + size;
  size_t peak = peakBytes.load(std::memory_order_relaxed);
  while (live > peak && !peakBytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
}

Cache &cache() {
  // Leaked on purpose: modules may free blocks during static destruction.
  static Cache *instance = new Cache;
  return *instance;
}

void *allocate(size_t size) {
  count(size);
  if (size >= kMinCached) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free.find(size);
    if (it != c.free.end() && !it->second.empty()) {
      void *block = it->second.back();
      it->second.pop_back();
      c.cachedBytes -= size;
      return static_cast<char *>(block) + kHeader;
    }
  }
  void *block = nullptr;
  if (posix_memalign(&block, kHeader, kHeader + size) != 0) {
    liveBytes.fetch_sub(size, std::memory_order_relaxed);
    return nullptr;
  }
  *static_cast<size_t *>(block) = size;
  return static_cast<char *>(block) + kHeader;
}

} // namespace

kiln::rt::HeapStatistics kiln::rt::heapStatistics() {
  return {liveBytes.load(std::memory_order_relaxed), peakBytes.load(std::memory_order_relaxed)};
}

void kiln::rt::resetHeapPeak() {
  peakBytes.store(liveBytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

extern "C" __attribute__((visibility("default"))) void *_mlir_memref_to_llvm_alloc(size_t size) {
  return allocate(size);
}

extern "C" __attribute__((visibility("default"))) void _mlir_memref_to_llvm_free(void *ptr) {
  if (!ptr)
    return;
  void *block = static_cast<char *>(ptr) - kHeader;
  size_t size = *static_cast<size_t *>(block);
  liveBytes.fetch_sub(size, std::memory_order_relaxed);
  if (size >= kMinCached) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cachedBytes + size <= kMaxCachedBytes) {
      c.free[size].push_back(block);
      c.cachedBytes += size;
      return;
    }
  }
  std::free(block);
}
