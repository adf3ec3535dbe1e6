// SPDX-License-Identifier: Apache-2.0
// Verifiers and VJP rules of the model ops. The rules emit kiln ops (and arith on tensors),
// so the backward computation is ordinary kiln IR that the same passes lower and fuse.
#include "PerSample.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include <cmath>
#include <optional>
#include <string>

using namespace mlir;
using namespace kiln;
using kiln::detail::perSampleType;
using kiln::detail::splitsBySample;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

LogicalResult sameElementType(Operation *op, ValueRange values) {
  Type element = rankedType(values.front()).getElementType();
  for (Value v : values)
    if (rankedType(v).getElementType() != element)
      return op->emitOpError("mixes element types ")
             << element << " and " << rankedType(v).getElementType();
  return success();
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// The NumPy broadcast of two static shapes: aligned at the last dimension, a size-1 or
/// missing dimension takes the other's size; none when two sizes differ and neither is 1.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> shape(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Dimension i of the result, counted from the right.
    int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    shape[rank - 1 - i] = x == 1 ? y : x;
  }
  return shape;
}

/// A rank-0 tensor of `like`'s element type holding `value`.
Value scalarConstant(OpBuilder &b, Location loc, Type element, double value) {
  auto type = RankedTensorType::get({}, element);
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, b.getFloatAttr(element, value)));
}

} // namespace

//===-- Verifiers -------------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto a = rankedType(getLhs()), b = rankedType(getRhs()), c = rankedType(getResult());
  if (a.getRank() != 2 || b.getRank() != 2 || c.getRank() != 2)
    return emitOpError("takes and returns matrices (rank 2)");
  if (failed(sameElementType(*this, {getLhs(), getRhs(), getResult()})))
    return failure();
  if (!compatible(a.getDimSize(1), b.getDimSize(0)))
    return emitOpError("contraction sizes differ: ") << a << " and " << b;
  if (!compatible(c.getDimSize(0), a.getDimSize(0)) || !compatible(c.getDimSize(1), b.getDimSize(1)))
    return emitOpError("result ") << c << " is not [" << a.getDimSize(0) << ", "
                                  << b.getDimSize(1) << "]";
  return success();
}

LogicalResult BiasAddOp::verify() {
  auto x = rankedType(getInput()), b = rankedType(getBias());
  if (x.getRank() < 1 || b.getRank() != 1)
    return emitOpError("adds a vector to a tensor of rank >= 1");
  if (failed(sameElementType(*this, {getInput(), getBias()})))
    return failure();
  if (!compatible(x.getDimSize(x.getRank() - 1), b.getDimSize(0)))
    return emitOpError("bias of ") << b.getDimSize(0) << " elements for rows of "
                                   << x.getDimSize(x.getRank() - 1);
  return success();
}

static LogicalResult verifyScalarResult(Operation *op, Value input, Value result) {
  if (rankedType(result).getRank() != 0)
    return op->emitOpError("returns a rank-0 tensor, not ") << result.getType();
  return sameElementType(op, {input, result});
}

LogicalResult SumOp::verify() { return verifyScalarResult(*this, getInput(), getResult()); }
LogicalResult MseOp::verify() { return verifyScalarResult(*this, getPrediction(), getResult()); }

LogicalResult SoftmaxCrossEntropyOp::verify() {
  auto logits = rankedType(getLogits()), labels = rankedType(getLabels());
  if (logits.getRank() != 2 || labels.getRank() != 1)
    return emitOpError("takes [N, C] logits and N labels");
  if (!compatible(logits.getDimSize(0), labels.getDimSize(0)))
    return emitOpError("has ") << logits.getDimSize(0) << " rows of logits but "
                               << labels.getDimSize(0) << " labels";
  return verifyScalarResult(*this, getLogits(), getResult());
}

LogicalResult CountCorrectOp::verify() {
  auto logits = rankedType(getLogits()), labels = rankedType(getLabels());
  if (logits.getRank() != 2 || labels.getRank() != 1 ||
      !compatible(logits.getDimSize(0), labels.getDimSize(0)))
    return emitOpError("takes [N, C] logits and N labels");
  return success();
}

