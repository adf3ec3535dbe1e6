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

SmallVector<StringRef> CompressedExchangeOp::getStateKinds(GradientExchange method) {
  switch (method) {
  case GradientExchange::Ef14:
    return {"e"};
  case GradientExchange::Ef21:
    return {"h", "hbar"};
  case GradientExchange::EControl:
    return {"e", "h", "hbar"};
  default:
    return {};
  }
}

LogicalResult CompressedExchangeOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                                     ValueRange operands, DictionaryAttr,
                                                     OpaqueProperties, RegionRange,
                                                     SmallVectorImpl<Type> &types) {
  // The operands are the gradients, the state and the step: the results are typed as all
  // but the step.
  if (operands.empty())
    return failure();
  llvm::append_range(types, operands.drop_back().getTypes());
  return success();
}

int64_t CompressedExchangeOp::getCoordinates() {
  int64_t d = 0;
  for (Value g : getGradients())
    d += cast<ShapedType>(g.getType()).getNumElements();
  return d;
}

LogicalResult CompressedExchangeOp::verify() {
  GradientExchange method = getMethod();
  if (method == GradientExchange::None || method == GradientExchange::Mean)
    return emitOpError("method is \"compressed\", \"ef14\", \"ef21\" or \"econtrol\"; a "
                       "dense mean is kiln.exchange_gradients");
  if (failed(verifyBucket(*this, getGradients())))
    return failure();
  size_t n = getGradients().size(), kinds = getStateKinds(method).size();
  if (getState().size() != n * kinds)
    return emitOpError("method \"")
           << stringifyGradientExchange(method) << "\" keeps " << kinds
           << " kinds of state, one tensor per gradient: " << n * kinds << " state operands, not "
           << getState().size();
  for (auto [i, s] : llvm::enumerate(getState()))
    if (s.getType() != getGradients()[i % n].getType())
      return emitOpError("state operand #") << i << " of type " << s.getType()
                                            << " must be shaped as gradient #" << i % n << ", "
                                            << getGradients()[i % n].getType();
  int64_t d = getCoordinates();
  bool sparse = getCompressor() == Compressor::TopK || getCompressor() == Compressor::TopKThreshold ||
                getCompressor() == Compressor::RandK;
  if (sparse && (getK() < 1 || getK() > d))
    return emitOpError("k = ") << getK() << ": " << stringifyCompressor(getCompressor())
                               << " keeps 1 to " << d << " coordinates of the " << d;
  double eta = getEta().convertToDouble();
  if (!(eta > 0 && eta <= 1))
    return emitOpError("eta = ") << eta << " must be in (0, 1]";
  return success();
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
