// SPDX-License-Identifier: Apache-2.0
// Registration of the kiln_rt dialect, and the verifiers and builders of its entry-point
// attributes.
#include "kiln/RT/KilnRT.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::krt;

#include "kiln/RT/KilnRTEnums.cpp.inc"

#include "kiln/RT/KilnRTDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "kiln/RT/KilnRTAttrs.cpp.inc"

void KilnRTDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "kiln/RT/KilnRTOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "kiln/RT/KilnRTAttrs.cpp.inc"
      >();
  declarePromisedInterface<bufferization::BufferizableOpInterface, KernelCallOp>();
}

LogicalResult KilnRTDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  if (attribute.getName() != kEntryPointAttrName)
    return op->emitError() << "unknown kiln_rt attribute '" << attribute.getName().getValue()
                           << "'";
  if (!isa<FunctionOpInterface>(op) || !isa<EntryPointAttr>(attribute.getValue()))
    return op->emitError() << "'" << kEntryPointAttrName
                           << "' is a #kiln_rt.entry_point on a function";
  auto func = cast<FunctionOpInterface>(op);
  auto contract = cast<EntryPointAttr>(attribute.getValue());
  // On tensors (before bufferization) the contract describes the function's own signature.
  ArrayRef<Type> inputs = func.getArgumentTypes();
  auto tensor = [](Type t) { return isa<RankedTensorType>(t); };
  if (op->getName().getStringRef() == "func.func" && llvm::all_of(inputs, tensor) &&
      llvm::all_of(func.getResultTypes(), tensor)) {
    if (contract.getInputs().size() != inputs.size())
      return op->emitError() << "'" << kEntryPointAttrName << "' describes "
                             << contract.getInputs().size() << " inputs, but the function takes "
                             << inputs.size();
    for (auto [i, in] : llvm::enumerate(contract.getInputs()))
      if (in.getType() != inputs[i])
        return op->emitError() << "'" << kEntryPointAttrName << "': input #" << i << " is "
                               << in.getType() << ", but the function takes " << inputs[i];
  }
  return success();
}

//===-- Entry points ------------------------------------------------------------------------===//

LogicalResult InputAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                RankedTensorType type, StringRef, bool, StringRef,
                                std::optional<kiln::DataField>, int64_t classes,
                                std::optional<Role> role, ArrayAttr candidates,
                                ArrayRef<int64_t> dims) {
  if (classes < 0 || (classes > 0 && !type.getElementType().isSignlessInteger()))
    return emitError() << "classes (" << classes
                       << ") counts the classes an integer labels input indexes";
  if (candidates && role != Role::Architecture)
    return emitError() << "candidates name the operations of an architecture input's edge";
  if (candidates && !llvm::all_of(candidates, [](Attribute a) { return isa<StringAttr>(a); }))
    return emitError() << "candidates must be strings";
  if (!dims.empty() && int64_t(dims.size()) != type.getRank())
    return emitError() << "dims names " << dims.size() << " extent variables for a rank-"
                       << type.getRank() << " input";
  for (auto [d, var] : llvm::enumerate(dims))
    if (var < -1 || (var >= 0 && !type.isDynamicDim(d)))
      return emitError() << "dims[" << d << "] is " << var
                         << ": only a dynamic dimension has an extent variable (or -1)";
  return success();
}

InputAttr InputAttr::withName(StringRef name) const {
  return get(getContext(), getType(), name, getDonated(), getInit(), getData(), getClasses(),
             getRole(), getCandidates(), getDims());
}
InputAttr InputAttr::withDonated(bool donated) const {
  return get(getContext(), getType(), getName(), donated, getInit(), getData(), getClasses(), getRole(),
             getCandidates(), getDims());
}
InputAttr InputAttr::withInit(StringRef init) const {
  return get(getContext(), getType(), getName(), getDonated(), init, getData(), getClasses(), getRole(),
             getCandidates(), getDims());
}
InputAttr InputAttr::withData(std::optional<kiln::DataField> data) const {
  return get(getContext(), getType(), getName(), getDonated(), getInit(), data, getClasses(), getRole(),
             getCandidates(), getDims());
}
InputAttr InputAttr::withClasses(int64_t classes) const {
  return get(getContext(), getType(), getName(), getDonated(), getInit(), getData(), classes, getRole(),
             getCandidates(), getDims());
}
InputAttr InputAttr::withDims(ArrayRef<int64_t> dims) const {
  return get(getContext(), getType(), getName(), getDonated(), getInit(), getData(), getClasses(), getRole(),
             getCandidates(), dims);
}
InputAttr InputAttr::withRole(std::optional<Role> role, ArrayAttr candidates) const {
  return get(getContext(), getType(), getName(), getDonated(), getInit(), getData(), getClasses(), role,
             candidates, getDims());
}

LogicalResult ResultAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 RankedTensorType, int64_t alias) {
  if (alias < -1)
    return emitError() << "alias is an input index, or -1 for an output buffer, not " << alias;
  return success();
}

LogicalResult EntryPointAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     ArrayRef<InputAttr> inputs, ArrayRef<ResultAttr> results,
                                     ArrayRef<int64_t> extents) {
  for (auto [i, input] : llvm::enumerate(inputs))
    for (int64_t var : input.getDims())
      if (var >= int64_t(extents.size()))
        return emitError() << "input #" << i << " names extent variable " << var << " of "
                           << extents.size();
  // Drivers checkpoint and bind inputs by name: two of one name would overwrite each other.
  llvm::StringMap<size_t> named;
  for (auto [i, input] : llvm::enumerate(inputs))
    if (!input.getName().empty()) {
      auto [it, inserted] = named.try_emplace(input.getName(), i);
      if (!inserted)
        return emitError() << "inputs #" << it->second << " and #" << i << " are both named \""
                           << input.getName() << "\"";
    }
  for (int64_t extent : extents)
    if (extent < -1)
      return emitError() << "an extent variable's value is an extent or -1, not " << extent;
  llvm::SmallSet<int64_t, 8> aliased;
  for (auto [i, result] : llvm::enumerate(results)) {
    int64_t alias = result.getAlias();
    // Before kiln-finalize-entry-points every result is -1, and that pass reports a
    // dynamic one that stays so (the runtime cannot allocate it).
    if (alias < 0)
      continue;
    if (alias >= int64_t(inputs.size()))
      return emitError() << "result #" << i << " aliases input " << alias << " of "
                         << inputs.size();
    if (!aliased.insert(alias).second)
      return emitError() << "two results are computed in input " << alias;
    if (inputs[alias].getType() != result.getType())
      return emitError() << "result #" << i << " (" << result.getType()
                         << ") is computed in input " << alias << " of type "
                         << inputs[alias].getType();
  }
  return success();
}

EntryPointAttr EntryPointAttr::withInput(unsigned index, InputAttr input) const {
  SmallVector<InputAttr> inputs(getInputs());
  inputs[index] = input;
  return get(getContext(), inputs, getResults(), getExtents());
}

EntryPointAttr EntryPointAttr::withResults(ArrayRef<ResultAttr> results) const {
  return get(getContext(), getInputs(), results, getExtents());
}

EntryPointAttr EntryPointAttr::withExtents(ArrayRef<int64_t> extents) const {
  return get(getContext(), getInputs(), getResults(), extents);
}
