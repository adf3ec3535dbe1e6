// SPDX-License-Identifier: Apache-2.0
// Lowers the optimizer-update ops to one in-place linalg.generic each.
//
// Every update is element-wise, so each op becomes a single loop nest whose outputs are the
// parameter and state tensors it replaces (destination-passing style): bufferization then
// writes the new values into the donated buffers and the step copies nothing. Per-step
// scalars (learning rate, bias corrections) are computed once, outside the loop. The
// element-wise arithmetic follows PyTorch's op order so results agree to an ulp or two.
#include "Builders.h"
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

using namespace kiln::detail;

struct SgdLowering : OpConversionPattern<SgdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SgdOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value negLr = toF32(b, arith::NegFOp::create(b, learningRate64(b, op)));
    double wd = op.getWeightDecay().convertToDouble();
    auto results = buildElementwise(
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
    auto results = buildElementwise(
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

/// Adam, AdamW and AMSGrad: one lowering. They differ in where weight decay enters and in
/// whether the denominator uses the running maximum of v.
struct AdamConfig {
  double beta1, beta2, eps, weightDecay;
  bool decoupled;
};

SmallVector<Value> lowerAdam(ImplicitLocOpBuilder &b, OptimizerUpdateOpInterface op, Value step,
                             const AdamConfig &c, const Numerics &num) {
  // Bias corrections in double, once per step, as PyTorch does with Python floats.
  Value lr = learningRate64(b, op);
  Value t = arith::SIToFPOp::create(b, b.getF64Type(), extractScalar(b, step));
  Value one = f64(b, 1.0);
  Value bc1 = arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, c.beta1), t));
  Value bc2 = arith::SubFOp::create(b, one, math::PowFOp::create(b, f64(b, c.beta2), t));
  Value negStepSize = toF32(b, arith::NegFOp::create(b, arith::DivFOp::create(b, lr, bc1)));
  Numerics::Divisor bc2Sqrt = num.divisor(b, toF32(b, math::SqrtOp::create(b, bc2)));
  Value decayFactor;
  if (c.decoupled && c.weightDecay != 0.0)
    decayFactor = toF32(
        b, arith::SubFOp::create(b, one, arith::MulFOp::create(b, lr, f64(b, c.weightDecay))));
  Value b2 = f32(b, c.beta2), oneMinusB2 = f32(b, 1.0 - c.beta2), eps = f32(b, c.eps);
  // PyTorch updates m with lerp(m, g, 1 - beta1), whose formula depends on the weight.
  double lerpWeight = 1.0 - c.beta1;
  Value w = f32(b, lerpWeight), oneMinusW = f32(b, 1.0 - lerpWeight);
  bool amsgrad = op.getState().size() == 3;

  SmallVector<Value> outs = {op.getParam()};
  llvm::append_range(outs, op.getState());
  return buildElementwise(
      b, {op.getGrad()}, outs,
      [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange o) -> SmallVector<Value> {
        Value p = o[0], m = o[1], v = o[2], g = ins[0];
        if (decayFactor)
          p = arith::MulFOp::create(nb, p, decayFactor);
        else if (!c.decoupled)
          g = withL2Decay(nb, g, p, c.weightDecay);
        Value diff = arith::SubFOp::create(nb, g, m);
        Value newM = lerpWeight < 0.5
                         ? addScaled(nb, m, w, diff)
                         : arith::SubFOp::create(nb, g, arith::MulFOp::create(nb, diff, oneMinusW));
        Value newV = arith::AddFOp::create(
            nb, arith::MulFOp::create(nb, v, b2),
            arith::MulFOp::create(nb, arith::MulFOp::create(nb, oneMinusB2, g), g));
        Value second = newV, newMax;
        if (amsgrad)
          second = newMax = arith::MaximumFOp::create(nb, o[3], newV);
        Value denom =
            arith::AddFOp::create(nb, num.div(nb, num.sqrt(nb, second), bc2Sqrt), eps);
        Value update =
            num.divAtLeast(nb, arith::MulFOp::create(nb, negStepSize, newM), denom, c.eps);
        SmallVector<Value> yielded = {arith::AddFOp::create(nb, p, update), newM, newV};
        if (amsgrad)
          yielded.push_back(newMax);
        return yielded;
      });
}

/// A conversion pattern that knows whether update loops must use IEEE sqrt and division.
template <typename OpTy>
struct UpdateLowering : OpConversionPattern<OpTy> {
  UpdateLowering(MLIRContext *ctx, bool exactMath)
      : OpConversionPattern<OpTy>(ctx), num{exactMath} {}
  Numerics num;
};

template <typename OpTy>
struct AdamFamilyLowering : UpdateLowering<OpTy> {
  using UpdateLowering<OpTy>::UpdateLowering;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult matchAndRewrite(OpTy op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    AdamConfig config{op.getBeta1().convertToDouble(), op.getBeta2().convertToDouble(),
                      op.getEps().convertToDouble(), op.getWeightDecay().convertToDouble(),
                      isDecoupled(op)};
    rewriter.replaceOp(op, lowerAdam(b, op, op.getStep(), config, this->num));
    return success();
  }
  static bool isDecoupled(AdamOp) { return false; }
  static bool isDecoupled(AdamWOp) { return true; }
  static bool isDecoupled(AmsgradOp op) { return op.getDecoupledWeightDecay(); }
};

