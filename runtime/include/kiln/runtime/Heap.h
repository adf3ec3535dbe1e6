// SPDX-License-Identifier: Apache-2.0
// What compiled code holds on the runtime's heap (Abi.h's allocation functions): the
// temporaries of a step, not the parameters and state its caller passes in.
#ifndef KILN_RUNTIME_HEAP_H
#define KILN_RUNTIME_HEAP_H

#include <cstddef>

namespace kiln::rt {

struct HeapStatistics {
  /// Bytes of temporaries allocated and not yet freed, process-wide.
  size_t liveBytes = 0;
  /// The most live bytes since the process started or the last resetHeapPeak().
  size_t peakBytes = 0;
};

HeapStatistics heapStatistics();

/// Starts a new peak at the current live bytes: call before the steps to measure.
void resetHeapPeak();

} // namespace kiln::rt

#endif // KILN_RUNTIME_HEAP_H
