// SPDX-License-Identifier: Apache-2.0
// kiln-record-label-classes: the class count each labels input of an entry point indexes.
#include "EntryPoints.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNRECORDLABELCLASSESPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The static class-axis extent of the logits `user` scores `labels` against, 0 when
/// `user` does not index logits with it or the extent is dynamic.
int64_t classesIndexedBy(Operation *user, Value labels) {
  auto fromLogits = [&](auto op) -> int64_t {
    if (op.getLabels() != labels)
      return 0;
    auto logits = cast<RankedTensorType>(op.getLogits().getType());
    return logits.getRank() == 2 && !logits.isDynamicDim(1) ? logits.getDimSize(1) : 0;
  };
  if (auto op = dyn_cast<kiln::SoftmaxCrossEntropyOp>(user))
    return fromLogits(op);
  if (auto op = dyn_cast<kiln::SoftmaxCrossEntropyGradOp>(user))
    return fromLogits(op);
  if (auto op = dyn_cast<kiln::CountCorrectOp>(user))
    return fromLogits(op);
  return 0;
}

struct KilnRecordLabelClassesPass
    : kiln::impl::KilnRecordLabelClassesPassBase<KilnRecordLabelClassesPass> {
  using Base::Base;
  void runOnOperation() override {
    bool failedAny = false;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!kiln::detail::isEntryPoint(func))
        continue;
      SmallVector<int64_t> classes(func.getNumArguments(), 0);
      bool any = false;
      // A walk, not the use list, so that a conflict is reported at the later op.
      func.walk([&](Operation *op) {
        for (BlockArgument arg : func.getArguments()) {
          int64_t c = classesIndexedBy(op, arg);
          if (c == 0)
            continue;
          int64_t &recorded = classes[arg.getArgNumber()];
          if (recorded != 0 && recorded != c) {
            op->emitError() << "labels argument #" << arg.getArgNumber() << " of @"
                            << func.getSymName() << " indexes " << c << " classes here but "
                            << recorded << " elsewhere";
            failedAny = true;
            continue;
          }
          recorded = c;
          any = true;
        }
      });
      kiln::krt::EntryPointAttr contract;
      if (any && (contract = kiln::detail::getOrDeclareEntryPoint(func))) {
        for (auto [i, c] : llvm::enumerate(classes))
          if (c > 0)
            contract = contract.withInput(i, contract.getInputs()[i].withClasses(c));
        kiln::detail::setEntryPoint(func, contract);
      }
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
