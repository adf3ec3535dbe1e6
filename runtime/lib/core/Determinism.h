// SPDX-License-Identifier: Apache-2.0
// Internal: whether library kernels must give the same bits for any number of threads
// (RuntimeOptions::deterministic), read by the kernels compiled code calls.
#ifndef KILN_RUNTIME_LIB_CORE_DETERMINISM_H
#define KILN_RUNTIME_LIB_CORE_DETERMINISM_H

namespace kiln::rt::detail {

/// True unless a Runtime was created with RuntimeOptions::deterministic = false.
bool deterministic();
void setDeterministic(bool on);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_LIB_CORE_DETERMINISM_H
