// SPDX-License-Identifier: Apache-2.0
// kiln-approximate-math: f32 tanh as MLIR's rational approximation instead of a libm call.
// Runs on scalar code just before the math-to-libm and to-LLVM conversions.
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNAPPROXIMATEMATHPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// math.fma -> llvm.intr.fma: the approximations are built of FMAs, which
/// convert-math-to-libm, which runs next, would otherwise turn into fmaf calls.
struct FmaToLLVM : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op, PatternRewriter &rewriter) const override {
    if (!isa<FloatType>(op.getType()))
      return failure();
    rewriter.replaceOpWithNewOp<LLVM::FMAOp>(op, op.getA(), op.getB(), op.getC());
    return success();
  }
};

struct KilnApproximateMathPass
    : kiln::impl::KilnApproximateMathPassBase<KilnApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populatePolynomialApproximateTanhPattern(patterns);
    patterns.add<FmaToLLVM>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
