// SPDX-License-Identifier: Apache-2.0
// kiln.mixed and its VJP (verifiers of a search space's edges, the gradient rule) and
// kiln.search_step's verifiers.
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace kiln;

namespace {

/// An edge's candidates: at least one, "none" at most once, an alpha entry each, and an
/// operand of the result's type for every candidate but "none".
LogicalResult verifyEdge(Operation *op, ArrayAttr ops, Value alpha, ValueRange candidates,
                         Type result) {
  if (ops.empty())
    return op->emitOpError("an edge needs at least one candidate operation");
  int64_t nones = 0;
  for (Attribute a : ops)
    nones += cast<StringAttr>(a).getValue() == "none";
  if (nones > 1)
    return op->emitOpError("lists \"none\" ") << nones << " times";
  auto alphaType = cast<RankedTensorType>(alpha.getType());
  if (alphaType.getRank() != 1 || alphaType.getDimSize(0) != int64_t(ops.size()))
    return op->emitOpError("alpha must be a [") << ops.size() << "] tensor, one entry per "
                                                << "candidate, not " << alphaType;
  if (int64_t(candidates.size()) != int64_t(ops.size()) - nones)
    return op->emitOpError("has ") << candidates.size() << " candidate operands for "
                                   << int64_t(ops.size()) - nones
                                   << " candidates other than \"none\"";
  for (Value c : candidates)
    if (c.getType() != result)
      return op->emitOpError("candidate of type ") << c.getType() << " does not match " << result;
  if (alphaType.getElementType() != cast<RankedTensorType>(result).getElementType())
    return op->emitOpError("alpha and the candidates must share an element type");
  if (!cast<RankedTensorType>(result).hasStaticShape())
    return op->emitOpError("needs static shapes");
  return success();
}

} // namespace

SmallVector<int64_t> MixedOp::getCandidateIndices() {
  SmallVector<int64_t> indices;
  for (auto [i, a] : llvm::enumerate(getOps()))
    if (cast<StringAttr>(a).getValue() != "none")
      indices.push_back(int64_t(i));
  return indices;
}

LogicalResult MixedOp::verify() {
  return verifyEdge(*this, getOps(), getAlpha(), getCandidates(), getResult().getType());
}

LogicalResult MixedGradOp::verify() {
  if (failed(verifyEdge(*this, getOps(), getAlpha(), getCandidates(),
                        getOutputGrad().getType())))
    return failure();
  if (getAlphaGrad().getType() != getAlpha().getType() ||
      getCandidateGrads().size() != getCandidates().size())
    return emitOpError("returns the alpha gradient and one gradient per candidate operand");
  return success();
}

FailureOr<SmallVector<Value>> MixedOp::buildVJP(OpBuilder &b, ValueRange cot) {
  SmallVector<Type> types(getCandidates().size(), getResult().getType());
  auto grad = MixedGradOp::create(b, getLoc(), getAlpha().getType(), types, getAlpha(), cot[0],
                                  getCandidates(), getOpsAttr());
  SmallVector<Value> result{grad.getAlphaGrad()};
  llvm::append_range(result, grad.getCandidateGrads());
  return result;
}

LogicalResult SearchStepOp::verify() {
  if (getLrMin().convertToDouble() > getLr().convertToDouble())
    return emitOpError("lr_min (") << getLrMin().convertToDouble() << ") exceeds lr ("
                                   << getLr().convertToDouble() << ")";
  if (getArchitecture().empty())
    return emitOpError("architecture lists no argument: a search needs alphas");
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t index : getArchitecture())
    if (!seen.insert(index).second)
      return emitOpError("architecture lists argument ") << index << " twice";
  return success();
}

LogicalResult SearchStepOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto loss = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getLossAttr());
  if (!loss)
    return emitOpError("'") << getLoss() << "' is not a function";
  FunctionType type = loss.getFunctionType();
  for (int64_t index : getArchitecture())
    if (index < 0 || index >= int64_t(type.getNumInputs()))
      return emitOpError("architecture argument ")
             << index << " is out of range: @" << getLoss() << " has " << type.getNumInputs()
             << " arguments";
  auto result = type.getNumResults() == 1 ? dyn_cast<RankedTensorType>(type.getResult(0))
                                          : RankedTensorType();
  if (!result || result.getRank() != 0 || !result.getElementType().isF32())
    return emitOpError("@") << getLoss() << " must return one tensor<f32>, the loss";
  int64_t weights = 0, data = 0;
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    bool isAlpha = llvm::is_contained(getArchitecture(), int64_t(i));
    if (auto field = loss.getArgAttrOfType<StringAttr>(i, KilnDialect::kDataAttrName)) {
      if (isAlpha)
        return emitOpError("architecture argument ") << i << " of @" << getLoss()
                                                     << " is data (kiln.data)";
      if (field.getValue().starts_with("val_"))
        return emitOpError("@") << getLoss() << " argument " << i << " is \"" << field.getValue()
                                << "\": the loss names one batch (\"images\", \"labels\"); the "
                                   "step adds split B's";
      ++data;
      continue;
    }
    auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
    if (!tensor || !tensor.getElementType().isF32())
      return emitOpError("@") << getLoss() << " argument " << i << " ("
                              << (isAlpha ? "an alpha" : "a weight")
                              << ") must be an f32 tensor, not " << type.getInput(i)
                              << "; data arguments carry kiln.data";
    if (isAlpha)
      continue;
    ++weights;
    if (!loss.getArgAttr(i, KilnDialect::kInitAttrName))
      return emitOpError("weight argument ") << i << " of @" << getLoss()
                                             << " needs a kiln.init: the step initialises it";
  }
  if (!weights)
    return emitOpError("@") << getLoss() << " has no weights to search with";
  if (!data)
    return emitOpError("@") << getLoss()
                            << " has no data argument (kiln.data \"images\"/\"labels\")";
  return success();
}
