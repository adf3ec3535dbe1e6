// SPDX-License-Identifier: Apache-2.0
// The whole host runtime API in one include: Runtime, Module, Session, tensors, .npy, RNG,
// heap statistics.
#ifndef KILN_RUNTIME_RUNTIME_H
#define KILN_RUNTIME_RUNTIME_H

#include "kiln/runtime/DType.h"   // IWYU pragma: export
#include "kiln/runtime/Heap.h"    // IWYU pragma: export
#include "kiln/runtime/Module.h"  // IWYU pragma: export
#include "kiln/runtime/Npy.h"     // IWYU pragma: export
#include "kiln/runtime/Random.h"  // IWYU pragma: export
#include "kiln/runtime/Session.h" // IWYU pragma: export
#include "kiln/runtime/Status.h"  // IWYU pragma: export
#include "kiln/runtime/Tensor.h"  // IWYU pragma: export

#endif // KILN_RUNTIME_RUNTIME_H
