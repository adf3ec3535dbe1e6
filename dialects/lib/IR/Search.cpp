// SPDX-License-Identifier: Apache-2.0
// kiln.mixed and its VJP: verifiers (a search space's edges) and the gradient rule.
#include "kiln/IR/KilnOps.h"

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
