// SPDX-License-Identifier: Apache-2.0
// kiln_parallel_for (Abi.h): the thread pool that compiled parallel loops run on.
#include "kiln/runtime/Abi.h"

#include <algorithm>
#include <omp.h>

// One static partition per call: optimizer updates are uniform work, so equal contiguous
// ranges balance without scheduling overhead and keep each thread on its own pages.
extern "C" __attribute__((visibility("default"))) void
kiln_parallel_for(int64_t n, int64_t grain, kiln_parallel_body_fn body, void *context) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t maxThreads = omp_in_parallel() ? 1 : omp_get_max_threads();
  int64_t threads = std::min<int64_t>(maxThreads, (n + grain - 1) / grain);
  if (threads <= 1) {
    body(0, n, context);
    return;
  }
#pragma omp parallel num_threads(static_cast<int>(threads))
  {
    int64_t t = omp_get_thread_num(), count = omp_get_num_threads();
    // Round range boundaries to the grain so no two threads share a grain-sized block.
    int64_t blocks = (n + grain - 1) / grain;
    int64_t begin = std::min(n, blocks * t / count * grain);
    int64_t end = std::min(n, blocks * (t + 1) / count * grain);
    if (begin < end)
      body(begin, end, context);
  }
}
