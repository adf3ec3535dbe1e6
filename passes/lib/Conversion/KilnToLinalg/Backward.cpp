// SPDX-License-Identifier: Apache-2.0
// Lowers the backward building blocks that kiln-autodiff emits for the model ops and losses
// (the gradients of relu, softmax, layer and batch normalization, cross-entropy, and the
// reductions and broadcasts of broadcasting ops) to linalg on tensors.
#include "Builders.h"
#include "Statistics.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

/// One reduction over the input into the target with its size-1 dimensions folded away,
/// expanded back to the target's shape.
Value lowerReduceToShape(ImplicitLocOpBuilder &b, ReduceToShapeOp op) {
  auto x = rankedType(op.getInput()), y = rankedType(op.getResult());
  int64_t rank = x.getRank(), offset = rank - y.getRank();
  SmallVector<bool> drop;
  for (int64_t d = 0; d < y.getRank(); ++d)
    drop.push_back(y.getDimSize(d) == 1 && x.getDimSize(offset + d) != 1);
  UnitDims unit = unitDims(y, drop);
  SmallVector<AffineExpr> exprs;
  SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
  for (int64_t d : unit.kept) {
    exprs.push_back(b.getAffineDimExpr(offset + d));
    kinds[offset + d] = utils::IteratorType::parallel;
  }
  Value init = filled(b, tensor::EmptyOp::create(b, unit.shape, y.getElementType()), 0.0);
  Value sum = generic(b, {op.getInput()}, init,
                      {identity(b, rank), AffineMap::get(rank, 0, exprs, b.getContext())}, kinds,
                      [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        return arith::AddFOp::create(nb, a[1], a[0]);
                      });
  if (unit.kept.size() == size_t(y.getRank()))
    return sum;
  return tensor::ExpandShapeOp::create(b, y, sum, unit.groups);
}
Value lowerSoftmaxGrad(ImplicitLocOpBuilder &b, SoftmaxGradOp op) {
  // dx = y * (dy - rowsum(dy * y)).
  Value y = op.getOutput(), dy = op.getOutputGrad();
  Value dot = rowSums(b, {dy, y}, {identity(b, 2), identity(b, 2)}, y,
                      [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        return arith::MulFOp::create(nb, a[0], a[1]);
                      });
  return generic(b, {y, dy, dot}, emptyLike(b, y),
                 {identity(b, 2), identity(b, 2), firstDim(b, 2), identity(b, 2)},
                 iterators(2, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::MulFOp::create(nb, a[0], arith::SubFOp::create(nb, a[1], a[2]));
                 });
}
Value lowerLogSoftmaxGrad(ImplicitLocOpBuilder &b, LogSoftmaxGradOp op) {
  // dx = dy - exp(y) * rowsum(dy).
  Value y = op.getOutput(), dy = op.getOutputGrad();
  Type element = rankedType(y).getElementType();
  auto rowType = RankedTensorType::get({rankedType(y).getDimSize(0)}, element);
  Value init = filled(b, emptyOf(b, rowType, [&](int64_t) { return dim(b, y, 0); }), 0.0);
  Value rowSum = generic(b, {dy}, init, {identity(b, 2), firstDim(b, 2)},
                         {utils::IteratorType::parallel, utils::IteratorType::reduction},
                         [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::AddFOp::create(nb, a[1], a[0]);
                         });
  return generic(b, {y, dy, rowSum}, emptyLike(b, y),
                 {identity(b, 2), identity(b, 2), firstDim(b, 2), identity(b, 2)},
                 iterators(2, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   Value p = math::ExpOp::create(nb, a[0]);
                   return arith::SubFOp::create(nb, a[1], arith::MulFOp::create(nb, p, a[2]));
                 });
}
SmallVector<Value> lowerLayerNormGrad(ImplicitLocOpBuilder &b, LayerNormGradOp op) {
  Value x = op.getInput(), gamma = op.getGamma(), dy = op.getOutputGrad();
  Type element = rankedType(x).getElementType();
  auto [mean, rstd] = rowMoments(b, x, op.getEps().convertToDouble());
  Value d = arith::UIToFPOp::create(b, element,
                                    arith::IndexCastOp::create(b, b.getI64Type(), dim(b, x, 1)));
  auto xhatOf = [](ImplicitLocOpBuilder &nb, Value xv, Value m, Value r) -> Value {
    return arith::MulFOp::create(nb, arith::SubFOp::create(nb, xv, m), r);
  };
  // Row sums of g = dy * gamma and of g * xhat.
  SmallVector<AffineMap> rowMaps = {identity(b, 2), lastDim(b, 2)};
  Value sumG =
      rowSums(b, {dy, gamma}, rowMaps, x, [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        return arith::MulFOp::create(nb, a[0], a[1]);
      });
  Value sumGX =
      rowSums(b, {dy, gamma, x, mean, rstd},
              {identity(b, 2), lastDim(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2)}, x,
              [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                Value g = arith::MulFOp::create(nb, a[0], a[1]);
                return arith::MulFOp::create(nb, g, xhatOf(nb, a[2], a[3], a[4]));
              });
  Value dx = generic(b, {dy, gamma, x, mean, rstd, sumG, sumGX}, emptyLike(b, x),
                     {identity(b, 2), lastDim(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2),
                      firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
                     iterators(2, utils::IteratorType::parallel),
                     [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                       Value g = arith::MulFOp::create(nb, a[0], a[1]);
                       Value xhat = xhatOf(nb, a[2], a[3], a[4]);
                       Value meanG = arith::DivFOp::create(nb, a[5], d);
                       Value meanGX = arith::DivFOp::create(nb, a[6], d);
                       Value inner = arith::SubFOp::create(nb, arith::SubFOp::create(nb, g, meanG),
                                                           arith::MulFOp::create(nb, xhat, meanGX));
                       return arith::MulFOp::create(nb, a[4], inner);
                     });
  // Column sums over the rows: d gamma = sum dy * xhat, d beta = sum dy.
  auto columnType = rankedType(gamma);
  auto columns = [&](int64_t) { return dim(b, gamma, 0); };
  SmallVector<utils::IteratorType> colIters = {utils::IteratorType::reduction,
                                               utils::IteratorType::parallel};
  Value dgamma =
      generic(b, {dy, x, mean, rstd}, filled(b, emptyOf(b, columnType, columns), 0.0),
              {identity(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2), lastDim(b, 2)},
              colIters, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                Value xhat = xhatOf(nb, a[1], a[2], a[3]);
                return arith::AddFOp::create(nb, a[4], arith::MulFOp::create(nb, a[0], xhat));
              });
  Value dbeta = generic(b, {dy}, filled(b, emptyOf(b, columnType, columns), 0.0),
                        {identity(b, 2), lastDim(b, 2)}, colIters,
                        [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                          return arith::AddFOp::create(nb, a[1], a[0]);
                        });
  return {dx, dgamma, dbeta};
}
SmallVector<Value> lowerBatchNormGrad(ImplicitLocOpBuilder &b, BatchNormGradOp op) {
  Value x = op.getInput(), gamma = op.getGamma(), dy = op.getOutputGrad();
  int64_t rank = rankedType(x).getRank();
  Type element = rankedType(x).getElementType();
  bool training = op.getTraining();
  auto [mean, rstd] = normalization(b, x, op.getRunningMean(), op.getRunningVar(),
                                    op.getEps().convertToDouble(), training);
  AffineMap id = identity(b, rank), ch = channel(b, rank);
  auto xhatOf = [](ImplicitLocOpBuilder &nb, Value xv, Value m, Value r) -> Value {
    return arith::MulFOp::create(nb, arith::SubFOp::create(nb, xv, m), r);
  };
  // d beta = sum dy; d gamma = sum dy * xhat (per channel).
  Value dbeta =
      channelSums(b, {dy}, {id}, x, [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
  Value dgamma = channelSums(b, {dy, x, mean, rstd}, {id, id, ch, ch}, x,
                             [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                               return arith::MulFOp::create(nb, a[0], xhatOf(nb, a[1], a[2], a[3]));
                             });
  Value dx;
  if (!training) {
    // dx = dy * gamma * rstd.
    dx = generic(b, {dy, gamma, rstd}, emptyLike(b, x), {id, ch, ch, id},
                 iterators(rank, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::MulFOp::create(nb, arith::MulFOp::create(nb, a[0], a[1]), a[2]);
                 });
  } else {
    // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma; the channel
    // means of g and g * xhat are gamma * d beta / M and gamma * d gamma / M.
    Value count = floatConst(b, element, perChannelCount(x));
    dx = generic(b, {dy, x, gamma, mean, rstd, dbeta, dgamma}, emptyLike(b, x),
                 {id, id, ch, ch, ch, ch, ch, id}, iterators(rank, utils::IteratorType::parallel),
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   Value g = arith::MulFOp::create(nb, a[0], a[2]);
                   Value xhat = xhatOf(nb, a[1], a[3], a[4]);
                   Value meanG =
                       arith::DivFOp::create(nb, arith::MulFOp::create(nb, a[2], a[5]), count);
                   Value meanGX =
                       arith::DivFOp::create(nb, arith::MulFOp::create(nb, a[2], a[6]), count);
                   Value inner = arith::SubFOp::create(nb, arith::SubFOp::create(nb, g, meanG),
                                                       arith::MulFOp::create(nb, xhat, meanGX));
                   return arith::MulFOp::create(nb, a[4], inner);
                 });
  }
  return {dx, dgamma, dbeta};
}
Value lowerReluGrad(ImplicitLocOpBuilder &b, ReluGradOp op) {
  Type element = rankedType(op.getInput()).getElementType();
  int64_t rank = rankedType(op.getInput()).getRank();
  return generic(b, {op.getInput(), op.getResultGrad()}, emptyLike(b, op.getInput()),
                 {identity(b, rank), identity(b, rank), identity(b, rank)},
                 iterators(rank, utils::IteratorType::parallel),
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   Value zero = floatConst(nb, element, 0.0);
                   Value positive =
                       arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, a[0], zero);
                   return arith::SelectOp::create(nb, positive, a[1], zero);
                 });
}
Value lowerBroadcast(ImplicitLocOpBuilder &b, BroadcastOp op) {
  auto type = rankedType(op.getResult());
  int64_t rank = type.getRank();
  // The verifier allows only static results: a dynamic size would have no source here.
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  return generic(b, {op.getInput()}, init, {toScalar(b, rank), identity(b, rank)},
                 iterators(rank, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &, ValueRange a) -> Value { return a[0]; });
}
Value lowerSumLeading(ImplicitLocOpBuilder &b, SumLeadingOp op) {
  int64_t rank = rankedType(op.getInput()).getRank();
  Value init = filled(b,
                      emptyOf(b, rankedType(op.getResult()),
                              [&](int64_t) { return dim(b, op.getInput(), rank - 1); }),
                      0.0);
  SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
  kinds.back() = utils::IteratorType::parallel;
  return generic(b, {op.getInput()}, init, {identity(b, rank), lastDim(b, rank)}, kinds,
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, a[1], a[0]);
                 });
}
Value lowerSoftmaxCrossEntropyGrad(ImplicitLocOpBuilder &b, SoftmaxCrossEntropyGradOp op) {
  Value logits = op.getLogits();
  Type element = rankedType(logits).getElementType();
  auto [rowMax, sumExp] = softmaxRows(b, logits);
  Value scale = arith::MulFOp::create(b, extractScalar(b, op.getLossGrad()),
                                      reductionScale(b, logits, op.getReduction(), element));
  return generic(
      b, {logits, rowMax, sumExp, op.getLabels()}, emptyLike(b, logits),
      {identity(b, 2), firstDim(b, 2), firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
      iterators(2, utils::IteratorType::parallel),
      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        Value p = arith::DivFOp::create(
            nb, math::ExpOp::create(nb, arith::SubFOp::create(nb, a[0], a[1])), a[2]);
        Value column =
            arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 1));
        Value label = a[3].getType().isInteger(64)
                          ? a[3]
                          : arith::ExtSIOp::create(nb, nb.getI64Type(), a[3]).getResult();
        Value isLabel = arith::CmpIOp::create(nb, arith::CmpIPredicate::eq, column, label);
        Value onehot = arith::SelectOp::create(nb, isLabel, floatConst(nb, element, 1.0),
                                               floatConst(nb, element, 0.0));
        return arith::MulFOp::create(nb, arith::SubFOp::create(nb, p, onehot), scale);
      });
}

} // namespace

void kiln::populateBackwardToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<FunctionLowering<ReduceToShapeOp>>(ctx, lowerReduceToShape);
  patterns.add<FunctionLowering<SoftmaxGradOp>>(ctx, lowerSoftmaxGrad);
  patterns.add<FunctionLowering<LogSoftmaxGradOp>>(ctx, lowerLogSoftmaxGrad);
  patterns.add<FunctionLowering<LayerNormGradOp>>(ctx, lowerLayerNormGrad);
  patterns.add<FunctionLowering<BatchNormGradOp>>(ctx, lowerBatchNormGrad);
  patterns.add<FunctionLowering<ReluGradOp>>(ctx, lowerReluGrad);
  patterns.add<FunctionLowering<BroadcastOp>>(ctx, lowerBroadcast);
  patterns.add<FunctionLowering<SumLeadingOp>>(ctx, lowerSumLeading);
  patterns.add<FunctionLowering<SoftmaxCrossEntropyGradOp>>(ctx, lowerSoftmaxCrossEntropyGrad);
}
