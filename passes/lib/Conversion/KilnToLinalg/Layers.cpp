// SPDX-License-Identifier: Apache-2.0
// Lowers the forward model ops (layers) to linalg on tensors. Each result is a fresh tensor
// (activations are read again by the backward pass, so nothing is overwritten); element-wise
// ones then fuse with their neighbours in kiln-fuse.
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

Value collapse(ImplicitLocOpBuilder &b, Value v, const UnitDims &unit) {
  auto type = rankedType(v);
  if (unit.kept.size() == size_t(type.getRank()))
    return v;
  return tensor::CollapseShapeOp::create(
      b, RankedTensorType::get(unit.shape, type.getElementType()), v, unit.groups);
}

Value lowerMatmul(ImplicitLocOpBuilder &b, MatmulOp op) {
  auto type = rankedType(op.getResult());
  Value init = filled(
      b,
      emptyOf(b, type,
              [&](int64_t d) { return d == 0 ? dim(b, op.getLhs(), 0) : dim(b, op.getRhs(), 1); }),
      0.0);
  return linalg::MatmulOp::create(b, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init})
      .getResult(0);
}
Value lowerTranspose(ImplicitLocOpBuilder &b, TransposeOp op) {
  // The last two dimensions swap places; the leading (batch) ones stay.
  int64_t rank = rankedType(op.getInput()).getRank();
  SmallVector<int64_t> permutation = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(permutation[rank - 2], permutation[rank - 1]);
  Value init = emptyOf(b, rankedType(op.getResult()),
                       [&](int64_t d) { return dim(b, op.getInput(), permutation[d]); });
  return linalg::TransposeOp::create(b, op.getInput(), init, permutation).getResult()[0];
}
Value lowerBatchMatmul(ImplicitLocOpBuilder &b, BatchMatmulOp op) {
  auto type = rankedType(op.getResult());
  Value init = filled(
      b,
      emptyOf(b, type,
              [&](int64_t d) { return d == 2 ? dim(b, op.getRhs(), 2) : dim(b, op.getLhs(), d); }),
      0.0);
  return linalg::BatchMatmulOp::create(b, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init})
      .getResult(0);
}
/// Broadcasting: each operand is read through a map from the result's loop nest that
/// skips the dimensions it lacks and those it broadcasts from size 1 (folded away first
/// with tensor.collapse_shape, so every map is a projected permutation that element-wise
/// fusion understands).
template <typename ArithOp>
Value broadcasting(ImplicitLocOpBuilder &b, Value lhs, Value rhs, RankedTensorType result) {
  int64_t rank = result.getRank();
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  for (Value v : {lhs, rhs}) {
    auto type = rankedType(v);
    int64_t offset = rank - type.getRank();
    SmallVector<bool> drop;
    for (int64_t d = 0; d < type.getRank(); ++d)
      drop.push_back(type.getDimSize(d) == 1 && result.getDimSize(offset + d) != 1);
    UnitDims unit = unitDims(type, drop);
    ins.push_back(collapse(b, v, unit));
    SmallVector<AffineExpr> exprs;
    for (int64_t d : unit.kept)
      exprs.push_back(b.getAffineDimExpr(offset + d));
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(identity(b, rank));
  Value init = tensor::EmptyOp::create(b, result.getShape(), result.getElementType());
  return generic(b, ins, init, maps, iterators(rank, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return ArithOp::create(nb, a[0], a[1]);
                 });
}
Value lowerAdd(ImplicitLocOpBuilder &b, AddOp op) {
  return broadcasting<arith::AddFOp>(b, op.getLhs(), op.getRhs(), rankedType(op.getResult()));
}
Value lowerMul(ImplicitLocOpBuilder &b, MulOp op) {
  return broadcasting<arith::MulFOp>(b, op.getLhs(), op.getRhs(), rankedType(op.getResult()));
}
Value lowerBiasAdd(ImplicitLocOpBuilder &b, BiasAddOp op) {
  int64_t rank = rankedType(op.getInput()).getRank();
  return generic(b, {op.getInput(), op.getBias()}, emptyLike(b, op.getInput()),
                 {identity(b, rank), lastDim(b, rank), identity(b, rank)},
                 iterators(rank, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, a[0], a[1]);
                 });
}
Value lowerRelu(ImplicitLocOpBuilder &b, ReluOp op) {
  Type element = rankedType(op.getInput()).getElementType();
  int64_t rank = rankedType(op.getInput()).getRank();
  return generic(b, {op.getInput()}, emptyLike(b, op.getInput()),
                 {identity(b, rank), identity(b, rank)},
                 iterators(rank, utils::IteratorType::parallel),
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   // maximumf propagates NaN, as torch.relu does.
                   return arith::MaximumFOp::create(nb, a[0], floatConst(nb, element, 0.0));
                 });
}
/// An element-wise map of one tensor into a fresh one.
Value map(ImplicitLocOpBuilder &b, Value x,
          function_ref<Value(ImplicitLocOpBuilder &, Value, Type)> fn) {
  Type element = rankedType(x).getElementType();
  int64_t rank = rankedType(x).getRank();
  return generic(b, {x}, emptyLike(b, x), {identity(b, rank), identity(b, rank)},
                 iterators(rank, utils::IteratorType::parallel),
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) { return fn(nb, a[0], element); });
}
Value lowerSigmoid(ImplicitLocOpBuilder &b, SigmoidOp op) {
  return map(b, op.getInput(), [](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
    Value one = floatConst(nb, t, 1.0);
    Value e = math::ExpOp::create(nb, arith::NegFOp::create(nb, x));
    return arith::DivFOp::create(nb, one, arith::AddFOp::create(nb, one, e));
  });
}
Value lowerGelu(ImplicitLocOpBuilder &b, GeluOp op) {
  return map(b, op.getInput(), [](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
    Value erf = math::ErfOp::create(nb, arith::MulFOp::create(nb, x, floatConst(nb, t, M_SQRT1_2)));
    Value cdf = arith::MulFOp::create(nb, floatConst(nb, t, 0.5),
                                      arith::AddFOp::create(nb, floatConst(nb, t, 1.0), erf));
    return arith::MulFOp::create(nb, x, cdf);
  });
}
Value lowerLeakyRelu(ImplicitLocOpBuilder &b, LeakyReluOp op) {
  double alpha = op.getAlpha().convertToDouble();
  return map(b, op.getInput(), [&](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
    Value positive =
        arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, x, floatConst(nb, t, 0.0));
    return arith::SelectOp::create(nb, positive, x,
                                   arith::MulFOp::create(nb, x, floatConst(nb, t, alpha)));
  });
}
/// An element-wise map of [N, C] rows into a fresh tensor whose body also reads its row's
/// maximum and sum of exp(x - max): body(x, max, sumExp).
Value mapSoftmaxRows(ImplicitLocOpBuilder &b, Value x,
                     function_ref<Value(ImplicitLocOpBuilder &, Value, Value, Value)> body) {
  auto [rowMax, sumExp] = softmaxRows(b, x);
  return generic(
      b, {x, rowMax, sumExp}, emptyLike(b, x),
      {identity(b, 2), firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
      iterators(2, utils::IteratorType::parallel),
      [&](ImplicitLocOpBuilder &nb, ValueRange a) { return body(nb, a[0], a[1], a[2]); });
}
Value lowerLogSoftmax(ImplicitLocOpBuilder &b, LogSoftmaxOp op) {
  return mapSoftmaxRows(
      b, op.getInput(), [](ImplicitLocOpBuilder &nb, Value x, Value max, Value sumExp) -> Value {
        Value shifted = arith::SubFOp::create(nb, x, max);
        return arith::SubFOp::create(nb, shifted, math::LogOp::create(nb, sumExp));
      });
}
Value lowerSoftmax(ImplicitLocOpBuilder &b, SoftmaxOp op) {
  return mapSoftmaxRows(b, op.getInput(),
                        [](ImplicitLocOpBuilder &nb, Value x, Value max, Value sumExp) -> Value {
                          Value e = math::ExpOp::create(nb, arith::SubFOp::create(nb, x, max));
                          return arith::DivFOp::create(nb, e, sumExp);
                        });
}
SmallVector<Value> lowerDropout(ImplicitLocOpBuilder &b, DropoutOp op) {
  Value x = op.getInput();
  auto type = rankedType(x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  double rate = op.getRate().convertToDouble();
  Value key = extractScalar(b, op.getKey());
  // Keep when word0 >= rate * 2^32, compared as unsigned 64-bit numbers.
  Value threshold =
      arith::ConstantOp::create(b, b.getI64IntegerAttr(int64_t(std::ldexp(rate, 32))));
  Value scale = floatConst(b, element, 1.0 / (1.0 - rate));
  Value zero = floatConst(b, element, 0.0);
  Value y = generic(
      b, {x}, emptyLike(b, x), {identity(b, rank), identity(b, rank)},
      iterators(rank, utils::IteratorType::parallel),
      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        // Row-major linear index of the element.
        Value linear = arith::ConstantIndexOp::create(nb, 0);
        for (int64_t d = 0; d < rank; ++d) {
          Value extent = tensor::DimOp::create(nb, x, d);
          linear = arith::AddIOp::create(nb, arith::MulIOp::create(nb, linear, extent),
                                         linalg::IndexOp::create(nb, d));
        }
        Value index64 = arith::IndexCastOp::create(nb, nb.getI64Type(), linear);
        Value word = philox4x32(nb, index64, key, 0x44524F50u)[0];
        Value wide = arith::ExtUIOp::create(nb, nb.getI64Type(), word);
        Value keep = arith::CmpIOp::create(nb, arith::CmpIPredicate::uge, wide, threshold);
        return arith::SelectOp::create(nb, keep, arith::MulFOp::create(nb, a[0], scale), zero);
      });
  // key + 1, written into the key's own tensor so a step carries it in place.
  Value one = arith::ConstantOp::create(b, b.getI64IntegerAttr(1));
  Value next = generic(b, {}, op.getKey(), {AffineMap::get(0, 0, b.getContext())}, {},
                       [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                         return arith::AddIOp::create(nb, a[0], one);
                       });
  return {y, next};
}
Value lowerLayerNorm(ImplicitLocOpBuilder &b, LayerNormOp op) {
  Value x = op.getInput();
  auto [mean, rstd] = rowMoments(b, x, op.getEps().convertToDouble());
  return generic(b, {x, mean, rstd, op.getGamma(), op.getBeta()}, emptyLike(b, x),
                 {identity(b, 2), firstDim(b, 2), firstDim(b, 2), lastDim(b, 2), lastDim(b, 2),
                  identity(b, 2)},
                 iterators(2, utils::IteratorType::parallel),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   Value xhat =
                       arith::MulFOp::create(nb, arith::SubFOp::create(nb, a[0], a[1]), a[2]);
                   return arith::AddFOp::create(nb, arith::MulFOp::create(nb, xhat, a[3]), a[4]);
                 });
}
SmallVector<Value> lowerBatchNorm(ImplicitLocOpBuilder &b, BatchNormOp op) {
  Value x = op.getInput();
  int64_t rank = rankedType(x).getRank();
  Type element = rankedType(x).getElementType();
  double eps = op.getEps().convertToDouble();
  bool training = op.getTraining();
  Value runningMean = op.getRunningMean(), runningVar = op.getRunningVar();
  Value mean, rstd, squares;
  if (training) {
    std::tie(mean, squares) = batchMoments(b, x);
    rstd = batchRstd(b, x, squares, eps);
  } else {
    std::tie(mean, rstd) = normalization(b, x, runningMean, runningVar, eps, false);
  }
  // y = x * scale + shift with scale = rstd * gamma and shift = beta - mean * scale per
  // channel, as PyTorch's CPU kernel computes it.
  Value gamma = op.getGamma(), beta = op.getBeta();
  Value scale = perChannel(b, {rstd, gamma}, emptyLike(b, gamma),
                           [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                             return arith::MulFOp::create(nb, a[0], a[1]);
                           });
  Value shift =
      perChannel(b, {beta, mean, scale}, emptyLike(b, beta),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::SubFOp::create(nb, a[0], arith::MulFOp::create(nb, a[1], a[2]));
                 });
  Value y = generic(b, {x, scale, shift}, emptyLike(b, x),
                    {identity(b, rank), channel(b, rank), channel(b, rank), identity(b, rank)},
                    iterators(rank, utils::IteratorType::parallel),
                    [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                      return arith::AddFOp::create(nb, arith::MulFOp::create(nb, a[0], a[1]), a[2]);
                    });
  if (!training)
    return {y, runningMean, runningVar};
  // running = momentum * batch + (1 - momentum) * running, written in place of the
  // running statistics; the variance unbiased (divided by M - 1).
  double momentum = op.getMomentum().convertToDouble();
  Value m = floatConst(b, element, momentum), keep = floatConst(b, element, 1.0 - momentum);
  Value unbiasedCount = floatConst(b, element, perChannelCount(x) - 1.0);
  Value newMean =
      perChannel(b, {mean}, runningMean, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        return arith::AddFOp::create(nb, arith::MulFOp::create(nb, m, a[0]),
                                     arith::MulFOp::create(nb, keep, a[1]));
      });
  Value newVar =
      perChannel(b, {squares}, runningVar, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        Value unbiased = arith::DivFOp::create(nb, a[0], unbiasedCount);
        return arith::AddFOp::create(nb, arith::MulFOp::create(nb, m, unbiased),
                                     arith::MulFOp::create(nb, keep, a[1]));
      });
  return {y, newMean, newVar};
}

} // namespace

