// SPDX-License-Identifier: Apache-2.0
// Verifiers, window geometry and VJP rules of the convolution and pooling ops. One function
// derives the geometry from the types and attributes, so the verifier accepts exactly what
// the runtime kernels are later called with.
#include "PerSample.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln;
using kiln::detail::perSampleType;
using kiln::detail::splitsBySample;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

struct Window {
  int64_t outChannels = -1;    ///< -1: the input's channels (pooling)
  int64_t filterChannels = -1; ///< -1: no filter (pooling)
  ArrayRef<int64_t> kernel, stride, padding, dilation;
  int64_t groups = 1;
};

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// The geometry of a window op whose input has type `x` and whose output has type `y`.
FailureOr<WindowGeometry> geometryOf(Operation *op, RankedTensorType x, RankedTensorType y,
                                           const Window &w) {
  // The batch may be dynamic (`?`, every ? of a program is its batch); kiln-specialize-batch
  // makes it static before anything lowers the op.
  for (RankedTensorType t : {x, y})
    if (t.getRank() != 4 || llvm::any_of(t.getShape().drop_front(), ShapedType::isDynamic))
      return op->emitOpError("works on NCHW tensors of static C, H and W, not ") << t;
  if (x.getElementType() != y.getElementType())
    return op->emitOpError("mixes element types ") << x.getElementType() << " and "
                                                    << y.getElementType();
  for (int i = 0; i < 2; ++i) {
    if (w.kernel[i] < 1 || w.stride[i] < 1 || w.dilation[i] < 1 || w.padding[i] < 0)
      return op->emitOpError("needs a window of at least 1x1, strides and dilations of at "
                             "least 1 and non-negative padding");
  }
  WindowGeometry g{};
  g.n = x.getDimSize(0);
  g.c = x.getDimSize(1);
  g.h = x.getDimSize(2);
  g.w = x.getDimSize(3);
  g.o = w.outChannels < 0 ? g.c : w.outChannels;
  g.kh = w.kernel[0];
  g.kw = w.kernel[1];
  g.sh = w.stride[0];
  g.sw = w.stride[1];
  g.ph = w.padding[0];
  g.pw = w.padding[1];
  g.dh = w.dilation[0];
  g.dw = w.dilation[1];
  g.groups = w.groups;
  if (w.filterChannels >= 0) {
    if (g.c % g.groups != 0 || g.o % g.groups != 0)
      return op->emitOpError("groups = ") << g.groups << " must divide the " << g.c
                                          << " input and " << g.o << " output channels";
    if (w.filterChannels != g.c / g.groups)
      return op->emitOpError("filter has ") << w.filterChannels << " input channels, expected "
                                            << g.c / g.groups << " (channels / groups)";
  } else if (2 * g.ph > g.kh || 2 * g.pw > g.kw) {
    return op->emitOpError("padding must be at most half the window, as in PyTorch");
  }
  int64_t spanH = g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1;
  int64_t spanW = g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1;
  if (spanH < 0 || spanW < 0)
    return op->emitOpError("window ") << g.kh << "x" << g.kw << " (dilated) is larger than the "
                                      << g.h << "x" << g.w << " padded input";
  g.oh = spanH / g.sh + 1;
  g.ow = spanW / g.sw + 1;
  SmallVector<int64_t> expected{g.n, g.o, g.oh, g.ow};
  if (y.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError("output ") << y << " should be " << shapeString(expected);
  return g;
}

FailureOr<WindowGeometry> convGeometry(Operation *op, RankedTensorType x,
                                             RankedTensorType filter, RankedTensorType y,
                                             ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                                             ArrayRef<int64_t> dilation, int64_t groups) {
  if (filter.getRank() != 4 || !filter.hasStaticShape())
    return op->emitOpError("takes an [O, C / groups, KH, KW] filter of static shape, not ")
           << filter;
  if (filter.getElementType() != x.getElementType())
    return op->emitOpError("mixes element types ") << x.getElementType() << " and "
                                                    << filter.getElementType();
  Window w;
  w.outChannels = filter.getDimSize(0);
  w.filterChannels = filter.getDimSize(1);
  SmallVector<int64_t> kernel{filter.getDimSize(2), filter.getDimSize(3)};
  w.kernel = kernel;
  w.stride = stride;
  w.padding = padding;
  w.dilation = dilation;
  w.groups = groups;
  return geometryOf(op, x, y, w);
}

template <typename PoolOp>
FailureOr<WindowGeometry> poolGeometry(PoolOp op, RankedTensorType x, RankedTensorType y,
                                             ArrayRef<int64_t> dilation) {
  Window w;
  w.kernel = op.getKernel();
  w.stride = op.getStride() ? *op.getStride() : op.getKernel();
  w.padding = op.getPadding();
  w.dilation = dilation;
  return geometryOf(op, x, y, w);
}

const SmallVector<int64_t> kDense{1, 1};

WindowGeometry orDie(FailureOr<WindowGeometry> g) {
  assert(succeeded(g) && "getGeometry() on an op that does not verify");
  return *g;
}

} // namespace

