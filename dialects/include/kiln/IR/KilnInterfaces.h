// SPDX-License-Identifier: Apache-2.0
// Op interfaces of the kiln dialect.
#ifndef KILN_IR_KILNINTERFACES_H
#define KILN_IR_KILNINTERFACES_H

#include "mlir/IR/OpDefinition.h"

namespace kiln::detail {
/// Checks what every optimizer update shares: exactly one learning-rate source, and state
/// results that match the state operands.
::llvm::LogicalResult verifyOptimizerUpdateOp(::mlir::Operation *op);
} // namespace kiln::detail

#include "kiln/IR/KilnInterfaces.h.inc"

#endif // KILN_IR_KILNINTERFACES_H
