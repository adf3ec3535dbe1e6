// SPDX-License-Identifier: Apache-2.0
// kiln-lower-frugal: kiln.frugal and kiln.frugal_blocks -> one kiln_rt.kernel_call each of
// the runtime's fused FRUGAL kernels, which update the parameters, their state, the
// subspace (or active set), the step and the key in place.
#include "kiln/IR/KilnOps.h"
#include "kiln/RT/KilnRT.h"
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERFRUGALPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;

namespace {

krt::FrugalAttr configOf(FrugalOp op) {
  FrugalLayout l = op.getLayout();
  return krt::FrugalAttr::get(
      op.getContext(), l.rows, l.cols, l.projection, l.k, op.getUpdateGap(), op.getStateFull(),
      op.getStateFree(), op.getLr(), op.getBeta1(), op.getBeta2(), op.getEps(), op.getWeightDecay(),
      op.getFreeLrScale());
}

krt::FrugalBlocksAttr configOf(FrugalBlocksOp op) {
  FrugalBlocksLayout l = op.getLayout();
  return krt::FrugalBlocksAttr::get(
      op.getContext(), l.sizes, l.k, op.getBlockOrder(), op.getUpdateGap(), l.pool,
      op.getStateFull(), op.getStateFree(), op.getLr(), op.getBeta1(), op.getBeta2(),
      op.getEps(), op.getWeightDecay(), op.getFreeLrScale());
}

struct KilnLowerFrugalPass : kiln::impl::KilnLowerFrugalPassBase<KilnLowerFrugalPass> {
  void runOnOperation() override {
    SmallVector<FrugalOp> ops;
    getOperation().walk([&](FrugalOp op) { ops.push_back(op); });
    for (FrugalOp op : ops) {
      OpBuilder b(op);
      SmallVector<Value> outputs{op.getParam(), op.getExpAvg(), op.getExpAvgSq(),
                                 op.getSubspace(), op.getStep(), op.getKey()};
      auto call = krt::KernelCallOp::create(
          b, op.getLoc(), ValueRange(outputs).getTypes(),
          krt::KernelAttr::get(b.getContext(), krt::Kernel::Frugal), ValueRange{op.getGrad()},
          outputs, configOf(op));
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
    SmallVector<FrugalBlocksOp> blocks;
    getOperation().walk([&](FrugalBlocksOp op) { blocks.push_back(op); });
    for (FrugalBlocksOp op : blocks) {
      OpBuilder b(op);
      SmallVector<Value> outputs(op.getParams());
      outputs.append({op.getExpAvg(), op.getExpAvgSq(), op.getActive(), op.getStep(), op.getKey()});
      auto call = krt::KernelCallOp::create(
          b, op.getLoc(), ValueRange(outputs).getTypes(),
          krt::KernelAttr::get(b.getContext(), krt::Kernel::FrugalBlocks), op.getGrads(),
          outputs, configOf(op));
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
  }
};

} // namespace
