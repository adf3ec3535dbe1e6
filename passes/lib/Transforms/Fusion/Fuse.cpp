// SPDX-License-Identifier: Apache-2.0
// kiln-fuse: producer-consumer fusion of element-wise linalg ops on tensors.
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Fuses a producer into its consumer when the consumer is the only user of the value it
/// reads. The producer's other results (an optimizer's state) stay results of the fused op;
/// a value with several users is never recomputed, which would read its inputs again. Only the fusion itself is used from upstream's element-wise
/// pattern set: its companions rewrite unused `outs` to tensor.empty, which would cut the
/// destination link that lets a step update its donated buffers in place.
/// Whether every other user of the producer's results comes after the consumer in its
/// block (they will read the fused op, which takes the consumer's place), and the consumer
/// reads the producer through exactly one operand and does not write into its results:
/// otherwise the fused op would be left reading its own result.
bool usersFollow(Operation *producer, linalg::GenericOp consumer) {
  int consumerUses = 0;
  for (OpOperand &use : producer->getUses()) {
    Operation *user = use.getOwner();
    if (user == consumer.getOperation()) {
      if (consumer.isDpsInit(&use) || ++consumerUses > 1)
        return false;
      continue;
    }
    if (user->getBlock() != consumer->getBlock() || !consumer->isBeforeInBlock(user))
      return false;
  }
  return true;
}

struct FuseIntoConsumer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands()) {
      Operation *producer = operand.get().getDefiningOp();
      if (!producer || !operand.get().hasOneUse() ||
          !linalg::areElementwiseOpsFusable(&operand) || !usersFollow(producer, consumer))
        continue;
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      // The producer, now unused, is left for the driver to erase as dead.
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
          return use.getOwner() != producer;
        });
      rewriter.eraseOp(consumer);
      return success();
    }
    return rewriter.notifyMatchFailure(consumer, "no fusable element-wise producer");
  }
};

struct KilnFusePass : kiln::impl::KilnFusePassBase<KilnFusePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseIntoConsumer>(&getContext());
    // Every fusion removes an op, so the driver terminates; a whole search step (four
    // backward passes over a cell supernet) needs more sweeps than the default ten, and
    // running out of them is not an error the user could act on.
    GreedyRewriteConfig config;
    config.setMaxIterations(GreedyRewriteConfig::kNoLimit);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config))) {
      getOperation().emitError("kiln-fuse did not converge");
      signalPassFailure();
    }
  }
};

} // namespace
