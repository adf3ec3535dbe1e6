// SPDX-License-Identifier: Apache-2.0
// Registration of the kiln dialect and definitions shared by all op families.
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/runtime/InitSpec.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace kiln;

#include "kiln/IR/KilnOpsDialect.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kiln/IR/KilnOps.cpp.inc"
      >();
}

LogicalResult KilnDialect::verifyRegionArgAttribute(Operation *op, unsigned regionIndex,
                                                    unsigned argIndex,
                                                    NamedAttribute attribute) {
  if (attribute.getName() != kInitAttrName)
    return op->emitError() << "unknown kiln argument attribute '" << attribute.getName().getValue()
                           << "'";
  auto text = dyn_cast<StringAttr>(attribute.getValue());
  if (!isa<FunctionOpInterface>(op) || regionIndex != 0)
    return op->emitError() << "'" << kInitAttrName << "' belongs on function arguments";
  if (!text || !rt::parseInitSpec(text.getValue()))
    return op->emitError() << "argument #" << argIndex << ": '" << kInitAttrName
                           << "' must be a string: zeros, ones, fill:V, normal[:STDDEV] or "
                              "uniform[:BOUND], not "
                           << attribute.getValue();
  return success();
}

#include "kiln/IR/KilnInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.cpp.inc"