LogicalResult LogSoftmaxOp::verify() {
  if (rankedType(getInput()).getRank() != 2)
    return emitOpError("takes [N, C] rows");
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto x = rankedType(getInput()), g = rankedType(getGamma()), b = rankedType(getBeta());
  if (x.getRank() != 2 || g.getRank() != 1 || g != b)
    return emitOpError("normalizes [N, D] rows with D-element gamma and beta");
  if (!compatible(x.getDimSize(1), g.getDimSize(0)))
    return emitOpError("gamma has ") << g.getDimSize(0) << " elements for rows of "
                                     << x.getDimSize(1);
  return sameElementType(*this, {getInput(), getGamma()});
}

LogicalResult TransposeOp::verify() {
  auto x = rankedType(getInput()), y = rankedType(getResult());
  int64_t rank = x.getRank();
  bool ok = rank >= 2 && y.getRank() == rank;
  for (int64_t d = 0; ok && d < rank; ++d) {
    int64_t from = d < rank - 2 ? d : (d == rank - 1 ? rank - 2 : rank - 1);
    ok = compatible(y.getDimSize(d), x.getDimSize(from));
  }
  if (!ok)
    return emitOpError("transposes the last two dimensions of a matrix or batch of matrices: ")
           << x << " cannot become " << y;
  return sameElementType(*this, {getInput(), getResult()});
}

LogicalResult SoftmaxOp::verify() {
  if (rankedType(getInput()).getRank() != 2)
    return emitOpError("takes [N, C] rows");
  return success();
}

LogicalResult SoftmaxGradOp::verify() {
  if (rankedType(getOutput()).getRank() != 2)
    return emitOpError("takes [N, C] rows");
  return success();
}

static LogicalResult verifyStatic(Operation *op, ValueRange values) {
  for (Value v : values)
    if (!rankedType(v).hasStaticShape())
      return op->emitOpError("works on tensors of static shape, not ") << v.getType();
  return success();
}

static LogicalResult verifyBroadcasting(Operation *op, Value lhs, Value rhs, Value result) {
  if (failed(verifyStatic(op, {lhs, rhs, result})) ||
      failed(sameElementType(op, {lhs, rhs, result})))
    return failure();
  ArrayRef<int64_t> a = rankedType(lhs).getShape(), b = rankedType(rhs).getShape();
  std::optional<SmallVector<int64_t>> shape = broadcastShapes(a, b);
  if (!shape)
    return op->emitOpError("shapes ") << shapeString(a) << " and " << shapeString(b)
                                      << " do not broadcast";
  if (rankedType(result).getShape() != ArrayRef<int64_t>(*shape))
    return op->emitOpError("result ") << result.getType() << " should have the broadcast shape "
                                      << shapeString(*shape) << " of " << shapeString(a)
                                      << " and " << shapeString(b);
  return success();
}

LogicalResult AddOp::verify() { return verifyBroadcasting(*this, getLhs(), getRhs(), getResult()); }
LogicalResult MulOp::verify() { return verifyBroadcasting(*this, getLhs(), getRhs(), getResult()); }

LogicalResult ReduceToShapeOp::verify() {
  if (failed(verifyStatic(*this, {getInput(), getResult()})))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape(), y = rankedType(getResult()).getShape();
  std::optional<SmallVector<int64_t>> shape = broadcastShapes(x, y);
  if (!shape || ArrayRef<int64_t>(*shape) != x)
    return emitOpError("cannot sum ") << shapeString(x) << " to " << shapeString(y)
                                      << ": the target shape must broadcast to the input's";
  return success();
}

LogicalResult BatchMatmulOp::verify() {
  auto a = rankedType(getLhs()), b = rankedType(getRhs()), c = rankedType(getResult());
  if (a.getRank() != 3 || b.getRank() != 3 || c.getRank() != 3)
    return emitOpError("takes and returns batches of matrices (rank 3)");
  if (failed(sameElementType(*this, {getLhs(), getRhs(), getResult()})))
    return failure();
  if (!compatible(a.getDimSize(0), b.getDimSize(0)))
    return emitOpError("batch sizes differ: ") << a << " and " << b;
  if (!compatible(a.getDimSize(2), b.getDimSize(1)))
    return emitOpError("contraction sizes differ: ") << a << " and " << b;
  if (!compatible(c.getDimSize(0), a.getDimSize(0)) || !compatible(c.getDimSize(1), a.getDimSize(1)) ||
      !compatible(c.getDimSize(2), b.getDimSize(2)))
    return emitOpError("result ") << c << " is not [" << a.getDimSize(0) << ", " << a.getDimSize(1)
                                  << ", " << b.getDimSize(2) << "]";
  return success();
}

