// SPDX-License-Identifier: Apache-2.0
// kiln-to-linalg for the differential-privacy ops (Privacy.td): per-sample reductions and
// scalings, the Gaussian mechanism (kiln.dp_aggregate) and DiceSGD's feedback, each one
// loop per tensor after at most one norm pass. docs/algorithms.md §4.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

/// sum over all but the first dimension of x * y, accumulated in f64, rounded once.
Value perSampleDot(ImplicitLocOpBuilder &b, Value x, Value y, RankedTensorType resultType) {
  int64_t rank = rankedType(x).getRank();
  auto wideType = RankedTensorType::get(resultType.getShape(), b.getF64Type());
  Value acc = filled(b, emptyOf(b, wideType, [&](int64_t) { return dim(b, x, 0); }), 0.0);
  SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
  kinds.front() = utils::IteratorType::parallel;
  bool square = x == y;
  SmallVector<Value> ins = {x};
  SmallVector<AffineMap> maps = {identity(b, rank)};
  if (!square) {
    ins.push_back(y);
    maps.push_back(identity(b, rank));
  }
  maps.push_back(firstDim(b, rank));
  Value wide = generic(b, ins, acc, maps, kinds,
                       [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                         auto toF64 = [&](Value x) -> Value {
                           return x.getType().isF64() ? x : arith::ExtFOp::create(nb, nb.getF64Type(), x);
                         };
                         Value u = toF64(a[0]);
                         Value v = square ? u : toF64(a[1]);
                         // reassoc: kiln-fuse-horizontal sums each row in a register,
                         // in vector lanes; in f64 the order moves an f32 norm by far less
                         // than an ulp.
                         return arith::AddFOp::create(
                             nb, a.back(), arith::MulFOp::create(nb, u, v),
                             arith::FastMathFlagsAttr::get(nb.getContext(),
                                                           arith::FastMathFlags::reassoc));
                       });
  if (resultType.getElementType().isF64())
    return wide;
  Value out = emptyOf(b, resultType, [&](int64_t) { return dim(b, x, 0); });
  return generic(b, {wide}, out, {identity(b, 1), identity(b, 1)},
                 iterators(1, utils::IteratorType::parallel),
                 [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::TruncFOp::create(nb, resultType.getElementType(), a[0]);
                 });
}

Value lowerPerSampleSqNorm(ImplicitLocOpBuilder &b, PerSampleSqNormOp op) {
  return perSampleDot(b, op.getInput(), op.getInput(), rankedType(op.getResult()));
}

Value lowerPerSampleDot(ImplicitLocOpBuilder &b, PerSampleDotOp op) {
  return perSampleDot(b, op.getLhs(), op.getRhs(), rankedType(op.getResult()));
}

Value lowerScaleSamples(ImplicitLocOpBuilder &b, ScaleSamplesOp op) {
  Value x = op.getInput();
  RankedTensorType type = rankedType(x);
  // A sample's elements as one row: the loop over them is then long and contiguous (a
  // [B, C, H, W] cotangent would otherwise scale W elements per innermost loop).
  SmallVector<ReassociationIndices> rows;
  if (type.getRank() > 2) {
    rows = {{0}, {}};
    for (int64_t d = 1; d < type.getRank(); ++d)
      rows[1].push_back(d);
    x = tensor::CollapseShapeOp::create(b, x, rows);
  }
  int64_t rank = rankedType(x).getRank();
  Value scaled = generic(b, {x, op.getWeights()}, emptyLike(b, x),
                         {identity(b, rank), firstDim(b, rank), identity(b, rank)},
                         iterators(rank, utils::IteratorType::parallel),
                         [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::MulFOp::create(nb, a[0], a[1]);
                         });
  if (rows.empty())
    return scaled;
  return tensor::ExpandShapeOp::create(b, type, scaled, rows);
}

/// Standard normal draws for parameter `p` (Philox key `key + p`, kiln.random_normal's
/// stream), or none when the noise is off (`noiseless`).
Value standardNormal(ImplicitLocOpBuilder &b, Value like, Value key, int64_t p, bool noiseless) {
  if (noiseless)
    return Value();
  return philoxNormal(b, rankedType(like), key, p, 0.0, 1.0);
}

/// The rank-0 f32 operand as an f64 scalar.
Value scalar64(ImplicitLocOpBuilder &b, Value rank0) {
  return arith::ExtFOp::create(b, b.getF64Type(), extractScalar(b, rank0));
}

/// Whether a noise multiplier is the constant 0 (tests and noise-free runs skip the draws).
bool isZero(Value v) {
  DenseElementsAttr c;
  return matchPattern(v, m_Constant(&c)) && c.getSplatValue<APFloat>().isZero();
}