//===-- Geometry and verifiers ------------------------------------------------------------===//

WindowGeometry Conv2dOp::getGeometry() {
  return orDie(convGeometry(*this, rankedType(getInput()), rankedType(getFilter()),
                            rankedType(getResult()), getStride(), getPadding(), getDilation(),
                            getGroups()));
}
LogicalResult Conv2dOp::verify() { return success(succeeded(convGeometry(
    *this, rankedType(getInput()), rankedType(getFilter()), rankedType(getResult()), getStride(),
    getPadding(), getDilation(), getGroups()))); }

WindowGeometry Conv2dGradInputOp::getGeometry() {
  return orDie(convGeometry(*this, rankedType(getInputGrad()), rankedType(getFilter()),
                            rankedType(getOutputGrad()), getStride(), getPadding(),
                            getDilation(), getGroups()));
}
LogicalResult Conv2dGradInputOp::verify() { return success(succeeded(convGeometry(
    *this, rankedType(getInputGrad()), rankedType(getFilter()), rankedType(getOutputGrad()),
    getStride(), getPadding(), getDilation(), getGroups()))); }

WindowGeometry Conv2dGradFilterOp::getGeometry() {
  return orDie(convGeometry(*this, rankedType(getInput()), rankedType(getFilterGrad()),
                            rankedType(getOutputGrad()), getStride(), getPadding(),
                            getDilation(), getGroups()));
}
LogicalResult Conv2dGradFilterOp::verify() { return success(succeeded(convGeometry(
    *this, rankedType(getInput()), rankedType(getFilterGrad()), rankedType(getOutputGrad()),
    getStride(), getPadding(), getDilation(), getGroups()))); }

WindowGeometry MaxPool2dOp::getGeometry() {
  return orDie(poolGeometry(*this, rankedType(getInput()), rankedType(getResult()), getDilation()));
}
LogicalResult MaxPool2dOp::verify() {
  return success(succeeded(
      poolGeometry(*this, rankedType(getInput()), rankedType(getResult()), getDilation())));
}

WindowGeometry AvgPool2dOp::getGeometry() {
  return orDie(poolGeometry(*this, rankedType(getInput()), rankedType(getResult()), kDense));
}
LogicalResult AvgPool2dOp::verify() {
  return success(
      succeeded(poolGeometry(*this, rankedType(getInput()), rankedType(getResult()), kDense)));
}

WindowGeometry MaxPool2dGradOp::getGeometry() {
  return orDie(poolGeometry(*this, rankedType(getInput()), rankedType(getOutputGrad()),
                            getDilation()));
}
LogicalResult MaxPool2dGradOp::verify() {
  return success(succeeded(poolGeometry(*this, rankedType(getInput()),
                                        rankedType(getOutputGrad()), getDilation())));
}

