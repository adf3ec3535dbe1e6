// SPDX-License-Identifier: Apache-2.0
// Verifiers of the collectives and the gradient exchange (Distributed.td).
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

namespace {

/// Static tensors (every rank sends as many elements), of one element type when they travel
/// as one message.
LogicalResult verifyBucket(Operation *op, ValueRange values, bool oneMessage = true) {
  if (values.empty())
    return op->emitOpError("needs at least one tensor");
  Type element = cast<ShapedType>(values.front().getType()).getElementType();
  for (auto [i, v] : llvm::enumerate(values)) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.hasStaticShape())
      return op->emitOpError("operand #") << i << " of type " << type
                                          << " must have a static shape: every rank sends "
                                             "the same number of elements";
    if (oneMessage && type.getElementType() != element)
      return op->emitOpError("operand #")
             << i << " holds " << type.getElementType() << " and operand #0 " << element
             << ": the tensors of one message share an element type";
  }
  return success();
}

} // namespace

LogicalResult AllReduceOp::verify() { return verifyBucket(*this, getInputs()); }

LogicalResult BroadcastFromOp::verify() { return verifyBucket(*this, getInputs()); }

LogicalResult ExchangeGradientsOp::verify() {
  if (getMethod() == GradientExchange::None)
    return emitOpError("method \"none\" exchanges nothing: leave the op out");
  // kiln-data-parallel splits the gradients into buckets of one element type each.
  return verifyBucket(*this, getGradients(), /*oneMessage=*/false);
}

LogicalResult AllGatherOp::verify() {
  auto in = getInput().getType();
  auto out = getResult().getType();
  if (failed(verifyBucket(*this, getInput())))
    return failure();
  SmallVector<int64_t> expected{getRanks()};
  llvm::append_range(expected, in.getShape());
  if (out.getElementType() != in.getElementType() || out.getShape() != ArrayRef(expected))
    return emitOpError("result of type ")
           << out << " must stack the " << getRanks() << " ranks' " << in << " as "
           << RankedTensorType::get(expected, in.getElementType());
  return success();
}
