// SPDX-License-Identifier: Apache-2.0
// Verifiers and VJP rules of the regularizers (Regularizers.td). The verifiers accept what
// the runtime's kernels accept, so that a program that compiles never reaches a kernel with
// shapes it refuses; the data (finite points, a finite kernel) is checked at run time.
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace kiln;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// x [n, d] and y [m, d] of one element type; `paired`: n = m (the Monge gap).
LogicalResult verifyClouds(Operation *op, Value x, Value y, bool paired) {
  auto tx = rankedType(x), ty = rankedType(y);
  if (tx.getRank() != 2 || ty.getRank() != 2)
    return op->emitOpError("takes point clouds as [points, dim] matrices, not ")
           << tx << " and " << ty;
  if (tx.getElementType() != ty.getElementType())
    return op->emitOpError("mixes element types ") << tx.getElementType() << " and "
                                                   << ty.getElementType();
  auto mismatch = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (mismatch(tx.getDimSize(1), ty.getDimSize(1)))
    return op->emitOpError("needs points of one dimension, not ") << tx << " and " << ty;
  if (paired && mismatch(tx.getDimSize(0), ty.getDimSize(0)))
    return op->emitOpError("pairs x_i with its image y_i, so x and y need one shape, not ")
           << tx << " and " << ty;
  for (auto t : {tx, ty})
    for (int64_t extent : t.getShape())
      if (extent == 0)
        return op->emitOpError("needs non-empty point clouds, not ") << t;
  return success();
}

template <typename OpTy> LogicalResult verifyForward(OpTy op, bool paired) {
  if (failed(verifyClouds(op, op.getX(), op.getY(), paired)))
    return failure();
  Type element = rankedType(op.getX()).getElementType();
  auto value = rankedType(op.getValue());
  if (value.getRank() != 0 || value.getElementType() != element)
    return op.emitOpError("returns a rank-0 tensor of ") << element << ", not " << value;
  if (Value stats = op.getStats()) {
    auto type = rankedType(stats);
    if (type.getShape() != ArrayRef<int64_t>{4} || type.getElementType() != element)
      return op.emitOpError("returns its record as ")
             << RankedTensorType::get({4}, element)
             << " [epsilon, iterations, error, converged], not " << type;
  }
  return success();
}

template <typename OpTy> LogicalResult verifyGrad(OpTy op, bool paired) {
  if (failed(verifyClouds(op, op.getX(), op.getY(), paired)))
    return failure();
  auto cot = rankedType(op.getValueGrad());
  if (cot.getRank() != 0 || cot.getElementType() != rankedType(op.getX()).getElementType())
    return op.emitOpError("takes the value's cotangent as a rank-0 tensor of the points' type, "
                          "not ")
           << cot;
  return success();
}

/// The value's cotangent becomes the gradient op with the forward op's attributes; the
/// record (stats) carries no gradient.
template <typename GradOp, typename OpTy>
SmallVector<Value> transportVJP(OpTy op, OpBuilder &b, ValueRange cot) {
  auto grad = GradOp::create(b, op.getLoc(), op.getX().getType(), op.getY().getType(),
                             op.getX(), op.getY(), cot[0], op.getCostAttr(),
                             op.getEpsilonAttr(), op.getEpsilonModeAttr(),
                             op.getThresholdAttr(), op.getMaxIterationsAttr());
  return {grad.getXGrad(), grad.getYGrad()};
}

} // namespace

LogicalResult MongeGapOp::verify() { return verifyForward(*this, /*paired=*/true); }
LogicalResult SinkhornDivergenceOp::verify() { return verifyForward(*this, /*paired=*/false); }
LogicalResult MongeGapGradOp::verify() { return verifyGrad(*this, /*paired=*/true); }
LogicalResult SinkhornDivergenceGradOp::verify() { return verifyGrad(*this, /*paired=*/false); }

FailureOr<SmallVector<Value>> MongeGapOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return transportVJP<MongeGapGradOp>(*this, b, cot);
}

FailureOr<SmallVector<Value>> SinkhornDivergenceOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return transportVJP<SinkhornDivergenceGradOp>(*this, b, cot);
}

//===-- kiln.ntk, kiln.ntk_spectrum ---------------------------------------------------------===//

LogicalResult NtkOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError("'") << getCallee() << "' is not a function";
  FunctionType type = callee.getFunctionType();
  if (TypeRange(type.getInputs()) != getOperands().getTypes())
    return emitOpError("operands do not match the signature of @") << callee.getSymName();
  auto logits = type.getNumResults() == 1 ? dyn_cast<RankedTensorType>(type.getResult(0))
                                          : RankedTensorType();
  if (!logits || logits.getRank() != 2 || !logits.hasStaticShape() ||
      !isa<FloatType>(logits.getElementType()))
    return emitOpError("@") << callee.getSymName()
                            << " must return one static [batch, logits] floating-point tensor";
  int64_t n = logits.getDimSize(0), k = logits.getDimSize(1);
  if (n == 0 || k == 0)
    return emitOpError("needs at least one sample and one logit, not ") << logits;
  if (getWrt().empty())
    return emitOpError("needs at least one parameter in wrt");
  llvm::SmallDenseSet<int64_t> seen;
  Type element;
  for (int64_t index : getWrt()) {
    if (index < 0 || index >= int64_t(getOperands().size()))
      return emitOpError("wrt index ") << index << " is out of range";
    if (!seen.insert(index).second)
      return emitOpError("wrt lists argument ") << index << " twice";
    auto param = dyn_cast<RankedTensorType>(type.getInput(index));
    if (!param || !isa<FloatType>(param.getElementType()) || !param.hasStaticShape())
      return emitOpError("parameter ") << index << " must be a static floating-point tensor, not "
                                       << type.getInput(index);
    if (element && param.getElementType() != element)
      return emitOpError("parameters of one element type are contracted together, not ")
             << element << " and " << param.getElementType();
    element = param.getElementType();
  }
  SmallVector<int64_t> shape = getLogits() == NtkLogits::Full ? SmallVector<int64_t>{n, k, n, k}
                                                              : SmallVector<int64_t>{n, n};
  auto result = rankedType(getKernel());
  if (result.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("with logits \"")
           << stringifyNtkLogits(getLogits()) << "\" returns "
           << RankedTensorType::get(shape, result.getElementType()) << ", not " << result;
  return success();
}

LogicalResult NtkSpectrumOp::verify() {
  auto kernel = rankedType(getKernel());
  Type element = kernel.getElementType();
  ArrayRef<int64_t> s = kernel.getShape();
  if (!kernel.hasStaticShape() ||
      !((s.size() == 2 && s[0] == s[1]) || (s.size() == 4 && s[0] == s[2] && s[1] == s[3])) ||
      kernel.getNumElements() == 0)
    return emitOpError("takes a static square kernel [M, M] or [N, K, N, K], not ") << kernel;
  int64_t m = s.size() == 2 ? s[0] : s[0] * s[1];
  auto eigenvalues = rankedType(getEigenvalues());
  if (eigenvalues != RankedTensorType::get({m}, element))
    return emitOpError("returns its eigenvalues as ") << RankedTensorType::get({m}, element)
                                                      << ", not " << eigenvalues;
  auto scalar = RankedTensorType::get({}, element);
  if (rankedType(getTrace()) != scalar || rankedType(getConditionNumber()) != scalar)
    return emitOpError("returns the trace and the condition number as ") << scalar;
  return success();
}
