// SPDX-License-Identifier: Apache-2.0
// Lowers the learning-rate schedules to scalar arithmetic in f64 on the step counter; the
// value is rounded once to f32 and wrapped in a rank-0 tensor.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

Value count64(ImplicitLocOpBuilder &b, Value count) {
  return arith::SIToFPOp::create(b, b.getF64Type(), extractScalar(b, count));
}
Value clamp(ImplicitLocOpBuilder &b, Value x, double lo, double hi) {
  return arith::MinimumFOp::create(b, arith::MaximumFOp::create(b, x, f64(b, lo)), f64(b, hi));
}
Value lerp(ImplicitLocOpBuilder &b, double from, double to, Value fraction) {
  return arith::AddFOp::create(b, f64(b, from),
                               arith::MulFOp::create(b, f64(b, to - from), fraction));
}
/// 0.5 * (1 + cos(pi * fraction)), fraction in [0, 1].
Value halfCosine(ImplicitLocOpBuilder &b, Value fraction) {
  Value c = math::CosOp::create(b, arith::MulFOp::create(b, f64(b, llvm::numbers::pi), fraction));
  return arith::MulFOp::create(b, f64(b, 0.5), arith::AddFOp::create(b, f64(b, 1.0), c));
}
/// init * ((1 - alpha) * halfCosine(k / steps)^exponent + alpha), k clamped to [0, steps].
Value cosineDecay(ImplicitLocOpBuilder &b, Value k, double init, double steps, double alpha,
                  double exponent) {
  Value fraction = arith::DivFOp::create(b, clamp(b, k, 0.0, steps), f64(b, steps));
  Value decay = halfCosine(b, fraction);
  if (exponent != 1.0)
    decay = math::PowFOp::create(b, decay, f64(b, exponent));
  Value scaled = arith::AddFOp::create(b, arith::MulFOp::create(b, f64(b, 1.0 - alpha), decay),
                                       f64(b, alpha));
  return arith::MulFOp::create(b, f64(b, init), scaled);
}

template <typename OpTy>
struct ScheduleLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult matchAndRewrite(OpTy op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value value = toF32(b, compute(b, op, count64(b, op.getCount())));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(), ValueRange{value});
    return success();
  }

  static Value compute(ImplicitLocOpBuilder &b, LinearScheduleOp op, Value c) {
    double steps = op.getTransitionSteps();
    Value k = clamp(b, arith::SubFOp::create(b, c, f64(b, op.getTransitionBegin())), 0.0, steps);
    return lerp(b, op.getInitValue().convertToDouble(), op.getEndValue().convertToDouble(),
                arith::DivFOp::create(b, k, f64(b, steps)));
  }
  static Value compute(ImplicitLocOpBuilder &b, CosineDecayScheduleOp op, Value c) {
    return cosineDecay(b, c, op.getInitValue().convertToDouble(), op.getDecaySteps(),
                       op.getAlpha().convertToDouble(), op.getExponent().convertToDouble());
  }
  static Value compute(ImplicitLocOpBuilder &b, WarmupCosineDecayScheduleOp op, Value c) {
    double warmup = op.getWarmupSteps(), peak = op.getPeakValue().convertToDouble();
    double end = op.getEndValue().convertToDouble();
    // Optax joins a linear warm-up and a cosine decay whose alpha makes it end at end_value.
    Value decayed = cosineDecay(b, arith::SubFOp::create(b, c, f64(b, warmup)), peak,
                                op.getDecaySteps() - warmup, peak != 0 ? end / peak : 0.0,
                                op.getExponent().convertToDouble());
    if (warmup == 0)
      return decayed;
    Value warm = lerp(b, op.getInitValue().convertToDouble(), peak,
                      arith::DivFOp::create(b, clamp(b, c, 0.0, warmup), f64(b, warmup)));
    Value inWarmup = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, c, f64(b, warmup));
    return arith::SelectOp::create(b, inWarmup, warm, decayed);
  }
  static Value compute(ImplicitLocOpBuilder &b, StepDecayScheduleOp op, Value c) {
    Value periods = math::FloorOp::create(
        b, arith::DivFOp::create(b, c, f64(b, static_cast<double>(op.getStepSize()))));
    Value factor = math::PowFOp::create(b, f64(b, op.getGamma().convertToDouble()), periods);
    return arith::MulFOp::create(b, f64(b, op.getInitValue().convertToDouble()), factor);
  }
  static Value compute(ImplicitLocOpBuilder &b, UbaScheduleOp op, Value c) {
    double hi = op.getMaxValue().convertToDouble(), lo = op.getMinValue().convertToDouble();
    double phi = op.getPhi().convertToDouble();
    double warmup = op.getWarmupSteps(), total = op.getTotalSteps();
    Value p = arith::DivFOp::create(
        b, clamp(b, arith::SubFOp::create(b, c, f64(b, warmup)), 0.0, total - warmup),
        f64(b, total - warmup));
    Value s = arith::MulFOp::create(b, f64(b, 2.0), halfCosine(b, p)); // 1 + cos(pi p)
    Value factor = arith::DivFOp::create(
        b, arith::MulFOp::create(b, f64(b, 2.0), s),
        arith::AddFOp::create(b, f64(b, 2.0 * phi), arith::MulFOp::create(b, f64(b, 2.0 - phi), s)));
    Value decayed = arith::AddFOp::create(b, f64(b, lo), arith::MulFOp::create(b, f64(b, hi - lo), factor));
    if (warmup == 0)
      return decayed;
    Value warm = arith::MulFOp::create(b, f64(b, hi), arith::DivFOp::create(b, c, f64(b, warmup)));
    Value inWarmup = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, c, f64(b, warmup));
    return arith::SelectOp::create(b, inWarmup, warm, decayed);
  }
};

} // namespace

void kiln::populateSchedulesToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ScheduleLowering<LinearScheduleOp>, ScheduleLowering<CosineDecayScheduleOp>,
               ScheduleLowering<WarmupCosineDecayScheduleOp>,
               ScheduleLowering<StepDecayScheduleOp>, ScheduleLowering<UbaScheduleOp>>(
      patterns.getContext());
}
