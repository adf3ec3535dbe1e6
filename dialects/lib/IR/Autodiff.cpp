// SPDX-License-Identifier: Apache-2.0
// Verification of kiln.grad, kiln.value_and_grad and kiln.jvp against their callee.
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace kiln;

/// Shared by both ops: `hasValue` says whether the first result is the loss.
static LogicalResult verifyGradientOp(Operation *op, FlatSymbolRefAttr calleeAttr,
                                      ValueRange operands, ArrayRef<int64_t> wrt,
                                      TypeRange results, bool hasValue,
                                      SymbolTableCollection &symbols) {
  auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(op, calleeAttr);
  if (!callee)
    return op->emitOpError("'") << calleeAttr.getValue() << "' is not a function";
  FunctionType type = callee.getFunctionType();
  if (TypeRange(type.getInputs()) != TypeRange(operands))
    return op->emitOpError("operands do not match the signature of @") << callee.getSymName();
  if (type.getNumResults() != 1)
    return op->emitOpError("@") << callee.getSymName() << " must return one value, the loss";
  auto loss = dyn_cast<RankedTensorType>(type.getResult(0));
  if (!loss || loss.getRank() != 0 || !isa<FloatType>(loss.getElementType()))
    return op->emitOpError("@") << callee.getSymName()
                                << " must return a rank-0 floating-point tensor, not "
                                << type.getResult(0);
  if (results.size() != wrt.size() + (hasValue ? 1 : 0))
    return op->emitOpError("has ") << results.size() << " results for " << wrt.size()
                                   << " gradients" << (hasValue ? " and the loss" : "");
  if (hasValue && results.front() != loss)
    return op->emitOpError("returns the loss as ") << results.front() << ", but @"
                                                     << callee.getSymName() << " returns " << loss;
  llvm::SmallDenseSet<int64_t> seen;
  for (auto [i, index] : llvm::enumerate(wrt)) {
    if (index < 0 || index >= int64_t(operands.size()))
      return op->emitOpError("wrt index ") << index << " is out of range";
    if (!seen.insert(index).second)
      return op->emitOpError("wrt lists argument ") << index << " twice";
    Type arg = type.getInput(index);
    auto tensor = dyn_cast<RankedTensorType>(arg);
    if (!tensor || !isa<FloatType>(tensor.getElementType()))
      return op->emitOpError("cannot differentiate with respect to argument ")
             << index << " of type " << arg;
    if (results[i + (hasValue ? 1 : 0)] != arg)
      return op->emitOpError("gradient ") << i << " has type " << results[i + (hasValue ? 1 : 0)]
                                          << ", its argument " << arg;
  }
  return success();
}

LogicalResult ValueAndGradOp::verifySymbolUses(SymbolTableCollection &symbols) {
  return verifyGradientOp(*this, getCalleeAttr(), getOperands(), getWrt(),
                          getResults().getTypes(), /*hasValue=*/true, symbols);
}

LogicalResult GradOp::verifySymbolUses(SymbolTableCollection &symbols) {
  return verifyGradientOp(*this, getCalleeAttr(), getOperands(), getWrt(),
                          getResults().getTypes(), /*hasValue=*/false, symbols);
}

LogicalResult ClippedValueAndGradOp::verifySymbolUses(SymbolTableCollection &symbols) {
  size_t perWrt = getUnclipped() ? 2 : 1;
  if (getGradients().size() != perWrt * getWrt().size())
    return emitOpError("has ") << getGradients().size() << " gradient results for "
                               << getWrt().size() << " wrt arguments"
                               << (getUnclipped() ? " (clipped and unclipped sums)" : "");
  SmallVector<Type> results = {getLoss().getType()};
  for (Value g : getClippedGradients())
    results.push_back(g.getType());
  if (failed(verifyGradientOp(*this, getCalleeAttr(), getArgs(), getWrt(), results,
                              /*hasValue=*/true, symbols)))
    return failure();
  for (auto [clipped, plain] : llvm::zip(getClippedGradients(), getUnclippedGradients()))
    if (clipped.getType() != plain.getType())
      return emitOpError("unclipped sum has type ") << plain.getType() << ", its clipped sum "
                                                    << clipped.getType();
  auto norms = cast<RankedTensorType>(getNorms().getType());
  for (Value g : getClippedGradients())
    if (cast<RankedTensorType>(g.getType()).getElementType() != norms.getElementType())
      return emitOpError("clips gradients of the norms' element type (f32 or f64), not ")
             << g.getType() << " with norms " << norms;
  if (norms.getRank() != 1 || !norms.hasStaticShape())
    return emitOpError("returns one norm per sample, a static [B] tensor, not ") << norms;
  if (getWeights() && getWeights().getType() != norms)
    return emitOpError("weights ") << getWeights().getType()
                                   << " must be one per sample, as the norms " << norms;
  return success();
}

LogicalResult JvpOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError("'") << getCallee() << "' is not a function";
  FunctionType type = callee.getFunctionType();
  if (TypeRange(type.getInputs()) != getArgs().getTypes())
    return emitOpError("operands do not match the signature of @") << callee.getSymName();
  if (type.getNumResults() != 1 || type.getResult(0) != getValue().getType())
    return emitOpError("@") << callee.getSymName() << " must return one value, of type "
                            << getValue().getType();
  if (getTangent().getType() != getValue().getType())
    return emitOpError("tangent result has type ")
           << getTangent().getType() << ", the value " << getValue().getType();
  if (getTangents().size() != getWrt().size())
    return emitOpError("has ") << getTangents().size() << " tangents for " << getWrt().size()
                               << " wrt arguments";
  llvm::SmallDenseSet<int64_t> seen;
  for (auto [index, tangent] : llvm::zip(getWrt(), getTangents())) {
    if (index < 0 || index >= int64_t(getArgs().size()))
      return emitOpError("wrt index ") << index << " is out of range";
    if (!seen.insert(index).second)
      return emitOpError("wrt lists argument ") << index << " twice";
    if (tangent.getType() != type.getInput(index))
      return emitOpError("tangent of argument ")
             << index << " has type " << tangent.getType() << ", the argument "
             << type.getInput(index);
  }
  return success();
}
