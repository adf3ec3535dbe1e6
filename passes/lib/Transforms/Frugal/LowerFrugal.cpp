// SPDX-License-Identifier: Apache-2.0
// kiln-lower-frugal: kiln.frugal and kiln.frugal_blocks -> one kiln.kernel_call each of the
// runtime's fused FRUGAL kernels, which update the parameters, their state, the subspace (or
// active set), the step and the key in place.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERFRUGALPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnLowerFrugalPass : kiln::impl::KilnLowerFrugalPassBase<KilnLowerFrugalPass> {
  void runOnOperation() override {
    SmallVector<kiln::FrugalOp> ops;
    getOperation().walk([&](kiln::FrugalOp op) { ops.push_back(op); });
    for (kiln::FrugalOp op : ops) {
      OpBuilder b(op);
      kiln_frugal_config config = op.getConfig();
      int64_t fields[KILN_ABI_FRUGAL_CONFIG_FIELDS];
      static_assert(sizeof(fields) == sizeof(config), "kiln_frugal_config is 13 words");
      std::memcpy(fields, &config, sizeof(config));
      SmallVector<Value> outputs{op.getParam(), op.getExpAvg(), op.getExpAvgSq(),
                                 op.getSubspace(), op.getStep(), op.getKey()};
      auto call = kiln::KernelCallOp::create(
          b, op.getLoc(), ValueRange(outputs).getTypes(), b.getStringAttr("frugal"),
          ValueRange{op.getGrad()}, outputs, b.getDenseI64ArrayAttr(fields));
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
    SmallVector<kiln::FrugalBlocksOp> blocks;
    getOperation().walk([&](kiln::FrugalBlocksOp op) { blocks.push_back(op); });
    for (kiln::FrugalBlocksOp op : blocks) {
      OpBuilder b(op);
      SmallVector<Value> outputs(op.getParams());
      outputs.append({op.getExpAvg(), op.getExpAvgSq(), op.getActive(), op.getStep(), op.getKey()});
      auto call = kiln::KernelCallOp::create(
          b, op.getLoc(), ValueRange(outputs).getTypes(), b.getStringAttr("frugal_blocks"),
          op.getGrads(), outputs, b.getDenseI64ArrayAttr(op.getKernelParams()));
      op->replaceAllUsesWith(call.getResults());
      op->erase();
    }
  }
};

} // namespace