SmallVector<Value> lowerDpAggregate(ImplicitLocOpBuilder &b, DpAggregateOp op) {
  // std = sigma C, computed in f64 and rounded once; z * std then as f32.
  Value stddev = toF32(b, arith::MulFOp::create(b, scalar64(b, op.getNoiseMultiplier()),
                                                f64(b, op.getMaxNorm().convertToDouble())));
  Value lot = extractScalar(b, op.getLot());
  bool noiseless = isZero(op.getNoiseMultiplier());
  SmallVector<Value> results;
  for (auto [p, sum] : llvm::enumerate(op.getClippedSums())) {
    Value z = standardNormal(b, sum, op.getKey(), int64_t(p), noiseless);
    SmallVector<Value> ins = {sum};
    if (z)
      ins.push_back(z);
    results.push_back(buildElementwise(
        b, ins, {emptyLike(b, sum)},
        [&](ImplicitLocOpBuilder &nb, ValueRange in, ValueRange) -> SmallVector<Value> {
          Value g = in.size() > 1
                        ? arith::AddFOp::create(nb, in[0], arith::MulFOp::create(nb, in[1], stddev))
                              .getResult()
                        : in[0];
          return {arith::DivFOp::create(nb, g, lot)};
        })[0]);
  }
  results.push_back(advanceKey(b, op.getKey(), int64_t(op.getClippedSums().size())));
  return results;
}

SmallVector<Value> lowerDiceFeedback(ImplicitLocOpBuilder &b, DiceFeedbackOp op) {
  double c1 = op.getMaxNorm().convertToDouble(), c2 = op.getErrorMaxNorm().convertToDouble();
  Value lot = extractScalar(b, op.getLot());
  // std = sigma C1 sqrt(1 + 2 C2 / C1) / B, in f64, rounded once.
  Value stddev = toF32(b, arith::DivFOp::create(
                              b,
                              arith::MulFOp::create(b, scalar64(b, op.getNoiseMultiplier()),
                                                    f64(b, c1 * std::sqrt(1 + 2 * c2 / c1))),
                              arith::ExtFOp::create(b, b.getF64Type(), lot)));
  bool noiseless = isZero(op.getNoiseMultiplier());
  // Pass 1: ||e|| over every tensor, in f64. clip(e, C2) = e * min(1, C2 / ||e||), and 0
  // for e = 0 (the factor is then irrelevant; 0 avoids C2 / 0).
  Value norm = globalNorm64(b, op.getErrors());
  Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, norm, f64(b, 0.0));
  Value factor64 = arith::SelectOp::create(
      b, positive,
      arith::MinimumFOp::create(b, f64(b, 1.0), arith::DivFOp::create(b, f64(b, c2), norm)),
      f64(b, 0.0));
  Value factor = toF32(b, factor64);
  // Pass 2, per parameter: (S, T, e[, z]) -> (u, e_new), e_new in e's buffer.
  SmallVector<Value> updates, errors;
  for (auto [p, s, t, e] : llvm::enumerate(op.getClippedSums(), op.getSums(), op.getErrors())) {
    Value z = standardNormal(b, s, op.getKey(), int64_t(p), noiseless);
    SmallVector<Value> ins = {s, t};
    if (z)
      ins.push_back(z);
    auto out = buildElementwise(
        b, ins, {emptyLike(b, s), e},
        [&](ImplicitLocOpBuilder &nb, ValueRange in, ValueRange outs) -> SmallVector<Value> {
          Value clipE = arith::MulFOp::create(nb, outs[1], factor);
          Value v = arith::AddFOp::create(nb, arith::DivFOp::create(nb, in[0], lot), clipE);
          Value u = in.size() > 2
                        ? arith::AddFOp::create(nb, v, arith::MulFOp::create(nb, in[2], stddev))
                              .getResult()
                        : v;
          Value residual = arith::DivFOp::create(nb, arith::SubFOp::create(nb, in[1], in[0]), lot);
          Value eNew = arith::AddFOp::create(nb, arith::SubFOp::create(nb, outs[1], clipE), residual);
          return {u, eNew};
        });
    updates.push_back(out[0]);
    errors.push_back(out[1]);
  }
  SmallVector<Value> results = updates;
  results.append(errors);
  results.push_back(advanceKey(b, op.getKey(), int64_t(op.getClippedSums().size())));
  return results;
}

} // namespace

void kiln::populatePrivacyToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<FunctionLowering<PerSampleSqNormOp>>(ctx, lowerPerSampleSqNorm);
  patterns.add<FunctionLowering<PerSampleDotOp>>(ctx, lowerPerSampleDot);
  patterns.add<FunctionLowering<ScaleSamplesOp>>(ctx, lowerScaleSamples);
  patterns.add<FunctionLowering<DpAggregateOp>>(ctx, lowerDpAggregate);
  patterns.add<FunctionLowering<DiceFeedbackOp>>(ctx, lowerDiceFeedback);
}
