// SPDX-License-Identifier: Apache-2.0
// kiln-relax-mixed: the memory side of DARTS' relaxation. A supernet edge's backward
// (kiln.mixed_grad) needs every candidate's output x_o for d alpha_o = p_o (<dy, x_o> - ...),
// so autodiff keeps all K outputs alive from the forward pass to the backward one: K times
// the activation memory of the plain model on every edge, the supernet's known cost. Most
// candidates' own backward passes do not need their output (a convolution's needs its input,
// an average pool's nothing), so the output is kept for d alpha alone. This pass recomputes
// such an output at the backward instead, whenever doing so keeps nothing else alive
// longer: the output then dies right after the forward mixed sum.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_KILNRELAXMIXEDPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether `value` is live at `at` anyway: an argument, a constant, or used by `at` or after
/// it in the same block.
bool liveAt(Value value, Operation *at) {
  if (isa<BlockArgument>(value) || matchPattern(value, m_Constant()))
    return true;
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    user = at->getBlock()->findAncestorOpInBlock(*user);
    return user && (user == at || at->isBeforeInBlock(user));
  });
}

/// Whether `value` has a use after `at` other than `at` itself (then it stays alive anyway).
bool usedAfter(Value value, Operation *at) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    user = at->getBlock()->findAncestorOpInBlock(*user);
    return !user || (user != at && at->isBeforeInBlock(user));
  });
}

struct KilnRelaxMixedPass : kiln::impl::KilnRelaxMixedPassBase<KilnRelaxMixedPass> {
  using Base::Base;
  void runOnOperation() override {
    int64_t recomputed = 0;
    getOperation().walk([&](kiln::MixedGradOp grad) {
      for (OpOperand &operand : grad.getCandidatesMutable()) {
        Operation *def = operand.get().getDefiningOp();
        // A pure kiln op computing one value in this block, from inputs the backward keeps.
        if (!def || def->getBlock() != grad->getBlock() || def->getNumResults() != 1 ||
            def->getNumRegions() != 0 || !isPure(def) ||
            !isa<kiln::KilnDialect>(def->getDialect()) || usedAfter(operand.get(), grad) ||
            !llvm::all_of(def->getOperands(), [&](Value in) { return liveAt(in, grad); }))
          continue;
        OpBuilder b(grad);
        operand.set(b.clone(*def)->getResult(0));
        ++recomputed;
      }
    });
    numRecomputed = recomputed;
  }
};

} // namespace
