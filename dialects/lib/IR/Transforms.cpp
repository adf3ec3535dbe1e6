// SPDX-License-Identifier: Apache-2.0
// Verifiers of the gradient transforms.
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

LogicalResult ClipByGlobalNormOp::verify() {
  if (getUpdates().empty())
    return emitOpError("needs at least one tensor");
  return success();
}

