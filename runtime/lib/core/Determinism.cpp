// SPDX-License-Identifier: Apache-2.0
// The process-wide deterministic-kernels switch.
#include "Determinism.h"

#include <atomic>

namespace kiln::rt::detail {
namespace {
// Process-wide, like the thread pool the setting is about.
std::atomic<bool> enabled{true};
} // namespace

bool deterministic() { return enabled.load(std::memory_order_relaxed); }
void setDeterministic(bool on) { enabled.store(on, std::memory_order_relaxed); }

} // namespace kiln::rt::detail
