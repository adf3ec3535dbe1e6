// SPDX-License-Identifier: Apache-2.0
// The enumerations the kiln and kiln_rt dialects share (KilnEnums.td).
#ifndef KILN_ENUMS_KILNENUMS_H
#define KILN_ENUMS_KILNENUMS_H

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

#include "kiln/Enums/KilnEnums.h.inc"

#endif // KILN_ENUMS_KILNENUMS_H