WindowGeometry AvgPool2dGradOp::getGeometry() {
  return orDie(poolGeometry(*this, rankedType(getInputGrad()), rankedType(getOutputGrad()), kDense));
}
LogicalResult AvgPool2dGradOp::verify() {
  return success(succeeded(
      poolGeometry(*this, rankedType(getInputGrad()), rankedType(getOutputGrad()), kDense)));
}

static LogicalResult verifyGlobalPool(Operation *op, RankedTensorType x, RankedTensorType y) {
  if (x.getRank() != 4 || y.getRank() != 2 || !x.hasStaticShape() ||
      x.getDimSize(0) != y.getDimSize(0) || x.getDimSize(1) != y.getDimSize(1))
    return op->emitOpError("pools a static [N, C, H, W] tensor to [N, C]: ")
           << x << " and " << y << " do not match";
  if (x.getElementType() != y.getElementType())
    return op->emitOpError("mixes element types");
  return success();
}
LogicalResult GlobalAvgPoolOp::verify() {
  return verifyGlobalPool(*this, rankedType(getInput()), rankedType(getResult()));
}
LogicalResult GlobalAvgPoolGradOp::verify() {
  return verifyGlobalPool(*this, rankedType(getInputGrad()), rankedType(getOutputGrad()));
}

static LogicalResult verifyChannelVector(Operation *op, RankedTensorType x, RankedTensorType b) {
  if (x.getRank() != 4 || b.getRank() != 1)
    return op->emitOpError("pairs an [N, C, H, W] tensor with a [C] vector, not ")
           << x << " and " << b;
  if (!ShapedType::isDynamic(x.getDimSize(1)) && !ShapedType::isDynamic(b.getDimSize(0)) &&
      x.getDimSize(1) != b.getDimSize(0))
    return op->emitOpError("has ") << b.getDimSize(0) << " values for " << x.getDimSize(1)
                                   << " channels";
  if (x.getElementType() != b.getElementType())
    return op->emitOpError("mixes element types");
  return success();
}
LogicalResult ChannelBiasOp::verify() {
  return verifyChannelVector(*this, rankedType(getInput()), rankedType(getBias()));
}
LogicalResult ChannelSumOp::verify() {
  return verifyChannelVector(*this, rankedType(getInput()), rankedType(getResult()));
}

//===-- VJP rules -------------------------------------------------------------------------===//

FailureOr<SmallVector<Value>> Conv2dOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Location loc = getLoc();
  Value dx = Conv2dGradInputOp::create(b, loc, getInput().getType(), cot[0], getFilter(),
                                       getStrideAttr(), getPaddingAttr(), getDilationAttr(),
                                       getGroupsAttr());
  Value dw = Conv2dGradFilterOp::create(b, loc, getFilter().getType(), getInput(), cot[0],
                                        getStrideAttr(), getPaddingAttr(), getDilationAttr(),
                                        getGroupsAttr());
  return SmallVector<Value>{dx, dw};
}

FailureOr<SmallVector<Value>> ChannelBiasOp::buildVJP(OpBuilder &b, ValueRange cot) {
  Value db = ChannelSumOp::create(b, getLoc(), getBias().getType(), cot[0]);
  return SmallVector<Value>{cot[0], db};
}

FailureOr<SmallVector<Value>> MaxPool2dOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{MaxPool2dGradOp::create(b, getLoc(), getInput().getType(),
                                                    getInput(), cot[0], getKernelAttr(),
                                                    getStrideAttr(), getPaddingAttr(),
                                                    getDilationAttr())
                                .getResult()};
}

FailureOr<SmallVector<Value>> AvgPool2dOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{AvgPool2dGradOp::create(b, getLoc(), getInput().getType(), cot[0],
                                                    getKernelAttr(), getStrideAttr(),
                                                    getPaddingAttr())
                                .getResult()};
}

