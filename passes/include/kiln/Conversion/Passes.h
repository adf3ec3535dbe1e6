// SPDX-License-Identifier: Apache-2.0
// Declarations and registration of the kiln conversion passes.
#ifndef KILN_CONVERSION_PASSES_H
#define KILN_CONVERSION_PASSES_H

#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "kiln/RT/KilnRT.h"
#include "mlir/Pass/Pass.h"

namespace kiln {
#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

#endif // KILN_CONVERSION_PASSES_H
