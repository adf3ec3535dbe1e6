// SPDX-License-Identifier: Apache-2.0
// Lowers the regularizers to the runtime's kernels. kiln.ntk_spectrum becomes
// kiln_rt.kernel_call spectrum (LAPACK in the runtime). Every kiln.monge_gap,
// kiln.sinkhorn_divergence and their _grad twins become kiln_rt.kernel_call monge_gap or
// sinkhorn_divergence, which returns the value, the solver's record and, when asked, the
// gradients of the value. A forward op and the gradient op kiln-autodiff made from it are
// fused first (fuseTransportGradients): one solve at the forward op's place returns the value
// and the unscaled gradients, which the gradient op's place multiplies by the cotangent, so
// a training step solves each problem once.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include "kiln/IR/KilnOps.h"
#include "kiln/RT/KilnRT.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

/// The results of one kernel call; dx and dy are null without gradients.
struct TransportCall {
  Value value, stats, dx, dy;
};

template <typename OpTy> constexpr krt::Kernel kernelOf() {
  if constexpr (std::is_same_v<OpTy, MongeGapOp> || std::is_same_v<OpTy, MongeGapGradOp>)
    return krt::Kernel::MongeGap;
  else
    return krt::Kernel::SinkhornDivergence;
}

/// The kernel call for `op` (a forward or a gradient op: they share operands x, y and the
/// attributes), with or without the gradients.
template <typename OpTy>
FailureOr<TransportCall> emitCall(ImplicitLocOpBuilder &b, OpTy op, bool gradients) {
  auto tx = rankedType(op.getX()), ty = rankedType(op.getY());
  if (!tx.hasStaticShape() || !ty.hasStaticShape())
    return op.emitOpError("needs static point clouds: compile the program with --batch N");
  Type element = tx.getElementType();
  auto params = krt::TransportAttr::get(
      b.getContext(), tx.getDimSize(0), ty.getDimSize(0), tx.getDimSize(1), op.getCost(),
      op.getEpsilonMode(), op.getMaxIterations(), /*inner_iterations=*/10, gradients,
      op.getEpsilonAttr().getValue(), op.getThresholdAttr().getValue());
  SmallVector<Type> types = {RankedTensorType::get({}, element),
                             RankedTensorType::get({4}, element)};
  if (gradients)
    types.append({tx, ty});
  SmallVector<Value> inits;
  for (Type t : types) {
    auto shaped = cast<RankedTensorType>(t);
    inits.push_back(tensor::EmptyOp::create(b, shaped.getShape(), element));
  }
  auto call = krt::KernelCallOp::create(b, types, krt::KernelAttr::get(b.getContext(), kernelOf<OpTy>()),
                                        ValueRange{op.getX(), op.getY()}, inits, params);
  TransportCall r{call.getResult(0), call.getResult(1), {}, {}};
  if (gradients) {
    r.dx = call.getResult(2);
    r.dy = call.getResult(3);
  }
  return r;
}

/// `grad` (unscaled) times the rank-0 cotangent.
Value scaled(ImplicitLocOpBuilder &b, Value grad, Value cotangent) {
  auto type = rankedType(grad);
  MLIRContext *ctx = b.getContext();
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  return generic(b, {grad, cotangent}, init,
                 {b.getMultiDimIdentityMap(2), AffineMap::get(2, 0, ctx),
                  b.getMultiDimIdentityMap(2)},
                 {utils::IteratorType::parallel, utils::IteratorType::parallel},
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::MulFOp::create(nb, a[0], a[1]);
                 });
}

template <typename A, typename B> bool sameProblem(A a, B b) {
  return a.getX() == b.getX() && a.getY() == b.getY() && a.getCost() == b.getCost() &&
         a.getEpsilonAttr() == b.getEpsilonAttr() && a.getEpsilonMode() == b.getEpsilonMode() &&
         a.getThresholdAttr() == b.getThresholdAttr() &&
         a.getMaxIterationsAttr() == b.getMaxIterationsAttr();
}

template <typename ForwardOp, typename GradOp> LogicalResult fusePairs(Operation *root) {
  SmallVector<GradOp> grads;
  root->walk([&](GradOp g) { grads.push_back(g); });
  for (GradOp grad : grads) {
    ForwardOp forward;
    for (Operation *user : grad.getX().getUsers())
      if (auto f = dyn_cast<ForwardOp>(user);
          f && f->getBlock() == grad->getBlock() && f->isBeforeInBlock(grad) && sameProblem(f, grad))
        forward = f;
    if (!forward)
      continue; // lowered alone: a second solve
    ImplicitLocOpBuilder b(forward.getLoc(), forward);
    FailureOr<TransportCall> call = emitCall(b, forward, /*gradients=*/true);
    if (failed(call))
      return failure();
    forward.getValue().replaceAllUsesWith(call->value);
    if (Value stats = forward.getStats())
      stats.replaceAllUsesWith(call->stats);
    forward.erase();
    b.setInsertionPoint(grad);
    b.setLoc(grad.getLoc());
    grad.getXGrad().replaceAllUsesWith(scaled(b, call->dx, grad.getValueGrad()));
    grad.getYGrad().replaceAllUsesWith(scaled(b, call->dy, grad.getValueGrad()));
    grad.erase();
  }
  return success();
}

template <typename OpTy> struct ForwardLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    FailureOr<TransportCall> call = emitCall(b, op, /*gradients=*/false);
    if (failed(call))
      return failure();
    SmallVector<Value> results = {call->value};
    if (op.getStats())
      results.push_back(call->stats);
    rewriter.replaceOp(op, results);
    return success();
  }
};

template <typename OpTy> struct GradLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    FailureOr<TransportCall> call = emitCall(b, op, /*gradients=*/true);
    if (failed(call))
      return failure();
    rewriter.replaceOp(op, ValueRange{scaled(b, call->dx, op.getValueGrad()),
                                      scaled(b, call->dy, op.getValueGrad())});
    return success();
  }
};

/// kiln.ntk_spectrum: a full [N, K, N, K] kernel is the [N K, N K] matrix it lays out.
struct SpectrumLowering : OpConversionPattern<NtkSpectrumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(NtkSpectrumOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value kernel = op.getKernel();
    auto type = rankedType(kernel);
    Type element = type.getElementType();
    int64_t m = rankedType(op.getEigenvalues()).getDimSize(0);
    if (type.getRank() == 4)
      kernel = tensor::CollapseShapeOp::create(b, RankedTensorType::get({m, m}, element), kernel,
                                               ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    SmallVector<Type> types = {RankedTensorType::get({m}, element),
                               RankedTensorType::get({}, element),
                               RankedTensorType::get({}, element)};
    SmallVector<Value> inits;
    for (Type t : types)
      inits.push_back(tensor::EmptyOp::create(b, cast<RankedTensorType>(t).getShape(), element));
    auto call = krt::KernelCallOp::create(
        b, types, krt::KernelAttr::get(b.getContext(), krt::Kernel::Spectrum), ValueRange{kernel},
        inits, krt::SpectrumAttr::get(b.getContext(), m));
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

} // namespace

LogicalResult kiln::fuseTransportGradients(Operation *root) {
  if (failed(fusePairs<MongeGapOp, MongeGapGradOp>(root)))
    return failure();
  return fusePairs<SinkhornDivergenceOp, SinkhornDivergenceGradOp>(root);
}

void kiln::populateRegularizersToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ForwardLowering<MongeGapOp>, ForwardLowering<SinkhornDivergenceOp>,
               GradLowering<MongeGapGradOp>, GradLowering<SinkhornDivergenceGradOp>,
               SpectrumLowering>(
      patterns.getContext());
}