/// [N, C, ...] of static shape, with C-element channel vectors; in training mode more than
/// one value per channel (PyTorch refuses a batch whose variance is undefined).
static LogicalResult verifyBatchNorm(Operation *op, Value x, Value gamma, bool training) {
  auto xt = rankedType(x), gt = rankedType(gamma);
  if (xt.getRank() < 2 || gt.getRank() != 1)
    return op->emitOpError("normalizes [N, C] or [N, C, ...] tensors with C-element gamma, "
                           "beta and running statistics, not ")
           << xt << " and " << gt;
  if (failed(verifyStatic(op, {x, gamma})) || failed(sameElementType(op, {x, gamma})))
    return failure();
  if (xt.getDimSize(1) != gt.getDimSize(0))
    return op->emitOpError("has ") << gt.getDimSize(0) << " values per channel vector for "
                                   << xt.getDimSize(1) << " channels";
  if (training && xt.getDimSize(1) > 0 && xt.getNumElements() / xt.getDimSize(1) < 2)
    return op->emitOpError("needs more than one value per channel in training mode, as "
                           "PyTorch: ")
           << xt;
  return success();
}

LogicalResult BatchNormOp::verify() {
  return verifyBatchNorm(*this, getInput(), getGamma(), getTraining());
}
LogicalResult BatchNormGradOp::verify() {
  return verifyBatchNorm(*this, getInput(), getGamma(), getTraining());
}

LogicalResult BroadcastOp::verify() {
  if (rankedType(getInput()).getRank() != 0)
    return emitOpError("broadcasts a rank-0 tensor");
  if (!rankedType(getResult()).hasStaticShape())
    return emitOpError("broadcasts to a static shape, not ") << getResult().getType();
  return sameElementType(*this, {getInput(), getResult()});
}

LogicalResult SumLeadingOp::verify() {
  auto x = rankedType(getInput()), y = rankedType(getResult());
  if (x.getRank() < 1 || y.getRank() != 1 || !compatible(x.getDimSize(x.getRank() - 1), y.getDimSize(0)))
    return emitOpError("sums ") << x << " to its last dimension, not to " << y;
  return sameElementType(*this, {getInput(), getResult()});
}

//===-- VJP rules -------------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> MatmulOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Location loc = getLoc();
  auto a = rankedType(getLhs()), w = rankedType(getRhs());
  auto transposed = [&](Value v, RankedTensorType t) -> Value {
    auto type = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)}, t.getElementType());
    return TransposeOp::create(b, loc, type, v);
  };
  // da = dc * b^T; db = a^T * dc.
  Value da = MatmulOp::create(b, loc, a, cot[0], transposed(getRhs(), w));
  Value db = MatmulOp::create(b, loc, w, transposed(getLhs(), a), cot[0]);
  return SmallVector<Value>{da, db};
}

FailureOr<SmallVector<Value>> BiasAddOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Value db = SumLeadingOp::create(b, getLoc(), getBias().getType(), cot[0]);
  return SmallVector<Value>{cot[0], db};
}

FailureOr<SmallVector<Value>> ReluOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{
      ReluGradOp::create(b, getLoc(), getInput().getType(), getInput(), cot[0]).getResult()};
}

FailureOr<SmallVector<Value>> ReluGradOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // The mask's own derivative is zero wherever it is defined.
  return SmallVector<Value>{
      Value(), ReluGradOp::create(b, getLoc(), getInput().getType(), getInput(), cot[0]).getResult()};
}

/// A tensor shaped like `like` filled with `value`.
static Value splatLike(OpBuilder &b, Location loc, Value like, double value) {
  auto type = rankedType(like);
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), value)));
}

FailureOr<SmallVector<Value>> SigmoidOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Location loc = getLoc();
  if (!rankedType(getResult()).hasStaticShape())
    return emitOpError("needs a static shape to be differentiated");
  Value s = getResult();
  Value oneMinus = arith::SubFOp::create(b, loc, splatLike(b, loc, s, 1.0), s);
  Value slope = arith::MulFOp::create(b, loc, s, oneMinus);
  return SmallVector<Value>{arith::MulFOp::create(b, loc, cot[0], slope).getResult()};
}

