// SPDX-License-Identifier: Apache-2.0
// The kiln dialect class.
#ifndef KILN_IR_KILNDIALECT_H
#define KILN_IR_KILNDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "kiln/IR/KilnOpsDialect.h.inc"

#endif // KILN_IR_KILNDIALECT_H