FailureOr<SmallVector<Value>> GlobalAvgPoolOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return SmallVector<Value>{
      GlobalAvgPoolGradOp::create(b, getLoc(), getInput().getType(), cot[0]).getResult()};
}

//===-- Per-sample gradients (kiln.clipped_value_and_grad) ---------------------------------===//
//
// Convolutions have no cheap ghost norm on these shapes: the Gram form costs
// B^2 (OH OW)^2 products, more than the B O (C/G) KH KW filter gradients themselves for a
// small CNN. So sample i's filter gradient is materialized, all at once, as one group of a
// grouped backward-weights: the batch folded into the channels ([B, C, H, W] as
// [1, B C, H, W], groups B G) makes group i see sample i alone (Rochette, Manoel and Tramel
// 2019, "Efficient per-example gradient computations in convolutional neural networks").
// The clipped sum is then their weighted sum, one pass over them (the backward-weights on
// per-sample scaled cotangents would repeat the product: 1.6 ms of the second layer's 8.4 ms
// private step, examples/privacy's CNN at batch 320 on two cores).

namespace {
/// [B, C, H, W] as [1, B C, H, W], a view (no copy once bufferized).
Value samplesAsChannels(OpBuilder &b, Location loc, Value x) {
  auto t = rankedType(x);
  int64_t channels = t.getDimSize(0) * t.getDimSize(1);
  auto flat = RankedTensorType::get({channels, t.getDimSize(2), t.getDimSize(3)},
                                    t.getElementType());
  auto image = RankedTensorType::get({1, channels, t.getDimSize(2), t.getDimSize(3)},
                                     t.getElementType());
  SmallVector<ReassociationIndices> groups = {{0, 1}, {2}, {3}};
  Value c = tensor::CollapseShapeOp::create(b, loc, flat, x, groups);
  return tensor::ExpandShapeOp::create(b, loc, image, c, groups);
}

/// The first dimension of `x` ([B O, ...]) split into [B, O, ...].
Value splitSamples(OpBuilder &b, Location loc, Value x, int64_t batch) {
  auto t = rankedType(x);
  SmallVector<int64_t> shape = {batch, t.getDimSize(0) / batch};
  llvm::append_range(shape, t.getShape().drop_front());
  SmallVector<ReassociationIndices> groups = {{0, 1}};
  for (int64_t d = 1; d < t.getRank(); ++d)
    groups.push_back({d + 1});
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, t.getElementType()),
                                       x, groups);
}

} // namespace

bool Conv2dOp::supportsPerSampleGradient(unsigned operand, int64_t samples, std::string &reason) {
  if (operand != 1) {
    reason = "the parameter is kiln.conv2d's input, not its filter";
    return false;
  }
  return splitsBySample(getInput(), samples, /*anyRowsEach=*/false, "input", reason);
}