FailureOr<SmallVector<Value>> GeluOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // Phi(x) + x * phi(x) = 0.5 * (1 + erf(x / sqrt 2)) + x * exp(-x^2 / 2) / sqrt(2 pi).
  Location loc = getLoc();
  Value x = getInput();
  if (!rankedType(x).hasStaticShape())
    return emitOpError("needs a static shape to be differentiated");
  Value erf = math::ErfOp::create(b, loc, arith::MulFOp::create(b, loc, x, splatLike(b, loc, x, M_SQRT1_2)));
  Value cdf = arith::MulFOp::create(b, loc, splatLike(b, loc, x, 0.5),
                                    arith::AddFOp::create(b, loc, splatLike(b, loc, x, 1.0), erf));
  Value xx = arith::MulFOp::create(b, loc, x, x);
  Value pdf = arith::MulFOp::create(
      b, loc, math::ExpOp::create(b, loc, arith::MulFOp::create(b, loc, xx, splatLike(b, loc, x, -0.5))),
      splatLike(b, loc, x, 0.5 * M_2_SQRTPI * M_SQRT1_2));
  Value slope = arith::AddFOp::create(b, loc, cdf, arith::MulFOp::create(b, loc, x, pdf));
  return SmallVector<Value>{arith::MulFOp::create(b, loc, cot[0], slope).getResult()};
}

FailureOr<SmallVector<Value>> LeakyReluOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Location loc = getLoc();
  Value x = getInput();
  if (!rankedType(x).hasStaticShape())
    return emitOpError("needs a static shape to be differentiated");
  Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, splatLike(b, loc, x, 0.0));
  Value scaled = arith::MulFOp::create(b, loc, cot[0],
                                       splatLike(b, loc, x, getAlpha().convertToDouble()));
  return SmallVector<Value>{arith::SelectOp::create(b, loc, positive, cot[0], scaled).getResult()};
}

FailureOr<SmallVector<Value>> LogSoftmaxOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{
      LogSoftmaxGradOp::create(b, getLoc(), getInput().getType(), getResult(), cot[0]).getResult()};
}

FailureOr<SmallVector<Value>> SoftmaxOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{
      SoftmaxGradOp::create(b, getLoc(), getInput().getType(), getResult(), cot[0]).getResult()};
}

/// The cotangent `c` of a broadcast result summed back to the shape of `operand`.
static Value reduceTo(OpBuilder &b, Location loc, Value c, Value operand) {
  if (c.getType() == operand.getType())
    return c;
  return ReduceToShapeOp::create(b, loc, operand.getType(), c);
}

FailureOr<SmallVector<Value>> AddOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{reduceTo(b, getLoc(), cot[0], getLhs()),
                            reduceTo(b, getLoc(), cot[0], getRhs())};
}

FailureOr<SmallVector<Value>> MulOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // dz * other, broadcast to the result's shape, then summed back to each operand's.
  Location loc = getLoc();
  Type type = getResult().getType();
  Value dl = MulOp::create(b, loc, type, cot[0], getRhs());
  Value dr = MulOp::create(b, loc, type, cot[0], getLhs());
  return SmallVector<Value>{reduceTo(b, loc, dl, getLhs()), reduceTo(b, loc, dr, getRhs())};
}

FailureOr<SmallVector<Value>> BatchMatmulOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Location loc = getLoc();
  auto transposed = [&](Value v) -> Value {
    auto t = rankedType(v);
    auto type = RankedTensorType::get({t.getDimSize(0), t.getDimSize(2), t.getDimSize(1)},
                                      t.getElementType());
    return TransposeOp::create(b, loc, type, v);
  };
  // da = dc * b^T; db = a^T * dc, per batch index.
  Value da = BatchMatmulOp::create(b, loc, getLhs().getType(), cot[0], transposed(getRhs()));
  Value db = BatchMatmulOp::create(b, loc, getRhs().getType(), transposed(getLhs()), cot[0]);
  return SmallVector<Value>{da, db};
}

