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

/// The role `use` gives its value: "parameter", "optimizer_state", or empty.
StringRef roleOf(OpOperand &use) {
  Operation *user = use.getOwner();
  Value v = use.get();
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
  return {};
}

struct KilnRecordRolesPass : kiln::impl::KilnRecordRolesPassBase<KilnRecordRolesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      SmallVector<Attribute> roles;
      bool any = false;
      for (BlockArgument arg : func.getArguments()) {
        StringRef role;
        for (OpOperand &use : arg.getUses())
          if (StringRef r = roleOf(use); !r.empty())
            role = r;
        any |= !role.empty();
        roles.push_back(StringAttr::get(&getContext(), role));
      }
      if (any)
        func->setAttr(kiln::kAbiRolesAttr, ArrayAttr::get(&getContext(), roles));
    }
  }
};

} // namespace
