// SPDX-License-Identifier: Apache-2.0
// Verifiers and VJP rules of the regularizers (Regularizers.td). The verifiers accept what
// the runtime's kernels accept, so that a program that compiles never reaches a kernel with
// shapes it refuses; the data (finite points, a finite kernel) is checked at run time.
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace kiln;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// x [n, d] and y [m, d] of one element type; `paired`: n = m (the Monge gap).
LogicalResult verifyClouds(Operation *op, Value x, Value y, bool paired) {
  auto tx = rankedType(x), ty = rankedType(y);
  if (tx.getRank() != 2 || ty.getRank() != 2)
    return op->emitOpError("takes point clouds as [points, dim] matrices, not ")
           << tx << " and " << ty;
  if (tx.getElementType() != ty.getElementType())
    return op->emitOpError("mixes element types ") << tx.getElementType() << " and "
                                                   << ty.getElementType();
  auto mismatch = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (mismatch(tx.getDimSize(1), ty.getDimSize(1)))
    return op->emitOpError("needs points of one dimension, not ") << tx << " and " << ty;
  if (paired && mismatch(tx.getDimSize(0), ty.getDimSize(0)))
    return op->emitOpError("pairs x_i with its image y_i, so x and y need one shape, not ")
           << tx << " and " << ty;
  for (auto t : {tx, ty})
    for (int64_t extent : t.getShape())
      if (extent == 0)
        return op->emitOpError("needs non-empty point clouds, not ") << t;
  return success();
}

template <typename OpTy> LogicalResult verifyForward(OpTy op, bool paired) {
  if (failed(verifyClouds(op, op.getX(), op.getY(), paired)))
    return failure();
  Type element = rankedType(op.getX()).getElementType();
  auto value = rankedType(op.getValue());
  if (value.getRank() != 0 || value.getElementType() != element)
    return op.emitOpError("returns a rank-0 tensor of ") << element << ", not " << value;
  if (Value stats = op.getStats()) {
    auto type = rankedType(stats);
    if (type.getShape() != ArrayRef<int64_t>{4} || type.getElementType() != element)
      return op.emitOpError("returns its record as ")
             << RankedTensorType::get({4}, element)
             << " [epsilon, iterations, error, converged], not " << type;
  }
  return success();
}

template <typename OpTy> LogicalResult verifyGrad(OpTy op, bool paired) {
  if (failed(verifyClouds(op, op.getX(), op.getY(), paired)))
    return failure();
  auto cot = rankedType(op.getValueGrad());
  if (cot.getRank() != 0 || cot.getElementType() != rankedType(op.getX()).getElementType())
    return op.emitOpError("takes the value's cotangent as a rank-0 tensor of the points' type, "
                          "not ")
           << cot;
  return success();
}

/// The value's cotangent becomes the gradient op with the forward op's attributes; the
/// record (stats) carries no gradient.
template <typename GradOp, typename OpTy>
SmallVector<Value> transportVJP(OpTy op, OpBuilder &b, ValueRange cot) {
  auto grad = GradOp::create(b, op.getLoc(), op.getX().getType(), op.getY().getType(),
                             op.getX(), op.getY(), cot[0], op.getCostAttr(),
                             op.getEpsilonAttr(), op.getEpsilonModeAttr(),
                             op.getThresholdAttr(), op.getMaxIterationsAttr());
  return {grad.getXGrad(), grad.getYGrad()};
}

} // namespace

LogicalResult MongeGapOp::verify() { return verifyForward(*this, /*paired=*/true); }
LogicalResult SinkhornDivergenceOp::verify() { return verifyForward(*this, /*paired=*/false); }
LogicalResult MongeGapGradOp::verify() { return verifyGrad(*this, /*paired=*/true); }
LogicalResult SinkhornDivergenceGradOp::verify() { return verifyGrad(*this, /*paired=*/false); }

FailureOr<SmallVector<Value>> MongeGapOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return transportVJP<MongeGapGradOp>(*this, b, cot);
}

FailureOr<SmallVector<Value>> SinkhornDivergenceOp::buildVJP(OpBuilder &b, ValueRange cot) {
  return transportVJP<SinkhornDivergenceGradOp>(*this, b, cot);
}

//===-- kiln.ntk, what derives from it, kiln.ntk_spectrum ----------------------------------===//

static bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// The operands kiln.ntk_grad differentiates: the floating-point tensors.
static SmallVector<Value> floatTensorOperands(ValueRange operands) {
  return llvm::filter_to_vector(operands, isFloatTensor);
}

/// What kiln.ntk and the ops derived from it check of their model: it returns one static
/// [N, K] floating-point tensor, and `wrt` names distinct static parameters of one element
/// type. Sets `logits` to the model's result type.
static LogicalResult verifyNtkModel(Operation *op, FlatSymbolRefAttr calleeAttr,
                                    ValueRange operands, ArrayRef<int64_t> wrt,
                                    SymbolTableCollection &symbols, RankedTensorType &logits) {
  auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(op, calleeAttr);
  if (!callee)
    return op->emitOpError("'") << calleeAttr.getValue() << "' is not a function";
  FunctionType type = callee.getFunctionType();
  if (TypeRange(type.getInputs()) != operands.getTypes())
    return op->emitOpError("operands do not match the signature of @") << callee.getSymName();
  logits = type.getNumResults() == 1 ? dyn_cast<RankedTensorType>(type.getResult(0))
                                     : RankedTensorType();
  if (!logits || logits.getRank() != 2 || !logits.hasStaticShape() ||
      !isa<FloatType>(logits.getElementType()))
    return op->emitOpError("@") << callee.getSymName()
                                << " must return one static [batch, logits] floating-point tensor";
  if (logits.getDimSize(0) == 0 || logits.getDimSize(1) == 0)
    return op->emitOpError("needs at least one sample and one logit, not ") << logits;
  if (wrt.empty())
    return op->emitOpError("needs at least one parameter in wrt");
  llvm::SmallDenseSet<int64_t> seen;
  Type element;
  for (int64_t index : wrt) {
    if (index < 0 || index >= int64_t(operands.size()))
      return op->emitOpError("wrt index ") << index << " is out of range";
    if (!seen.insert(index).second)
      return op->emitOpError("wrt lists argument ") << index << " twice";
    auto param = dyn_cast<RankedTensorType>(type.getInput(index));
    if (!param || !isa<FloatType>(param.getElementType()) || !param.hasStaticShape())
      return op->emitOpError("parameter ")
             << index << " must be a static floating-point tensor, not " << type.getInput(index);
    if (element && param.getElementType() != element)
      return op->emitOpError("parameters of one element type are contracted together, not ")
             << element << " and " << param.getElementType();
    element = param.getElementType();
  }
  return success();
}