FailureOr<SmallVector<Value>> BatchNormOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // The running statistics are state: no gradient flows into or out of them.
  auto grads = BatchNormGradOp::create(b, getLoc(), getInput().getType(), getGamma().getType(),
                                       getGamma().getType(), getInput(), getGamma(),
                                       getRunningMean(), getRunningVar(), cot[0], getEpsAttr(),
                                       getTrainingAttr());
  return SmallVector<Value>{grads.getInputGrad(), grads.getGammaGrad(), grads.getBetaGrad(),
                            Value(), Value()};
}

FailureOr<SmallVector<Value>> DropoutOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // The same mask, recomputed from the same key, applied to the cotangent.
  auto again = DropoutOp::create(b, getLoc(), getInput().getType(), getKey().getType(), cot[0],
                                 getKey(), getRateAttr());
  return SmallVector<Value>{again.getResult(), Value()};
}

FailureOr<SmallVector<Value>> LayerNormOp::buildVJP(OpBuilder &b, ValueRange cot) {
  auto grads = LayerNormGradOp::create(b, getLoc(), getInput().getType(), getGamma().getType(),
                                       getBeta().getType(), getInput(), getGamma(), cot[0],
                                       getEpsAttr());
  return SmallVector<Value>{grads.getInputGrad(), grads.getGammaGrad(), grads.getBetaGrad()};
}

FailureOr<SmallVector<Value>> SumOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // The cotangent is broadcast to the input's shape, which kiln.broadcast takes statically.
  if (!rankedType(getInput()).hasStaticShape())
    return emitOpError("needs a static shape to be differentiated");
  return SmallVector<Value>{BroadcastOp::create(b, getLoc(), getInput().getType(), cot[0])};
}

FailureOr<SmallVector<Value>> MseOp::buildVJP(OpBuilder &b, ValueRange cot) {
  // d prediction = (prediction - target) * (2 / numel * dy); d target = -d prediction.
  Location loc = getLoc();
  auto type = rankedType(getPrediction());
  if (!type.hasStaticShape())
    return emitOpError("needs a static shape to be differentiated");
  Type element = type.getElementType();
  Value factor = arith::MulFOp::create(
      b, loc, cot[0], scalarConstant(b, loc, element, 2.0 / double(type.getNumElements())));
  Value diff = arith::SubFOp::create(b, loc, getPrediction(), getTarget());
  Value dp = arith::MulFOp::create(b, loc, diff, BroadcastOp::create(b, loc, type, factor));
  return SmallVector<Value>{dp, arith::NegFOp::create(b, loc, dp)};
}

FailureOr<SmallVector<Value>> SoftmaxCrossEntropyOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Value dl = SoftmaxCrossEntropyGradOp::create(b, getLoc(), getLogits().getType(), getLogits(),
                                               getLabels(), cot[0], getReductionAttr());
  return SmallVector<Value>{dl, Value()};
}

FailureOr<SmallVector<Value>> TransposeOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{TransposeOp::create(b, getLoc(), getInput().getType(), cot[0])};
}

//===-- Per-sample gradients (kiln.clipped_value_and_grad) ---------------------------------===//
//
// Rows: a layer's batched operands lead with B rows (one per sample) or B T rows (T
// consecutive rows per sample: a sequence flattened to [B T, ...]). Sample i's contribution
// to a parameter's gradient is then a sum over its T rows.

