// SPDX-License-Identifier: Apache-2.0
// Verifiers of the random initializer ops, and the variance-scaling arithmetic (fans).
#include "kiln/IR/KilnOps.h"

#include <cmath>

using namespace mlir;
using namespace kiln;

namespace {

LogicalResult verifyStatic(Operation *op, Type type) {
  if (!cast<RankedTensorType>(type).hasStaticShape())
    return op->emitOpError("needs a static shape, not ") << type;
  return success();
}

/// Fan-in and fan-out of `shape` with JAX's variance_scaling rule.
FailureOr<std::pair<double, double>> fans(VarianceScalingOp op) {
  ArrayRef<int64_t> shape = cast<RankedTensorType>(op.getResult().getType()).getShape();
  int64_t rank = shape.size();
  auto normalize = [&](int64_t axis) { return axis < 0 ? axis + rank : axis; };
  int64_t in = normalize(op.getInAxis()), out = normalize(op.getOutAxis());
  if (rank < 2 || in < 0 || in >= rank || out < 0 || out >= rank || in == out)
    return op.emitOpError("needs distinct in_axis and out_axis within a shape of rank >= 2; got ")
           << op.getInAxis() << " and " << op.getOutAxis() << " for rank " << rank;
  double receptive = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (d != in && d != out)
      receptive *= double(shape[d]);
  return std::pair<double, double>{double(shape[in]) * receptive,
                                   double(shape[out]) * receptive};
}

} // namespace

LogicalResult RandomUniformOp::verify() {
  double lo = getLow().convertToDouble(), hi = getHigh().convertToDouble();
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    return emitOpError("needs finite low <= high, got [") << lo << ", " << hi << ")";
  return verifyStatic(*this, getResult().getType());
}

LogicalResult RandomNormalOp::verify() {
  if (!std::isfinite(getMean().convertToDouble()) || !std::isfinite(getStddev().convertToDouble()))
    return emitOpError("needs a finite mean and stddev");
  return verifyStatic(*this, getResult().getType());
}

LogicalResult VarianceScalingOp::verify() {
  if (failed(verifyStatic(*this, getResult().getType())))
    return failure();
  double scale = getScale().convertToDouble();
  if (!(scale > 0) || !std::isfinite(scale))
    return emitOpError("scale must be positive and finite, not ") << scale;
  auto f = fans(*this);
  if (failed(f))
    return failure();
  if (f->first <= 0 || f->second <= 0)
    return emitOpError("has an empty fan");
  return success();
}

double VarianceScalingOp::getSpread() {
  auto [fanIn, fanOut] = *fans(*this);
  double n = getMode() == FanMode::FanIn    ? fanIn
             : getMode() == FanMode::FanOut ? fanOut
                                            : (fanIn + fanOut) / 2;
  double variance = getScale().convertToDouble() / n;
  return getDistribution() == InitDistribution::Uniform ? std::sqrt(3 * variance)
                                                        : std::sqrt(variance);
}
