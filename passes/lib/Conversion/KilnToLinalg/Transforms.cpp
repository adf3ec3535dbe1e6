// SPDX-License-Identifier: Apache-2.0
// Lowers the Optax-style gradient transforms. Each becomes one element-wise linalg.generic
// writing a fresh tensor (or the params, for apply_updates), so kiln-fuse can merge a whole
// chain into one loop; clip_by_global_norm adds the one reduction pass it needs.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

struct ClipLowering : OpConversionPattern<ClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClipOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    double delta = op.getMaxDelta().convertToDouble();
    Value hi = f32(b, delta), lo = f32(b, -delta);
    rewriter.replaceOp(
        op, buildElementwise(b, {op.getUpdates()}, {emptyLike(b, op.getUpdates())},
                             [&](ImplicitLocOpBuilder &nb, ValueRange ins,
                                 ValueRange) -> SmallVector<Value> {
                               return {arith::MinimumFOp::create(
                                   nb, arith::MaximumFOp::create(nb, ins[0], lo), hi)};
                             }));
    return success();
  }
};

struct ClipByGlobalNormLowering : OpConversionPattern<ClipByGlobalNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ClipByGlobalNormOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    // Pass 1: the norm of all tensors together, accumulated in f64.
    Value norm = globalNorm64(b, op.getUpdates());
    // PyTorch: clamp(max_norm / (norm + 1e-6), max=1).
    Value coef64 = arith::MinimumFOp::create(
        b, f64(b, 1.0),
        arith::DivFOp::create(b, f64(b, op.getMaxNorm().convertToDouble()),
                              arith::AddFOp::create(b, norm, f64(b, 1e-6))));
    Value coef = toF32(b, coef64);
    // Pass 2: the scale, which kiln-fuse folds into the consumer's loop.
    SmallVector<Value> results;
    for (Value g : op.getUpdates())
      results.push_back(buildElementwise(b, {g}, {emptyLike(b, g)},
                                         [&](ImplicitLocOpBuilder &nb, ValueRange ins,
                                             ValueRange) -> SmallVector<Value> {
                                           return {arith::MulFOp::create(nb, ins[0], coef)};
                                         })[0]);
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct ScaleByAdamLowering : OpConversionPattern<ScaleByAdamOp> {
  ScaleByAdamLowering(MLIRContext *ctx, bool exactMath)
      : OpConversionPattern(ctx), num{exactMath} {}
  Numerics num;
  LogicalResult matchAndRewrite(ScaleByAdamOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    double beta1 = op.getBeta1().convertToDouble(), beta2 = op.getBeta2().convertToDouble();
    Value t = arith::SIToFPOp::create(b, b.getF64Type(), extractScalar(b, op.getStep()));
    Value one = f64(b, 1.0);
    // Optax divides by the bias corrections: mu / (1 - b1^t), nu / (1 - b2^t).
    Numerics::Divisor bc1 = num.divisor(
        b, toF32(b, arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, beta1), t))));
    Numerics::Divisor bc2 = num.divisor(
        b, toF32(b, arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, beta2), t))));
    Value b1 = f32(b, beta1), c1 = f32(b, 1.0 - beta1);
    Value b2 = f32(b, beta2), c2 = f32(b, 1.0 - beta2);
    Value eps = f32(b, op.getEps().convertToDouble());
    auto results = buildElementwise(
        b, {op.getUpdates()}, {emptyLike(b, op.getUpdates()), op.getM(), op.getV()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value g = ins[0];
          Value m = arith::AddFOp::create(nb, arith::MulFOp::create(nb, c1, g),
                                          arith::MulFOp::create(nb, b1, outs[1]));
          Value v = arith::AddFOp::create(
              nb, arith::MulFOp::create(nb, c2, arith::MulFOp::create(nb, g, g)),
              arith::MulFOp::create(nb, b2, outs[2]));
          Value mHat = num.div(nb, m, bc1);
          Value vHat = num.div(nb, v, bc2);
          Value u = num.divAtLeast(nb, mHat, arith::AddFOp::create(nb, num.sqrt(nb, vHat), eps),
                                   op.getEps().convertToDouble());
          return {u, m, v};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct AddDecayedWeightsLowering : OpConversionPattern<AddDecayedWeightsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AddDecayedWeightsOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value wd = f32(b, op.getWeightDecay().convertToDouble());
    rewriter.replaceOp(
        op, buildElementwise(b, {op.getUpdates(), op.getParams()},
                             {emptyLike(b, op.getUpdates())},
                             [&](ImplicitLocOpBuilder &nb, ValueRange ins,
                                 ValueRange) -> SmallVector<Value> {
                               return {addScaled(nb, ins[0], wd, ins[1])};
                             }));
    return success();
  }
};

struct ScaleLowering : OpConversionPattern<ScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ScaleOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value factor = f32(b, op.getFactor().convertToDouble());
    if (op.getScalar())
      factor = arith::MulFOp::create(b, extractScalar(b, op.getScalar()), factor);
    rewriter.replaceOp(
        op, buildElementwise(b, {op.getUpdates()}, {emptyLike(b, op.getUpdates())},
                             [&](ImplicitLocOpBuilder &nb, ValueRange ins,
                                 ValueRange) -> SmallVector<Value> {
                               return {arith::MulFOp::create(nb, ins[0], factor)};
                             }));
    return success();
  }
};

struct ApplyUpdatesLowering : OpConversionPattern<ApplyUpdatesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ApplyUpdatesOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(
        op, buildElementwise(b, {op.getUpdates()}, {op.getParams()},
                             [&](ImplicitLocOpBuilder &nb, ValueRange ins,
                                 ValueRange outs) -> SmallVector<Value> {
                               return {arith::AddFOp::create(nb, outs[0], ins[0])};
                             }));
    return success();
  }
};

} // namespace

void kiln::populateTransformsToLinalgPatterns(RewritePatternSet &patterns, bool exactMath) {
  patterns.add<ClipLowering, ClipByGlobalNormLowering, AddDecayedWeightsLowering,
               ScaleLowering, ApplyUpdatesLowering>(patterns.getContext());
  patterns.add<ScaleByAdamLowering>(patterns.getContext(), exactMath);
}
