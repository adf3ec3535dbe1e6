// SPDX-License-Identifier: Apache-2.0
// kiln-bind-arch: kiln.architecture -> the searched alphas attached to the module, as
// constants.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

namespace kiln {
#define GEN_PASS_DEF_KILNBINDARCHPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnBindArchPass : kiln::impl::KilnBindArchPassBase<KilnBindArchPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<kiln::ArchitectureOp> ops;
    module.walk([&](kiln::ArchitectureOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    auto alphas =
        module->getAttrOfType<DictionaryAttr>(kiln::KilnDialect::kSearchedAlphasAttrName);
    if (!alphas) {
      ops.front().emitOpError("stands for a searched architecture parameter: compile with "
                              "--arch CHECKPOINT, the checkpoint of the search");
      return signalPassFailure();
    }
    bool failedAny = false;
    for (kiln::ArchitectureOp op : ops) {
      StringRef name = op.getTensor();
      auto type = cast<RankedTensorType>(op.getType());
      auto values = dyn_cast_or_null<DenseFPElementsAttr>(alphas.get(name));
      if (!values) {
        op.emitOpError() << "has no searched alphas: the search's checkpoint has no tensor \""
                         << name << "\"";
        failedAny = true;
        continue;
      }
      if (values.getType() != type) {
        op.emitOpError() << "is " << type << " but the search's \"" << name << "\" is "
                         << values.getType() << " (a checkpoint of another search step?)";
        failedAny = true;
        continue;
      }
      OpBuilder b(op);
      Value constant = arith::ConstantOp::create(b, op.getLoc(), type, values);
      op.replaceAllUsesWith(constant);
      op.erase();
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