struct AdagradLowering : UpdateLowering<AdagradOp> {
  using UpdateLowering::UpdateLowering;
  LogicalResult matchAndRewrite(AdagradOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value lr = learningRate64(b, op);
    double lrDecay = op.getLrDecay().convertToDouble();
    if (lrDecay != 0.0) {
      Value t = arith::SIToFPOp::create(b, b.getF64Type(), extractScalar(b, op.getStep()));
      Value decay = arith::MulFOp::create(b, arith::SubFOp::create(b, t, f64(b, 1.0)),
                                          f64(b, lrDecay));
      lr = arith::DivFOp::create(b, lr, arith::AddFOp::create(b, f64(b, 1.0), decay));
    }
    Value negLr = toF32(b, arith::NegFOp::create(b, lr));
    Value eps = f32(b, op.getEps().convertToDouble());
    double wd = op.getWeightDecay().convertToDouble();
    auto results = buildElementwise(
        b, {op.getGrad()}, {op.getParam(), op.getSum()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value g = withL2Decay(nb, ins[0], outs[0], wd);
          Value sum = arith::AddFOp::create(nb, outs[1], arith::MulFOp::create(nb, g, g));
          Value std = arith::AddFOp::create(nb, num.sqrt(nb, sum), eps);
          Value step = num.divAtLeast(nb, arith::MulFOp::create(nb, negLr, g), std,
                                      op.getEps().convertToDouble());
          return {arith::AddFOp::create(nb, outs[0], step), sum};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct RmspropLowering : UpdateLowering<RmspropOp> {
  using UpdateLowering::UpdateLowering;
  LogicalResult matchAndRewrite(RmspropOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value negLr = toF32(b, arith::NegFOp::create(b, learningRate64(b, op)));
    double alpha = op.getAlpha().convertToDouble();
    Value a = f32(b, alpha), oneMinusA = f32(b, 1.0 - alpha);
    Value eps = f32(b, op.getEps().convertToDouble());
    double wd = op.getWeightDecay().convertToDouble();
    auto results = buildElementwise(
        b, {op.getGrad()}, {op.getParam(), op.getSquareAvg()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value g = withL2Decay(nb, ins[0], outs[0], wd);
          Value sq = arith::AddFOp::create(
              nb, arith::MulFOp::create(nb, outs[1], a),
              arith::MulFOp::create(nb, arith::MulFOp::create(nb, oneMinusA, g), g));
          Value avg = arith::AddFOp::create(nb, num.sqrt(nb, sq), eps);
          Value step = num.divAtLeast(nb, arith::MulFOp::create(nb, negLr, g), avg,
                                      op.getEps().convertToDouble());
          return {arith::AddFOp::create(nb, outs[0], step), sq};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// 1 - lr * weight_decay as f32, or null when there is no decay.
Value decoupledDecayFactor(ImplicitLocOpBuilder &b, Value lr64, double weightDecay) {
  if (weightDecay == 0.0)
    return {};
  return toF32(b, arith::SubFOp::create(
                      b, f64(b, 1.0), arith::MulFOp::create(b, lr64, f64(b, weightDecay))));
}

struct LionLowering : OpConversionPattern<LionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LionOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value lr = learningRate64(b, op);
    Value negLr = toF32(b, arith::NegFOp::create(b, lr));
    Value decay = decoupledDecayFactor(b, lr, op.getWeightDecay().convertToDouble());
    double beta1 = op.getBeta1().convertToDouble(), beta2 = op.getBeta2().convertToDouble();
    Value b1 = f32(b, beta1), c1 = f32(b, 1.0 - beta1);
    Value b2 = f32(b, beta2), c2 = f32(b, 1.0 - beta2);
    auto results = buildElementwise(
        b, {op.getGrad()}, {op.getParam(), op.getM()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value g = ins[0], p = outs[0], m = outs[1];
          Value u = sign(nb, addScaled(nb, arith::MulFOp::create(nb, m, b1), c1, g));
          if (decay)
            p = arith::MulFOp::create(nb, p, decay);
          Value newM = addScaled(nb, arith::MulFOp::create(nb, m, b2), c2, g);
          return {addScaled(nb, p, negLr, u), newM};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct SignSgdLowering : OpConversionPattern<SignSgdOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SignSgdOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value lr = learningRate64(b, op);
    Value decay = decoupledDecayFactor(b, lr, op.getWeightDecay().convertToDouble());
    Value step = arith::NegFOp::create(b, lr);
    if (op.getScaled()) {
      // The mean |g| of the tensor: one reduction pass before the update pass.
      Value sum = sumOverElements(b, op.getGrad(), zeroAccumulator(b),
                                  [](ImplicitLocOpBuilder &nb, Value x) -> Value {
                                    Value magnitude = math::AbsFOp::create(nb, x);
                                    return arith::ExtFOp::create(nb, nb.getF64Type(), magnitude);
                                  });
      Value n = arith::IndexCastOp::create(b, b.getI64Type(), numElements(b, op.getGrad()));
      Value mean = arith::DivFOp::create(b, extractScalar(b, sum),
                                         arith::SIToFPOp::create(b, b.getF64Type(), n));
      step = arith::MulFOp::create(b, step, mean);
    }
    Value negStep = toF32(b, step);
    auto results = buildElementwise(
        b, {op.getGrad()}, {op.getParam()},
        [&](ImplicitLocOpBuilder &nb, ValueRange ins, ValueRange outs) -> SmallVector<Value> {
          Value p = decay ? arith::MulFOp::create(nb, outs[0], decay) : outs[0];
          return {addScaled(nb, p, negStep, sign(nb, ins[0]))};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void kiln::populateOptimizerToLinalgPatterns(RewritePatternSet &patterns, bool exactMath) {
  patterns.add<SgdLowering, MomentumLowering, LionLowering, SignSgdLowering>(
      patterns.getContext());
  patterns.add<AdamFamilyLowering<AdamOp>, AdamFamilyLowering<AdamWOp>,
               AdamFamilyLowering<AmsgradOp>, AdagradLowering, RmspropLowering>(
      patterns.getContext(), exactMath);
}
