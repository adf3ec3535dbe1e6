// SPDX-License-Identifier: Apache-2.0
// Registration of the kiln dialect and definitions shared by all op families.
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/runtime/InitSpec.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace kiln;

#include "kiln/IR/KilnOpsDialect.cpp.inc"

namespace {
/// Every kiln op is pure and refers to no enclosing region, so any may be inlined: a
/// model's forward function into its loss, a loss into its gradient.
struct KilnInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final { return true; }
};
} // namespace

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kiln/IR/KilnOps.cpp.inc"
      >();
  addInterfaces<KilnInlinerInterface>();
}

LogicalResult KilnDialect::verifyRegionArgAttribute(Operation *op, unsigned regionIndex,
                                                    unsigned argIndex,
                                                    NamedAttribute attribute) {
  if (attribute.getName() == kDataAttrName) {
    auto field = dyn_cast<StringAttr>(attribute.getValue());
    // "val_*": the second batch of a bilevel search step, from the other half of the data.
    if (!field || !symbolizeDataField(field.getValue()))
      return op->emitError() << "argument #" << argIndex << ": '" << kDataAttrName
                             << "' must be \"images\", \"labels\", \"val_images\", "
                                "\"val_labels\" or \"weights\", not "
                             << attribute.getValue();
    return success();
  }
  if (attribute.getName() == kNameAttrName) {
    auto name = dyn_cast<StringAttr>(attribute.getValue());
    if (!name || name.getValue().empty() ||
        !llvm::all_of(name.getValue(), [](char c) {
          return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '-';
        }))
      return op->emitError() << "argument #" << argIndex << ": '" << kNameAttrName
                             << "' must be a non-empty name of letters, digits, '_', '.', '$' "
                                "or '-', not "
                             << attribute.getValue();
    // Drivers checkpoint and bind arguments by name: two of one name would collide.
    if (auto fn = dyn_cast<FunctionOpInterface>(op))
      for (unsigned j = 0; j < argIndex; ++j)
        if (fn.getArgAttr(j, kNameAttrName) == name)
          return op->emitError() << "arguments #" << j << " and #" << argIndex
                                 << " are both named " << name;
    return success();
  }
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

LogicalResult KilnDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  if (attribute.getName() == kBatchAttrName) {
    auto size = dyn_cast<IntegerAttr>(attribute.getValue());
    if (!isa<ModuleOp>(op) || !size || !size.getType().isInteger(64) || size.getInt() <= 0)
      return op->emitError() << "'" << kBatchAttrName
                             << "' belongs on a module: a positive i64 batch size";
    return success();
  }
  if (attribute.getName() != kSearchedAlphasAttrName)
    return op->emitError() << "unknown kiln attribute '" << attribute.getName().getValue()
                           << "'";
  auto alphas = dyn_cast<DictionaryAttr>(attribute.getValue());
  if (!isa<ModuleOp>(op) || !alphas)
    return op->emitError() << "'" << kSearchedAlphasAttrName
                           << "' belongs on a module: a dictionary of dense float tensors";
  for (NamedAttribute alpha : alphas) {
    auto values = dyn_cast<DenseFPElementsAttr>(alpha.getValue());
    if (!values || !values.getType().hasRank())
      return op->emitError() << "'" << kSearchedAlphasAttrName << "': \""
                             << alpha.getName().getValue()
                             << "\" must be a dense tensor of floats, not " << alpha.getValue();
  }
  return success();
}

#include "kiln/IR/KilnInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "kiln/IR/KilnOps.cpp.inc"
