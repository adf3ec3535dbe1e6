// SPDX-License-Identifier: Apache-2.0
// Verifiers and VJP rules of the entropic OT regularizers (Regularizers.td). The verifier
// accepts what the runtime's solver accepts, so that a program that compiles never reaches
// the kernel with shapes it refuses; the data (finite points) is checked at run time.
#include "kiln/IR/KilnOps.h"

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
