// SPDX-License-Identifier: Apache-2.0
// The whole public API of libkiln_runtime (the core: loading and calling compiled steps) in
// one include: Runtime, Module, Session, tensors, dtypes, Philox random numbers and
// initialisers, heap statistics. File formats and datasets are libkiln_runtime_io's
// (kiln/runtime/IO.h).
#ifndef KILN_RUNTIME_RUNTIME_H
#define KILN_RUNTIME_RUNTIME_H

#include "kiln/runtime/Abi.h"      // IWYU pragma: export
#include "kiln/runtime/DType.h"    // IWYU pragma: export
#include "kiln/runtime/Heap.h"     // IWYU pragma: export
#include "kiln/runtime/InitSpec.h" // IWYU pragma: export
#include "kiln/runtime/Module.h"   // IWYU pragma: export
#include "kiln/runtime/Random.h"   // IWYU pragma: export
#include "kiln/runtime/Session.h"  // IWYU pragma: export
#include "kiln/runtime/State.h"    // IWYU pragma: export
#include "kiln/runtime/Status.h"   // IWYU pragma: export
#include "kiln/runtime/Tensor.h"   // IWYU pragma: export

#endif // KILN_RUNTIME_RUNTIME_H
