// SPDX-License-Identifier: Apache-2.0
// Lowers the optimizer-update ops to one in-place linalg.generic each.
//
// Every update is element-wise, so each op becomes a single loop nest whose outputs are the
// parameter and state tensors it replaces (destination-passing style): bufferization then
// writes the new values into the donated buffers and the step copies nothing. Per-step
// scalars (learning rate, bias corrections) are computed once, outside the loop. The
// element-wise arithmetic follows PyTorch's op order so results agree to an ulp or two.
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;

namespace {

using BodyFn = function_ref<SmallVector<Value>(ImplicitLocOpBuilder &b, ValueRange ins,
                                               ValueRange outs)>;

/// One parallel loop nest over the parameter's shape that reads `ins` and overwrites `outs`
/// element by element. The outs are the tensors being replaced, which is what lets
/// bufferization reuse their buffers.
SmallVector<Value> buildInPlaceUpdate(ImplicitLocOpBuilder &b, ValueRange ins,
                                      ValueRange outs, BodyFn body) {
  auto type = cast<RankedTensorType>(outs.front().getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(ins.size() + outs.size(),
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), TypeRange(outs), ins, outs, maps, iterators,
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder nb(loc, nested);
        SmallVector<Value> yielded =
            body(nb, args.take_front(ins.size()), args.drop_front(ins.size()));
        linalg::YieldOp::create(nb, yielded);
      });
  return SmallVector<Value>(generic.getResults());
}

Value f32(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(static_cast<float>(v)));
}
Value f64(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF64FloatAttr(v));
}

/// The learning rate as an f64 scalar: the attribute, or the rank-0 operand widened.
Value learningRate64(ImplicitLocOpBuilder &b, OptimizerUpdateOpInterface op) {
  if (std::optional<double> lr = op.getStaticLearningRate())
    return f64(b, *lr);
  Value lr = tensor::ExtractOp::create(b, op.getDynamicLearningRate(), ValueRange{});
  return arith::ExtFOp::create(b, b.getF64Type(), lr);
}

Value toF32(ImplicitLocOpBuilder &b, Value v64) {
  return arith::TruncFOp::create(b, b.getF32Type(), v64);
}

/// x + alpha * y, PyTorch's `add(x, y, alpha=...)`.
Value addScaled(ImplicitLocOpBuilder &b, Value x, Value alpha, Value y) {
  return arith::AddFOp::create(b, x, arith::MulFOp::create(b, alpha, y));
}

/// g + weight_decay * p, or g itself when there is no decay (PyTorch skips the add).
Value withL2Decay(ImplicitLocOpBuilder &b, Value g, Value p, double weightDecay) {
  if (weightDecay == 0.0)
    return g;
  return addScaled(b, g, f32(b, weightDecay), p);
}

struct SgdLowering : OpConversionPattern<SgdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SgdOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value negLr = toF32(b, arith::NegFOp::create(b, learningRate64(b, op)));
    double wd = op.getWeightDecay().convertToDouble();
    auto results = buildInPlaceUpdate(
        b, {op.getGrad()}, {op.getParam()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value g = withL2Decay(nb, ins[0], outs[0], wd);
          return {addScaled(nb, outs[0], negLr, g)};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct MomentumLowering : OpConversionPattern<MomentumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MomentumOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value negLr = toF32(b, arith::NegFOp::create(b, learningRate64(b, op)));
    Value mu = f32(b, op.getMomentum().convertToDouble());
    double wd = op.getWeightDecay().convertToDouble();
    bool nesterov = op.getNesterov();
    auto results = buildInPlaceUpdate(
        b, {op.getGrad()}, {op.getParam(), op.getBuf()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value p = outs[0], buf = outs[1];
          Value g = withL2Decay(nb, ins[0], p, wd);
          Value newBuf = arith::AddFOp::create(nb, arith::MulFOp::create(nb, buf, mu), g);
          Value dir = nesterov ? addScaled(nb, g, mu, newBuf) : newBuf;
          return {addScaled(nb, p, negLr, dir), newBuf};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Adam and AdamW: shared except for where weight decay enters.
template <typename OpTy, bool Decoupled>
struct AdamFamilyLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult matchAndRewrite(OpTy op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    double beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble();
    double wd = op.getWeightDecay().convertToDouble();

    // Bias corrections in double, once per step, as PyTorch does with Python floats.
    Value lr = learningRate64(b, op);
    Value step = tensor::ExtractOp::create(b, op.getStep(), ValueRange{});
    Value t = arith::SIToFPOp::create(b, b.getF64Type(), step);
    Value one = f64(b, 1.0);
    Value bc1 = arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, beta1), t));
    Value bc2 = arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, beta2), t));
    Value negStepSize = toF32(b, arith::NegFOp::create(b, arith::DivFOp::create(b, lr, bc1)));
    Value bc2Sqrt = toF32(b, math::SqrtOp::create(b, bc2));
    Value decayFactor;
    if (Decoupled && wd != 0.0)
      decayFactor = toF32(
          b, arith::SubFOp::create(b, one, arith::MulFOp::create(b, lr, f64(b, wd))));
    Value b2 = f32(b, beta2), oneMinusB2 = f32(b, 1.0 - beta2), eps = f32(b, op.getEps().convertToDouble());
    // PyTorch updates m with lerp(m, g, 1 - beta1), whose formula depends on the weight.
    double lerpWeight = 1.0 - beta1;
    Value w = f32(b, lerpWeight), oneMinusW = f32(b, 1.0 - lerpWeight);

    auto results = buildInPlaceUpdate(
        b, {op.getGrad()}, {op.getParam(), op.getM(), op.getV()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value p = outs[0], m = outs[1], v = outs[2], g = ins[0];
          if (decayFactor)
            p = arith::MulFOp::create(nb, p, decayFactor);
          else if (!Decoupled)
            g = withL2Decay(nb, g, p, wd);
          Value diff = arith::SubFOp::create(nb, g, m);
          Value newM = lerpWeight < 0.5
                           ? addScaled(nb, m, w, diff)
                           : arith::SubFOp::create(nb, g, arith::MulFOp::create(nb, diff, oneMinusW));
          Value newV = arith::AddFOp::create(
              nb, arith::MulFOp::create(nb, v, b2),
              arith::MulFOp::create(nb, arith::MulFOp::create(nb, oneMinusB2, g), g));
          Value denom = arith::AddFOp::create(
              nb, arith::DivFOp::create(nb, math::SqrtOp::create(nb, newV), bc2Sqrt), eps);
          Value update = arith::DivFOp::create(nb, arith::MulFOp::create(nb, negStepSize, newM), denom);
          return {arith::AddFOp::create(nb, p, update), newM, newV};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void kiln::populateOptimizerToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SgdLowering, MomentumLowering, AdamFamilyLowering<AdamOp, false>,
               AdamFamilyLowering<AdamWOp, true>>(patterns.getContext());
}
