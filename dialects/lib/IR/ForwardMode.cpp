// SPDX-License-Identifier: Apache-2.0
// Forward-mode (JVP) rules of the model ops, in one place. Most follow from the op's
// structure rather than its formula:
//   - linear ops (sums, reshapes, transposes, pools that average, a dropout mask on a fixed
//     key) map tangents as they map values: the op applied to the tangents;
//   - multilinear ops (products, convolutions) are linear in each operand: one copy of the
//     op per varying operand, with that operand replaced by its tangent, summed;
//   - element-wise functions have a diagonal, hence symmetric, Jacobian: the JVP is the
//     VJP rule applied to the tangent.
// Every op these rules build has a VJP rule, so a gradient of a JVP (reverse over forward,
// kiln.ntk's VJP) needs no second-order rules.
#include "kiln/IR/ExternalModels.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace {

bool isFloatTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && isa<FloatType>(tensor.getElementType());
}

FailureOr<Value> zerosLike(OpBuilder &b, Operation *op, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  if (!type.hasStaticShape())
    return op->emitOpError("needs a static shape to be differentiated in forward mode");
  return Value(arith::ConstantOp::create(
      b, op->getLoc(), DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0))));
}

/// The floating-point results of `op` as tangents, null for the others (an RNG key).
SmallVector<Value> floatResults(Operation *op) {
  return llvm::map_to_vector(op->getResults(), [](Value r) {
    return isFloatTensor(r.getType()) ? r : Value();
  });
}

/// The op on its tangents: every floating-point tensor operand replaced by its tangent
/// (zeros where it has none); integer operands (a key, sizes) stay.
template <typename OpTy>
struct LinearJVP : kiln::ForwardDifferentiableOpInterface::ExternalModel<LinearJVP<OpTy>, OpTy> {
  FailureOr<SmallVector<Value>> buildJVP(Operation *op, OpBuilder &b, ValueRange tangents) const {
    SmallVector<Value> operands(op->getOperands());
    for (auto [operand, tangent] : llvm::zip(operands, tangents)) {
      if (!isFloatTensor(operand.getType()))
        continue;
      FailureOr<Value> t = tangent ? FailureOr<Value>(tangent) : zerosLike(b, op, operand);
      if (failed(t))
        return failure();
      operand = *t;
    }
    Operation *copy = b.clone(*op);
    copy->setOperands(operands);
    return floatResults(copy);
  }
};

/// Linear in each operand: d f(a, b) = f(da, b) + f(a, db).
template <typename OpTy>
struct MultilinearJVP
    : kiln::ForwardDifferentiableOpInterface::ExternalModel<MultilinearJVP<OpTy>, OpTy> {
  FailureOr<SmallVector<Value>> buildJVP(Operation *op, OpBuilder &b, ValueRange tangents) const {
    Value sum;
    for (auto [index, tangent] : llvm::enumerate(tangents)) {
      if (!tangent)
        continue;
      Operation *copy = b.clone(*op);
      copy->setOperand(index, tangent);
      Value term = copy->getResult(0);
      sum = sum ? Value(arith::AddFOp::create(b, op->getLoc(), sum, term)) : term;
    }
    return SmallVector<Value>{sum};
  }
};

/// An element-wise function of one operand: its Jacobian is diagonal, so the VJP rule of
/// the tangent is the JVP.
template <typename OpTy>
struct DiagonalJVP
    : kiln::ForwardDifferentiableOpInterface::ExternalModel<DiagonalJVP<OpTy>, OpTy> {
  FailureOr<SmallVector<Value>> buildJVP(Operation *op, OpBuilder &b, ValueRange tangents) const {
    auto reverse = dyn_cast<kiln::DifferentiableOpInterface>(op);
    if (!reverse || !isFloatTensor(op->getResult(0).getType()))
      return op->emitOpError("is differentiated in forward mode only on tensors");
    FailureOr<SmallVector<Value>> vjp = reverse.buildVJP(b, tangents.take_front(1));
    if (failed(vjp))
      return failure();
    return SmallVector<Value>{(*vjp)[0]};
  }
};

/// d(a / c) = (da - (a / c) dc) / c, reusing the forward quotient.
struct DivJVP : kiln::ForwardDifferentiableOpInterface::ExternalModel<DivJVP, arith::DivFOp> {
  FailureOr<SmallVector<Value>> buildJVP(Operation *op, OpBuilder &b, ValueRange t) const {
    if (!isFloatTensor(op->getResult(0).getType()))
      return op->emitOpError("is differentiated in forward mode only on tensors");
    Location loc = op->getLoc();
    Value numerator = t[0];
    if (t[1]) {
      Value scaled = arith::MulFOp::create(b, loc, op->getResult(0), t[1]);
      numerator = numerator ? Value(arith::SubFOp::create(b, loc, numerator, scaled))
                            : Value(arith::NegFOp::create(b, loc, scaled));
    }
    return SmallVector<Value>{arith::DivFOp::create(b, loc, numerator, op->getOperand(1))};
  }
};

template <typename... Ops> void attachLinear(MLIRContext *ctx) {
  (Ops::template attachInterface<LinearJVP<Ops>>(*ctx), ...);
}
template <typename... Ops> void attachMultilinear(MLIRContext *ctx) {
  (Ops::template attachInterface<MultilinearJVP<Ops>>(*ctx), ...);
}
template <typename... Ops> void attachDiagonal(MLIRContext *ctx) {
  (Ops::template attachInterface<DiagonalJVP<Ops>>(*ctx), ...);
}

} // namespace

void kiln::registerForwardModeModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, kiln::KilnDialect *) {
    attachLinear<kiln::BiasAddOp, kiln::AddOp, kiln::TransposeOp, kiln::SumOp, kiln::DropoutOp,
                 kiln::ChannelBiasOp, kiln::AvgPool2dOp, kiln::GlobalAvgPoolOp>(ctx);
    attachMultilinear<kiln::MatmulOp, kiln::BatchMatmulOp, kiln::MulOp, kiln::Conv2dOp>(ctx);
    // softmax's Jacobian diag(s) - s s^T is symmetric too.
    attachDiagonal<kiln::ReluOp, kiln::SigmoidOp, kiln::GeluOp, kiln::LeakyReluOp,
                   kiln::SoftmaxOp>(ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, arith::ArithDialect *) {
    attachLinear<arith::AddFOp, arith::SubFOp, arith::NegFOp>(ctx);
    attachMultilinear<arith::MulFOp>(ctx);
    arith::DivFOp::attachInterface<DivJVP>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, math::MathDialect *) {
    attachDiagonal<math::ExpOp, math::LogOp, math::TanhOp>(ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, tensor::TensorDialect *) {
    attachLinear<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ConcatOp,
                 tensor::ExtractSliceOp>(ctx);
  });
}
