// SPDX-License-Identifier: Apache-2.0
// Row and channel statistics shared by the forward and backward lowerings.
#include "Statistics.h"
#include "Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace kiln::detail {

/// Per-row sums over the last dimension of a [N, D] tensor of term(elements...).
Value rowSums(ImplicitLocOpBuilder &b, ValueRange ins, ArrayRef<AffineMap> inMaps, Value like,
              function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> term) {
  Type element = rankedType(like).getElementType();
  auto rowType = RankedTensorType::get({rankedType(like).getDimSize(0)}, element);
  Value init = filled(b, emptyOf(b, rowType, [&](int64_t) { return dim(b, like, 0); }), 0.0);
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(firstDim(b, 2));
  return generic(b, ins, init, maps,
                 {utils::IteratorType::parallel, utils::IteratorType::reduction},
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, a.back(), term(nb, a.drop_back()));
                 });
}
/// Per-row mean and 1 / sqrt(var + eps) of [N, D] rows.
std::pair<Value, Value> rowMoments(ImplicitLocOpBuilder &b, Value x, double eps) {
  Type element = rankedType(x).getElementType();
  Value d = arith::UIToFPOp::create(b, element,
                                    arith::IndexCastOp::create(b, b.getI64Type(), dim(b, x, 1)));
  Value sum = rowSums(b, {x}, {identity(b, 2)}, x,
                      [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
  Value mean = generic(b, {sum}, emptyLike(b, sum), {identity(b, 1), identity(b, 1)},
                       {utils::IteratorType::parallel},
                       [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                         return arith::DivFOp::create(nb, a[0], d);
                       });
  Value sq = rowSums(b, {x, mean}, {identity(b, 2), firstDim(b, 2)}, x,
                     [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                       Value c = arith::SubFOp::create(nb, a[0], a[1]);
                       return arith::MulFOp::create(nb, c, c);
                     });
  Value rstd = generic(
      b, {sq}, emptyLike(b, sq), {identity(b, 1), identity(b, 1)}, {utils::IteratorType::parallel},
      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        Value var = arith::DivFOp::create(nb, a[0], d);
        Value v = arith::AddFOp::create(nb, var, floatConst(nb, element, eps));
        // 1 / sqrt: math.rsqrt has no libm function to fall back to.
        return arith::DivFOp::create(nb, floatConst(nb, element, 1.0), math::SqrtOp::create(nb, v));
      });
  return {mean, rstd};
}
//===-- Batch normalization: reductions over every dimension but the channels (1) ----===//
AffineMap channel(ImplicitLocOpBuilder &b, int64_t rank) {
  return AffineMap::get(rank, 0, b.getAffineDimExpr(1));
}
/// Per-channel sums of term(elements...) over an [N, C, ...] tensor shaped like `like`.
Value channelSums(ImplicitLocOpBuilder &b, ValueRange ins, ArrayRef<AffineMap> inMaps, Value like,
                  function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> term) {
  auto type = rankedType(like);
  int64_t rank = type.getRank();
  auto channels = RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
  Value init =
      filled(b, tensor::EmptyOp::create(b, channels.getShape(), type.getElementType()), 0.0);
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(channel(b, rank));
  SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
  kinds[1] = utils::IteratorType::parallel;
  return generic(b, ins, init, maps, kinds, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
    return arith::AddFOp::create(nb, a.back(), term(nb, a.drop_back()));
  });
}
/// An element-wise map over [C] vectors into a fresh one (or into `into`, whose element
/// comes last in the body's arguments).
Value perChannel(ImplicitLocOpBuilder &b, ValueRange ins, Value into,
                 function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body) {
  SmallVector<AffineMap> maps(ins.size() + 1, identity(b, 1));
  return generic(b, ins, into, maps, {utils::IteratorType::parallel}, body);
}
Value rsqrt(ImplicitLocOpBuilder &b, Value v) {
  Type element = v.getType();
  // 1 / sqrt: math.rsqrt has no libm function to fall back to.
  return arith::DivFOp::create(b, floatConst(b, element, 1.0), math::SqrtOp::create(b, v));
}
/// Elements per channel of an [N, C, ...] tensor.
double perChannelCount(Value x) {
  auto type = rankedType(x);
  return type.getDimSize(1) ? double(type.getNumElements() / type.getDimSize(1)) : 0.0;
}
/// The batch's per-channel mean and sum of squared deviations.
std::pair<Value, Value> batchMoments(ImplicitLocOpBuilder &b, Value x) {
  int64_t rank = rankedType(x).getRank();
  Type element = rankedType(x).getElementType();
  Value count = floatConst(b, element, perChannelCount(x));
  Value sum = channelSums(b, {x}, {identity(b, rank)}, x,
                          [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
  Value mean =
      perChannel(b, {sum}, emptyLike(b, sum), [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        return arith::DivFOp::create(nb, a[0], count);
      });
  Value squares = channelSums(b, {x, mean}, {identity(b, rank), channel(b, rank)}, x,
                              [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                                Value c = arith::SubFOp::create(nb, a[0], a[1]);
                                return arith::MulFOp::create(nb, c, c);
                              });
  return {mean, squares};
}
/// The mean and 1 / sqrt(var + eps) a batch norm normalizes with: the batch's (biased
/// variance) in training mode, else the running statistics.
std::pair<Value, Value> normalization(ImplicitLocOpBuilder &b, Value x, Value runningMean,
                                      Value runningVar, double eps, bool training) {
  if (!training) {
    Value epsilon = floatConst(b, rankedType(x).getElementType(), eps);
    return {runningMean, perChannel(b, {runningVar}, emptyLike(b, runningVar),
                                    [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                                      return rsqrt(nb, arith::AddFOp::create(nb, a[0], epsilon));
                                    })};
  }
  auto [mean, squares] = batchMoments(b, x);
  return {mean, batchRstd(b, x, squares, eps)};
}
/// 1 / sqrt(var + eps) from the sums of squared deviations, var biased (divided by M).
Value batchRstd(ImplicitLocOpBuilder &b, Value x, Value squares, double eps) {
  Type element = rankedType(x).getElementType();
  Value count = floatConst(b, element, perChannelCount(x));
  Value epsilon = floatConst(b, element, eps);
  return perChannel(b, {squares}, emptyLike(b, squares),
                    [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                      Value var = arith::DivFOp::create(nb, a[0], count);
                      return rsqrt(nb, arith::AddFOp::create(nb, var, epsilon));
                    });
}

/// Row maxima and sums of exp(x - max) of [N, C] logits: the stable log-sum-exp parts.
std::pair<Value, Value> softmaxRows(ImplicitLocOpBuilder &b, Value logits) {
  Type element = rankedType(logits).getElementType();
  auto rowType = RankedTensorType::get({rankedType(logits).getDimSize(0)}, element);
  auto rows = [&](int64_t) { return dim(b, logits, 0); };
  SmallVector<utils::IteratorType> kinds = {utils::IteratorType::parallel,
                                            utils::IteratorType::reduction};
  Value maxInit = filled(b, emptyOf(b, rowType, rows), -std::numeric_limits<double>::infinity());
  Value rowMax = generic(b, {logits}, maxInit, {identity(b, 2), firstDim(b, 2)}, kinds,
                         [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::MaximumFOp::create(nb, a[1], a[0]);
                         });
  Value sumInit = filled(b, emptyOf(b, rowType, rows), 0.0);
  Value sumExp =
      generic(b, {logits, rowMax}, sumInit, {identity(b, 2), firstDim(b, 2), firstDim(b, 2)}, kinds,
              [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                Value e = math::ExpOp::create(nb, arith::SubFOp::create(nb, a[0], a[1]));
                return arith::AddFOp::create(nb, a[2], e);
              });
  return {rowMax, sumExp};
}
/// 1 / N for reduction "mean", 1 for "sum", as a scalar of `element`.
Value reductionScale(ImplicitLocOpBuilder &b, Value logits, LossReduction reduction, Type element) {
  if (reduction == LossReduction::Sum)
    return floatConst(b, element, 1.0);
  Value n = arith::UIToFPOp::create(
      b, element, arith::IndexCastOp::create(b, b.getI64Type(), dim(b, logits, 0)));
  return arith::DivFOp::create(b, floatConst(b, element, 1.0), n);
}

} // namespace kiln::detail