void kiln::populateLayersToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<FunctionLowering<MatmulOp>>(ctx, lowerMatmul);
  patterns.add<FunctionLowering<TransposeOp>>(ctx, lowerTranspose);
  patterns.add<FunctionLowering<BatchMatmulOp>>(ctx, lowerBatchMatmul);
  patterns.add<FunctionLowering<AddOp>>(ctx, lowerAdd);
  patterns.add<FunctionLowering<MulOp>>(ctx, lowerMul);
  patterns.add<FunctionLowering<BiasAddOp>>(ctx, lowerBiasAdd);
  patterns.add<FunctionLowering<ReluOp>>(ctx, lowerRelu);
  patterns.add<FunctionLowering<SigmoidOp>>(ctx, lowerSigmoid);
  patterns.add<FunctionLowering<GeluOp>>(ctx, lowerGelu);
  patterns.add<FunctionLowering<LeakyReluOp>>(ctx, lowerLeakyRelu);
  patterns.add<FunctionLowering<LogSoftmaxOp>>(ctx, lowerLogSoftmax);
  patterns.add<FunctionLowering<SoftmaxOp>>(ctx, lowerSoftmax);
  patterns.add<FunctionLowering<DropoutOp>>(ctx, lowerDropout);
  patterns.add<FunctionLowering<LayerNormOp>>(ctx, lowerLayerNorm);
  patterns.add<FunctionLowering<BatchNormOp>>(ctx, lowerBatchNorm);
}