namespace {
/// `x` [R, d1, ..., dk] as [R d1 ... dk / n, n] with n its last dimension: every row of the
/// last dimension, in order.
Value asRows(OpBuilder &b, Location loc, Value x) {
  auto t = rankedType(x);
  if (t.getRank() == 2)
    return x;
  ReassociationIndices leading;
  for (int64_t d = 0; d + 1 < t.getRank(); ++d)
    leading.push_back(d);
  int64_t n = t.getShape().back();
  auto rows = RankedTensorType::get({t.getNumElements() / n, n}, t.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, rows, x,
                                         ArrayRef<ReassociationIndices>{leading, {t.getRank() - 1}});
}

/// [B T, n] as [B, T, n] (a view once bufferized).
Value bySample(OpBuilder &b, Location loc, Value rows, int64_t samples) {
  auto t = rankedType(rows);
  auto type = RankedTensorType::get({samples, t.getDimSize(0) / samples, t.getDimSize(1)},
                                    t.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, type, rows,
                                       ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// [B, T, n] back to [B T, n].
Value unSample(OpBuilder &b, Location loc, Value x) {
  auto t = rankedType(x);
  auto type = RankedTensorType::get({t.getDimSize(0) * t.getDimSize(1), t.getDimSize(2)},
                                    t.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, type, x,
                                         ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// [B, T, n] with the last two dimensions swapped, [B, n, T].
Value swapLast(OpBuilder &b, Location loc, Value x) {
  auto t = rankedType(x);
  auto type = RankedTensorType::get({t.getDimSize(0), t.getDimSize(2), t.getDimSize(1)},
                                    t.getElementType());
  return TransposeOp::create(b, loc, type, x);
}

/// The squared norms of sample i's contribution `sum over its rows of p[r, :]`, for a
/// contribution given row by row (a bias: the cotangent; a layer norm's gamma: d * xhat).
Value rowSumSquaredNorms(OpBuilder &b, Location loc, Value p, int64_t samples) {
  Value rows = asRows(b, loc, p);
  auto t = rankedType(rows);
  Type element = t.getElementType();
  if (t.getDimSize(0) == samples)
    return PerSampleSqNormOp::create(b, loc, perSampleType(samples, element), rows);
  // Each sample's rows summed by one batched product with a row of ones: [B, 1, T] @ [B, T, n].
  Value grouped = bySample(b, loc, rows, samples);
  int64_t perSample = t.getDimSize(0) / samples, n = t.getDimSize(1);
  auto onesType = RankedTensorType::get({samples, 1, perSample}, element);
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(onesType, b.getFloatAttr(element, 1.0)));
  Value sums = BatchMatmulOp::create(b, loc, RankedTensorType::get({samples, 1, n}, element),
                                     ones, grouped);
  return PerSampleSqNormOp::create(b, loc, perSampleType(samples, element), sums);
}

/// sum_i w_i (sample i's rows of p, summed): the rows scaled by their sample's weight, then
/// summed over every row.
Value rowSumWeighted(OpBuilder &b, Location loc, Value p, Value weights, Type resultType) {
  int64_t samples = rankedType(weights).getDimSize(0);
  Value rows = asRows(b, loc, p);
  if (rankedType(rows).getDimSize(0) != samples)
    rows = bySample(b, loc, rows, samples);
  Value scaled = ScaleSamplesOp::create(b, loc, rows, weights);
  return SumLeadingOp::create(b, loc, resultType, scaled);
}
} // namespace

bool MatmulOp::supportsPerSampleGradient(unsigned operand, int64_t samples, std::string &reason) {
  if (operand != 1) {
    reason = "the parameter is kiln.matmul's left operand; per-sample gradients need the "
             "batch on the left (x @ W)";
    return false;
  }
  return splitsBySample(getLhs(), samples, /*anyRowsEach=*/true, "operand", reason);
}

// One row per sample: sample i's weight gradient is the outer product a_i^T d_i, whose
// squared Frobenius norm is ||a_i||^2 ||d_i||^2, two row reductions instead of B [K, N]
// matrices. T rows per sample: the gradient a_i^T d_i ([T, K]^T [T, N]) has squared norm
// <a_i a_i^T, d_i d_i^T>, the Gram form, which costs B T^2 (K + N) against B T K N for the
// per-sample gradients themselves; the cheaper of the two is built (Opacus' rule too).
FailureOr<Value> MatmulOp::buildPerSampleSquaredNorms(OpBuilder &b, ValueRange cot, unsigned,
                                                      int64_t samples) {
  Location loc = getLoc();
  auto a = rankedType(getLhs());
  Type element = a.getElementType();
  auto norms = perSampleType(samples, element);
  int64_t t = a.getDimSize(0) / samples, k = a.getDimSize(1),
          n = rankedType(cot[0]).getDimSize(1);
  if (t == 1) {
    Value ra = PerSampleSqNormOp::create(b, loc, norms, getLhs());
    Value rd = PerSampleSqNormOp::create(b, loc, norms, cot[0]);
    return Value(MulOp::create(b, loc, norms, ra, rd));
  }
  Value a3 = bySample(b, loc, getLhs(), samples);
  Value d3 = bySample(b, loc, cot[0], samples);
  if (t * (k + n) <= k * n) {
    auto gram = RankedTensorType::get({samples, t, t}, element);
    Value ga = BatchMatmulOp::create(b, loc, gram, a3, swapLast(b, loc, a3));
    Value gd = BatchMatmulOp::create(b, loc, gram, d3, swapLast(b, loc, d3));
    return Value(PerSampleDotOp::create(b, loc, norms, ga, gd));
  }
  Value g = BatchMatmulOp::create(b, loc, RankedTensorType::get({samples, k, n}, element),
                                  swapLast(b, loc, a3), d3);
  return Value(PerSampleSqNormOp::create(b, loc, norms, g));
}

// sum_i w_i a_i^T d_i = a^T (diag(w) d): the weight-gradient GEMM on scaled cotangents.
FailureOr<Value> MatmulOp::buildWeightedGradient(OpBuilder &b, ValueRange cot, unsigned,
                                                 Value weights) {
  Location loc = getLoc();
  auto a = rankedType(getLhs());
  int64_t samples = rankedType(weights).getDimSize(0);
  auto at = RankedTensorType::get({a.getDimSize(1), a.getDimSize(0)}, a.getElementType());
  Value scaled = a.getDimSize(0) == samples
                     ? Value(ScaleSamplesOp::create(b, loc, cot[0], weights))
                     : unSample(b, loc,
                                ScaleSamplesOp::create(b, loc, bySample(b, loc, cot[0], samples),
                                                       weights));
  return Value(MatmulOp::create(b, loc, getRhs().getType(), TransposeOp::create(b, loc, at, getLhs()),
                                scaled));
}

bool BiasAddOp::supportsPerSampleGradient(unsigned operand, int64_t samples, std::string &reason) {
  if (operand != 1) {
    reason = "the parameter is kiln.bias_add's input, not its bias";
    return false;
  }
  return splitsBySample(getInput(), samples, /*anyRowsEach=*/true, "operand", reason);
}

FailureOr<Value> BiasAddOp::buildPerSampleSquaredNorms(OpBuilder &b, ValueRange cot, unsigned,
                                                       int64_t samples) {
  return rowSumSquaredNorms(b, getLoc(), cot[0], samples);
}

FailureOr<Value> BiasAddOp::buildWeightedGradient(OpBuilder &b, ValueRange cot, unsigned,
                                                  Value weights) {
  return rowSumWeighted(b, getLoc(), cot[0], weights, getBias().getType());
}

bool LayerNormOp::supportsPerSampleGradient(unsigned operand, int64_t samples,
                                            std::string &reason) {
  if (operand == 0) {
    reason = "the parameter is kiln.layer_norm's input, not its gamma or beta";
    return false;
  }
  return splitsBySample(getInput(), samples, /*anyRowsEach=*/true, "operand", reason);
}

namespace {
/// Row r's contribution to the gradient of gamma (d_r * xhat_r, xhat the normalized input,
/// recomputed by the layer norm itself with gamma = 1 and beta = 0) or of beta (d_r).
Value layerNormRows(OpBuilder &b, LayerNormOp op, Value cot, unsigned operand) {
  if (operand == 2)
    return cot;
  Location loc = op.getLoc();
  auto g = rankedType(op.getGamma());
  auto constant = [&](double v) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(g, b.getFloatAttr(g.getElementType(), v)));
  };
  Value one = constant(1.0);
  Value zero = constant(0.0);
  Value xhat = LayerNormOp::create(b, loc, op.getInput().getType(), op.getInput(), one, zero,
                                   op.getEpsAttr());
  return MulOp::create(b, loc, cot.getType(), cot, xhat);
}
} // namespace

FailureOr<Value> LayerNormOp::buildPerSampleSquaredNorms(OpBuilder &b, ValueRange cot,
                                                         unsigned operand, int64_t samples) {
  return rowSumSquaredNorms(b, getLoc(), layerNormRows(b, *this, cot[0], operand), samples);
}

FailureOr<Value> LayerNormOp::buildWeightedGradient(OpBuilder &b, ValueRange cot,
                                                    unsigned operand, Value weights) {
  return rowSumWeighted(b, getLoc(), layerNormRows(b, *this, cot[0], operand), weights,
                        getGamma().getType());
}
