// SPDX-License-Identifier: Apache-2.0
// Registration of the kiln dialect and definitions shared by all op families.
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

#include "kiln/IR/KilnOpsDialect.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kiln/IR/KilnOps.cpp.inc"
      >();
}

#include "kiln/IR/KilnInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.cpp.inc"