/// The kernel's shape for `logits`: [N, K, N, K] ("full") or [N, N].
static SmallVector<int64_t> ntkShape(RankedTensorType logits, NtkLogits mode) {
  int64_t n = logits.getDimSize(0), k = logits.getDimSize(1);
  return mode == NtkLogits::Full ? SmallVector<int64_t>{n, k, n, k} : SmallVector<int64_t>{n, n};
}

LogicalResult NtkOp::verifySymbolUses(SymbolTableCollection &symbols) {
  RankedTensorType logits;
  if (failed(verifyNtkModel(*this, getCalleeAttr(), getOperands(), getWrt(), symbols, logits)))
    return failure();
  SmallVector<int64_t> shape = ntkShape(logits, getLogits());
  auto result = rankedType(getKernel());
  if (result.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("with logits \"")
           << stringifyNtkLogits(getLogits()) << "\" returns "
           << RankedTensorType::get(shape, result.getElementType()) << ", not " << result;
  return success();
}

LogicalResult NtkVectorProductOp::verifySymbolUses(SymbolTableCollection &symbols) {
  RankedTensorType logits;
  if (failed(verifyNtkModel(*this, getCalleeAttr(), getArgs(), getWrt(), symbols, logits)))
    return failure();
  SmallVector<int64_t> shape = {logits.getDimSize(0)};
  if (getLogits() == NtkLogits::Full)
    shape.push_back(logits.getDimSize(1));
  auto expected = RankedTensorType::get(shape, logits.getElementType());
  if (getVector().getType() != expected)
    return emitOpError("with logits \"")
           << stringifyNtkLogits(getLogits()) << "\" multiplies a " << expected << ", not "
           << getVector().getType();
  if (getResult().getType() != expected)
    return emitOpError("returns ") << expected << ", not " << getResult().getType();
  return success();
}

LogicalResult NtkGradOp::verifySymbolUses(SymbolTableCollection &symbols) {
  RankedTensorType logits;
  if (failed(verifyNtkModel(*this, getCalleeAttr(), getArgs(), getWrt(), symbols, logits)))
    return failure();
  SmallVector<int64_t> shape = ntkShape(logits, getLogits());
  auto cotangent = rankedType(getCotangent());
  if (cotangent.getShape() != ArrayRef<int64_t>(shape))
    return emitOpError("with logits \"")
           << stringifyNtkLogits(getLogits()) << "\" takes the kernel's cotangent "
           << RankedTensorType::get(shape, cotangent.getElementType()) << ", not " << cotangent;
  SmallVector<Value> differentiable = floatTensorOperands(getArgs());
  if (getGradients().size() != differentiable.size())
    return emitOpError("has ") << getGradients().size() << " results for "
                               << differentiable.size() << " floating-point tensor operands";
  for (auto [operand, g] : llvm::zip(differentiable, getGradients()))
    if (g.getType() != operand.getType())
      return emitOpError("gradient of an operand of type ")
             << operand.getType() << " has type " << g.getType();
  return success();
}

FailureOr<SmallVector<Value>> NtkOp::buildVJP(OpBuilder &b, ValueRange cot) {
  SmallVector<Type> types = llvm::map_to_vector(floatTensorOperands(getOperands()),
                                                [](Value v) { return v.getType(); });
  auto grad = NtkGradOp::create(b, getLoc(), types, getCalleeAttr(), getOperands(), cot[0],
                                getWrtAttr(), getLogitsAttr());
  SmallVector<Value> result;
  auto next = grad.getResults().begin();
  for (Value operand : getOperands())
    result.push_back(isFloatTensor(operand) ? *next++ : Value());
  return result;
}

LogicalResult NtkSpectrumOp::verify() {
  auto kernel = rankedType(getKernel());
  Type element = kernel.getElementType();
  ArrayRef<int64_t> s = kernel.getShape();
  if (!kernel.hasStaticShape() ||
      !((s.size() == 2 && s[0] == s[1]) || (s.size() == 4 && s[0] == s[2] && s[1] == s[3])) ||
      kernel.getNumElements() == 0)
    return emitOpError("takes a static square kernel [M, M] or [N, K, N, K], not ") << kernel;
  int64_t m = s.size() == 2 ? s[0] : s[0] * s[1];
  auto eigenvalues = rankedType(getEigenvalues());
  if (eigenvalues != RankedTensorType::get({m}, element))
    return emitOpError("returns its eigenvalues as ") << RankedTensorType::get({m}, element)
                                                      << ", not " << eigenvalues;
  auto scalar = RankedTensorType::get({}, element);
  if (rankedType(getTrace()) != scalar || rankedType(getConditionNumber()) != scalar)
    return emitOpError("returns the trace and the condition number as ") << scalar;
  return success();
}
