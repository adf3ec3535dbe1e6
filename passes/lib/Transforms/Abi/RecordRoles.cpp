// SPDX-License-Identifier: Apache-2.0
// kiln-record-roles: which entry-point inputs are parameters and which optimizer state, read
// off the optimizer ops that consume them, for the runtime's memory accounting.
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNRECORDROLESPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The role `use` gives its value: "parameter", "optimizer_state", "architecture" (the
/// alpha of a kiln.mixed edge), or empty.
StringRef roleOf(OpOperand &use) {
  Operation *user = use.getOwner();
  Value v = use.get();
  if (auto op = dyn_cast<kiln::MixedOp>(user))
    return op.getAlpha() == v ? "architecture" : "";
  if (auto op = dyn_cast<kiln::OptimizerUpdateOpInterface>(user)) {
    if (op.getParam() == v)
      return "parameter";
    if (llvm::is_contained(op.getState(), v))
      return "optimizer_state";
    return {};
  }
  if (auto op = dyn_cast<kiln::FrugalOp>(user)) {
    if (op.getParam() == v)
      return "parameter";
    if (v == op.getExpAvg() || v == op.getExpAvgSq() || v == op.getSubspace() ||
        v == op.getStep() || v == op.getKey())
      return "optimizer_state";
  }
  if (auto op = dyn_cast<kiln::FrugalBlocksOp>(user)) {
    if (llvm::is_contained(op.getParams(), v))
      return "parameter";
    if (v == op.getExpAvg() || v == op.getExpAvgSq() || v == op.getActive() ||
        v == op.getStep() || v == op.getKey())
      return "optimizer_state";
  }
  return {};
}

struct KilnRecordRolesPass : kiln::impl::KilnRecordRolesPassBase<KilnRecordRolesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      SmallVector<Attribute> roles, candidates;
      bool any = false, anyEdge = false;
      for (BlockArgument arg : func.getArguments()) {
        StringRef role;
        Attribute ops = ArrayAttr::get(&getContext(), {});
        for (OpOperand &use : arg.getUses()) {
          StringRef r = roleOf(use);
          // An edge's alpha is also updated by an optimizer: "architecture" wins.
          if (!r.empty() && role != "architecture")
            role = r;
          if (r == "architecture")
            ops = cast<kiln::MixedOp>(use.getOwner()).getOps(), anyEdge = true;
        }
        any |= !role.empty();
        roles.push_back(StringAttr::get(&getContext(), role));
        candidates.push_back(ops);
      }
      if (any)
        func->setAttr(kiln::kAbiRolesAttr, ArrayAttr::get(&getContext(), roles));
      if (anyEdge)
        func->setAttr(kiln::kAbiCandidatesAttr, ArrayAttr::get(&getContext(), candidates));
    }
  }
};

} // namespace
