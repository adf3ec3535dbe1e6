// SPDX-License-Identifier: Apache-2.0
// VJP rules for upstream element-wise ops, attached as external models. Each rule emits
// element-wise arith/math on tensors, which kiln-fuse later merges with its neighbours.
#include "kiln/IR/ExternalModels.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace {

using Rule = SmallVector<Value> (*)(OpBuilder &, Operation *, Value dy);

/// An external model whose VJP is `rule`, for an op on tensors.
template <typename OpTy, Rule rule>
struct ElementwiseVJP
    : kiln::DifferentiableOpInterface::ExternalModel<ElementwiseVJP<OpTy, rule>, OpTy> {
  FailureOr<SmallVector<Value>> buildVJP(Operation *op, OpBuilder &b,
                                         ValueRange cotangents) const {
    if (!isa<RankedTensorType>(op->getResult(0).getType()))
      return op->emitOpError("is differentiated only on tensors");
    return rule(b, op, cotangents[0]);
  }
};

SmallVector<Value> addRule(OpBuilder &, Operation *, Value dy) { return {dy, dy}; }
SmallVector<Value> subRule(OpBuilder &b, Operation *op, Value dy) {
  return {dy, arith::NegFOp::create(b, op->getLoc(), dy)};
}
SmallVector<Value> mulRule(OpBuilder &b, Operation *op, Value dy) {
  Location loc = op->getLoc();
  return {arith::MulFOp::create(b, loc, dy, op->getOperand(1)),
          arith::MulFOp::create(b, loc, dy, op->getOperand(0))};
}
SmallVector<Value> divRule(OpBuilder &b, Operation *op, Value dy) {
  // d(a / c) = dy / c and -(dy / c) * (a / c), reusing the forward quotient.
  Location loc = op->getLoc();
  Value da = arith::DivFOp::create(b, loc, dy, op->getOperand(1));
  Value dc = arith::NegFOp::create(b, loc, arith::MulFOp::create(b, loc, da, op->getResult(0)));
  return {da, dc};
}
SmallVector<Value> negRule(OpBuilder &b, Operation *op, Value dy) {
  return {arith::NegFOp::create(b, op->getLoc(), dy)};
}
SmallVector<Value> expRule(OpBuilder &b, Operation *op, Value dy) {
  return {arith::MulFOp::create(b, op->getLoc(), dy, op->getResult(0))};
}
SmallVector<Value> logRule(OpBuilder &b, Operation *op, Value dy) {
  return {arith::DivFOp::create(b, op->getLoc(), dy, op->getOperand(0))};
}
SmallVector<Value> tanhRule(OpBuilder &b, Operation *op, Value dy) {
  // dy * (1 - y^2)
  Location loc = op->getLoc();
  Value y = op->getResult(0);
  auto type = cast<RankedTensorType>(y.getType());
  Value one = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 1.0)));
  Value slope = arith::SubFOp::create(b, loc, one, arith::MulFOp::create(b, loc, y, y));
  return {arith::MulFOp::create(b, loc, dy, slope)};
}

SmallVector<Value> erfRule(OpBuilder &b, Operation *op, Value dy) {
  // dy * 2 / sqrt(pi) * exp(-x^2): met differentiating gelu's slope (kiln.ntk's VJP).
  Location loc = op->getLoc();
  Value x = op->getOperand(0);
  auto type = cast<RankedTensorType>(x.getType());
  auto splat = [&](double v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), v)));
  };
  Value gauss = math::ExpOp::create(
      b, loc, arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), splat(-1.0)));
  Value slope = arith::MulFOp::create(b, loc, gauss, splat(M_2_SQRTPI));
  return {arith::MulFOp::create(b, loc, dy, slope)};
}
SmallVector<Value> selectRule(OpBuilder &b, Operation *op, Value dy) {
  // The chosen side gets the cotangent, the other zero; the condition none.
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(dy.getType());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
  Value condition = op->getOperand(0);
  return {Value(), arith::SelectOp::create(b, loc, condition, dy, zero),
          arith::SelectOp::create(b, loc, condition, zero, dy)};
}

