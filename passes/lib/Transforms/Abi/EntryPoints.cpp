// SPDX-License-Identifier: Apache-2.0
// Internal to the Abi passes: declaring an entry point's kiln_rt.entry_point contract.
#include "EntryPoints.h"
#include "kiln/IR/KilnDialect.h"

using namespace mlir;
using namespace kiln;

bool kiln::detail::isEntryPoint(func::FuncOp func) {
  return !func.isExternal() && func.isPublic();
}

krt::EntryPointAttr kiln::detail::getEntryPoint(Operation *op) {
  return op->getAttrOfType<krt::EntryPointAttr>(krt::KilnRTDialect::kEntryPointAttrName);
}

void kiln::detail::setEntryPoint(Operation *op, krt::EntryPointAttr contract) {
  op->setAttr(krt::KilnRTDialect::kEntryPointAttrName, contract);
}

krt::EntryPointAttr kiln::detail::getOrDeclareEntryPoint(func::FuncOp func) {
  if (krt::EntryPointAttr contract = getEntryPoint(func))
    return contract;
  FunctionType type = func.getFunctionType();
  auto tensor = [](Type t) { return isa<RankedTensorType>(t); };
  if (!llvm::all_of(type.getInputs(), tensor) || !llvm::all_of(type.getResults(), tensor))
    return {};
  SmallVector<krt::InputAttr> inputs;
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto input = krt::InputAttr::get(cast<RankedTensorType>(t));
    if (auto name = func.getArgAttrOfType<StringAttr>(i, KilnDialect::kNameAttrName))
      input = input.withName(name.getValue());
    if (auto init = func.getArgAttrOfType<StringAttr>(i, KilnDialect::kInitAttrName))
      input = input.withInit(init.getValue());
    if (auto field = func.getArgAttrOfType<StringAttr>(i, KilnDialect::kDataAttrName))
      input = input.withData(symbolizeDataField(field.getValue()));
    inputs.push_back(input);
  }
  SmallVector<krt::ResultAttr> results;
  for (Type t : type.getResults())
    results.push_back(krt::ResultAttr::get(func.getContext(), cast<RankedTensorType>(t), -1));
  auto contract = krt::EntryPointAttr::get(func.getContext(), inputs, results, {});
  setEntryPoint(func, contract);
  return contract;
}
