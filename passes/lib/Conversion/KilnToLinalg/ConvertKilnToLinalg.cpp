// SPDX-License-Identifier: Apache-2.0
// The convert-kiln-to-linalg pass: a thin driver over the per-family patterns.
#include "kiln/Conversion/Passes.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/RT/KilnRT.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTKILNTOLINALGPASS
#include "kiln/Conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;

void kiln::populateKilnToLinalgConversionPatterns(RewritePatternSet &patterns, bool exactMath) {
  populateLayersToLinalgPatterns(patterns);
  populateLossesToLinalgPatterns(patterns);
  populateBackwardToLinalgPatterns(patterns);
  populateConvolutionToLinalgPatterns(patterns);
  populateRandomToLinalgPatterns(patterns);
  populateSearchToLinalgPatterns(patterns);
  populateOptimizerToLinalgPatterns(patterns, exactMath);
  populateTransformsToLinalgPatterns(patterns, exactMath);
  populateSchedulesToLinalgPatterns(patterns);
  populateRegularizersToLinalgPatterns(patterns);
  populatePrivacyToLinalgPatterns(patterns);
  populateDistributedToLinalgPatterns(patterns);
}

namespace {
struct ConvertKilnToLinalgPass
    : kiln::impl::ConvertKilnToLinalgPassBase<ConvertKilnToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<kiln::KilnDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(kiln::fuseTransportGradients(getOperation())))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    kiln::populateKilnToLinalgConversionPatterns(patterns, exactMath);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