/// Reshapes only move elements: the cotangent is reshaped back.
struct CollapseShapeVJP
    : kiln::DifferentiableOpInterface::ExternalModel<CollapseShapeVJP, tensor::CollapseShapeOp> {
  FailureOr<SmallVector<Value>> buildVJP(Operation *op, OpBuilder &b, ValueRange cot) const {
    auto collapse = cast<tensor::CollapseShapeOp>(op);
    return SmallVector<Value>{tensor::ExpandShapeOp::create(
                                  b, op->getLoc(), collapse.getSrcType(), cot[0],
                                  collapse.getReassociationIndices())
                                  .getResult()};
  }
};
struct ExpandShapeVJP
    : kiln::DifferentiableOpInterface::ExternalModel<ExpandShapeVJP, tensor::ExpandShapeOp> {
  FailureOr<SmallVector<Value>> buildVJP(Operation *op, OpBuilder &b, ValueRange cot) const {
    auto expand = cast<tensor::ExpandShapeOp>(op);
    SmallVector<Value> result = {tensor::CollapseShapeOp::create(
                                     b, op->getLoc(), expand.getSrcType(), cot[0],
                                     expand.getReassociationIndices())
                                     .getResult()};
    // The output_shape operands are sizes, not differentiable.
    result.resize(op->getNumOperands());
    return result;
  }
};

/// Each input's cotangent is its slice of the concatenation's cotangent.
struct ConcatVJP : kiln::DifferentiableOpInterface::ExternalModel<ConcatVJP, tensor::ConcatOp> {
  FailureOr<SmallVector<Value>> buildVJP(Operation *op, OpBuilder &b, ValueRange cot) const {
    auto concat = cast<tensor::ConcatOp>(op);
    if (!concat.getResultType().hasStaticShape())
      return op->emitOpError("needs a static shape to be differentiated");
    int64_t rank = concat.getRank(), dim = int64_t(concat.getDim()), offset = 0;
    SmallVector<Value> result;
    for (Value input : concat.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      offsets[dim] = offset;
      offset += type.getDimSize(dim);
      result.push_back(tensor::ExtractSliceOp::create(b, op->getLoc(), type, cot[0],
                                                      ValueRange{}, ValueRange{}, ValueRange{},
                                                      b.getDenseI64ArrayAttr(offsets),
                                                      b.getDenseI64ArrayAttr(type.getShape()),
                                                      b.getDenseI64ArrayAttr(strides)));
    }
    return result;
  }
};

} // namespace

void kiln::registerDifferentiableExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, arith::ArithDialect *) {
    arith::AddFOp::attachInterface<ElementwiseVJP<arith::AddFOp, addRule>>(*ctx);
    arith::SubFOp::attachInterface<ElementwiseVJP<arith::SubFOp, subRule>>(*ctx);
    arith::MulFOp::attachInterface<ElementwiseVJP<arith::MulFOp, mulRule>>(*ctx);
    arith::DivFOp::attachInterface<ElementwiseVJP<arith::DivFOp, divRule>>(*ctx);
    arith::NegFOp::attachInterface<ElementwiseVJP<arith::NegFOp, negRule>>(*ctx);
    arith::SelectOp::attachInterface<ElementwiseVJP<arith::SelectOp, selectRule>>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, tensor::TensorDialect *) {
    tensor::CollapseShapeOp::attachInterface<CollapseShapeVJP>(*ctx);
    tensor::ExpandShapeOp::attachInterface<ExpandShapeVJP>(*ctx);
    tensor::ConcatOp::attachInterface<ConcatVJP>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, math::MathDialect *) {
    math::ExpOp::attachInterface<ElementwiseVJP<math::ExpOp, expRule>>(*ctx);
    math::LogOp::attachInterface<ElementwiseVJP<math::LogOp, logRule>>(*ctx);
    math::TanhOp::attachInterface<ElementwiseVJP<math::TanhOp, tanhRule>>(*ctx);
    math::ErfOp::attachInterface<ElementwiseVJP<math::ErfOp, erfRule>>(*ctx);
  });
}