namespace {
/// Sample i's filter gradients, [B, O, C / G, KH, KW]: group i of the grouped backward-weights
/// of the batch folded into the channels.
Value perSampleFilterGradients(OpBuilder &b, Conv2dOp op, Value cot) {
  Location loc = op.getLoc();
  int64_t batch = rankedType(op.getInput()).getDimSize(0);
  auto filter = rankedType(op.getFilter());
  SmallVector<int64_t> shape(filter.getShape());
  shape[0] *= batch;
  Value x = samplesAsChannels(b, loc, op.getInput());
  Value dy = samplesAsChannels(b, loc, cot);
  Value perSample = Conv2dGradFilterOp::create(
      b, loc, RankedTensorType::get(shape, filter.getElementType()), x, dy, op.getStrideAttr(), op.getPaddingAttr(), op.getDilationAttr(),
      b.getI64IntegerAttr(op.getGroups() * batch));
  return splitSamples(b, loc, perSample, batch);
}

/// sum_i weights[i] perSample[i] as `resultType`: the samples' values, one row each, scaled
/// and summed over the rows in one pass.
Value weightedSampleSum(OpBuilder &b, Location loc, Value perSample, Value weights,
                        RankedTensorType resultType) {
  auto t = rankedType(perSample);
  auto flat = RankedTensorType::get({resultType.getNumElements()}, t.getElementType());
  Value rows = perSample;
  if (t.getRank() > 2) {
    SmallVector<ReassociationIndices> groups = {{0}, {}};
    for (int64_t d = 1; d < t.getRank(); ++d)
      groups[1].push_back(d);
    rows = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({t.getDimSize(0), flat.getDimSize(0)}, t.getElementType()),
        perSample, groups);
  }
  Value sum = SumLeadingOp::create(b, loc, flat, ScaleSamplesOp::create(b, loc, rows, weights));
  if (resultType.getRank() == 1)
    return sum;
  ReassociationIndices all;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    all.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, resultType, sum,
                                       ArrayRef<ReassociationIndices>{all});
}
} // namespace

FailureOr<Value> Conv2dOp::buildPerSampleSquaredNorms(OpBuilder &b, ValueRange cot, unsigned,
                                                      int64_t) {
  int64_t batch = rankedType(getInput()).getDimSize(0);
  return Value(PerSampleSqNormOp::create(
      b, getLoc(), perSampleType(batch, rankedType(getFilter()).getElementType()),
      perSampleFilterGradients(b, *this, cot[0])));
}

// The per-sample filter gradients are there already (the norms needed them; kiln-to-llvm's
// CSE makes the two one): their weighted sum reads them once, where a backward-weights on
// scaled cotangents would redo the whole product.
FailureOr<Value> Conv2dOp::buildWeightedGradient(OpBuilder &b, ValueRange cot, unsigned,
                                                 Value weights) {
  return weightedSampleSum(b, getLoc(), perSampleFilterGradients(b, *this, cot[0]), weights,
                           rankedType(getFilter()));
}

bool ChannelBiasOp::supportsPerSampleGradient(unsigned operand, int64_t samples,
                                              std::string &reason) {
  if (operand != 1) {
    reason = "the parameter is kiln.channel_bias's input, not its bias";
    return false;
  }
  return splitsBySample(getInput(), samples, /*anyRowsEach=*/false, "input", reason);
}

// Sample i's bias gradient is its cotangent summed over h and w: a channel sum of the batch
// folded into channels.
namespace {
/// Sample i's bias gradient, [B, C]: its cotangent summed over h and w.
Value perSampleBiasGradients(OpBuilder &b, ChannelBiasOp op, Value cot) {
  Location loc = op.getLoc();
  auto t = rankedType(cot);
  int64_t batch = t.getDimSize(0);
  Value sums = ChannelSumOp::create(
      b, loc, RankedTensorType::get({batch * t.getDimSize(1)}, t.getElementType()),
      samplesAsChannels(b, loc, cot));
  return splitSamples(b, loc, sums, batch);
}
} // namespace

FailureOr<Value> ChannelBiasOp::buildPerSampleSquaredNorms(OpBuilder &b, ValueRange cot,
                                                           unsigned, int64_t) {
  auto t = rankedType(cot[0]);
  return Value(PerSampleSqNormOp::create(b, getLoc(),
                                         perSampleType(t.getDimSize(0), t.getElementType()),
                                         perSampleBiasGradients(b, *this, cot[0])));
}

// As for the filter: the per-sample sums are there, and [B, C] is far smaller than the
// cotangent a scaled channel sum would read again.
FailureOr<Value> ChannelBiasOp::buildWeightedGradient(OpBuilder &b, ValueRange cot, unsigned,
                                                      Value weights) {
  return weightedSampleSum(b, getLoc(), perSampleBiasGradients(b, *this, cot[0]), weights,
                           rankedType(getBias()));
}
