// SPDX-License-Identifier: Apache-2.0
// Verifiers of the differential-privacy ops (Privacy.td).
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// The kiln.clipped_value_and_grad that produced `values` (all from one op), or null; an
/// error when they come from one but are not the right kind of its results.
FailureOr<ClippedValueAndGradOp> producer(Operation *op, ValueRange values, bool clipped,
                                          double maxNorm, StringRef what) {
  ClippedValueAndGradOp source;
  for (auto [i, v] : llvm::enumerate(values)) {
    auto p = v.getDefiningOp<ClippedValueAndGradOp>();
    if (!p)
      continue;
    if (source && p != source)
      return op->emitOpError(what) << " come from two kiln.clipped_value_and_grad ops";
    source = p;
    ValueRange expected = clipped ? p.getClippedGradients() : p.getUnclippedGradients();
    if (!llvm::is_contained(expected, v))
      return op->emitOpError(what) << " operand " << i << " is not one of the "
                                   << (clipped ? "clipped" : "unclipped (`unclipped`)")
                                   << " sums of kiln.clipped_value_and_grad";
  }
  if (source && source.getMaxNorm().convertToDouble() != maxNorm)
    return op->emitOpError("max_norm ")
           << maxNorm << " differs from the clipping norm of its gradients, "
           << source.getMaxNorm().convertToDouble()
           << ": the noise must be calibrated to the sensitivity actually used";
  return source;
}

} // namespace

/// A per-sample reduction of `x` into `r`: one value per slice of x's first dimension.
static LogicalResult verifyPerSampleReduction(Operation *op, Value input, Value result) {
  auto x = rankedType(input), r = rankedType(result);
  if (x.getRank() < 1 || r.getRank() != 1 ||
      (!x.isDynamicDim(0) && !r.isDynamicDim(0) && x.getDimSize(0) != r.getDimSize(0)))
    return op->emitOpError("reduces ") << x << " to one value per sample, not to " << r;
  return success();
}

LogicalResult PerSampleSqNormOp::verify() {
  return verifyPerSampleReduction(*this, getInput(), getResult());
}

LogicalResult PerSampleDotOp::verify() {
  return verifyPerSampleReduction(*this, getLhs(), getResult());
}

LogicalResult ScaleSamplesOp::verify() {
  auto x = rankedType(getInput()), w = rankedType(getWeights());
  if (x.getRank() < 1 || w.getRank() != 1 ||
      (!x.isDynamicDim(0) && !w.isDynamicDim(0) && x.getDimSize(0) != w.getDimSize(0)))
    return emitOpError("needs one weight per sample of ") << x << ", not " << w;
  return success();
}

LogicalResult DpAggregateOp::verify() {
  if (getClippedSums().empty())
    return emitOpError("needs at least one clipped gradient sum");
  return producer(*this, getClippedSums(), /*clipped=*/true,
                  getMaxNorm().convertToDouble(), "clipped sum");
}

LogicalResult DiceFeedbackOp::verify() {
  if (getClippedSums().empty())
    return emitOpError("needs at least one parameter");
  double c1 = getMaxNorm().convertToDouble();
  FailureOr<ClippedValueAndGradOp> clipped =
      producer(*this, getClippedSums(), /*clipped=*/true, c1, "clipped sum");
  if (failed(clipped))
    return failure();
  FailureOr<ClippedValueAndGradOp> plain =
      producer(*this, getSums(), /*clipped=*/false, c1, "sum");
  if (failed(plain))
    return failure();
  if (*clipped && *plain && *clipped != *plain)
    return emitOpError("clipped and plain sums come from different gradient computations");
  return success();
}
