// SPDX-License-Identifier: Apache-2.0
// kiln-record-roles: which entry-point inputs are parameters and which optimizer state, read
// off the optimizer ops that consume them, for the runtime's memory accounting.
#include "EntryPoints.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNRECORDROLESPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

using kiln::krt::Role;

/// The role `use` gives its value: a parameter, optimizer state, an architecture parameter
/// (the alpha of a kiln.mixed edge), or none.
std::optional<Role> roleOf(OpOperand &use) {
  Operation *user = use.getOwner();
  Value v = use.get();
  if (auto op = dyn_cast<kiln::MixedOp>(user))
    return op.getAlpha() == v ? std::optional(Role::Architecture) : std::nullopt;
  if (auto op = dyn_cast<kiln::OptimizerUpdateOpInterface>(user)) {
    if (op.getParam() == v)
      return Role::Parameter;
    if (llvm::is_contained(op.getState(), v))
      return Role::OptimizerState;
    return std::nullopt;
  }
  if (auto op = dyn_cast<kiln::FrugalOp>(user)) {
    if (op.getParam() == v)
      return Role::Parameter;
    if (v == op.getExpAvg() || v == op.getExpAvgSq() || v == op.getSubspace() ||
        v == op.getStep() || v == op.getKey())
      return Role::OptimizerState;
  }
  if (auto op = dyn_cast<kiln::CompressedExchangeOp>(user)) {
    // Each rank's e and h are its own; h-bar, the mean of the h, is every rank's.
    auto state = op.getState();
    auto it = llvm::find(state, v);
    if (it == state.end())
      return std::nullopt;
    size_t kind = size_t(it - state.begin()) / op.getGradients().size();
    StringRef name = kiln::CompressedExchangeOp::getStateKinds(op.getMethod())[kind];
    return name == "hbar" ? Role::OptimizerState : Role::RankState;
  }
  if (auto op = dyn_cast<kiln::FrugalBlocksOp>(user)) {
    if (llvm::is_contained(op.getParams(), v))
      return Role::Parameter;
    if (v == op.getExpAvg() || v == op.getExpAvgSq() || v == op.getActive() ||
        v == op.getStep() || v == op.getKey())
      return Role::OptimizerState;
  }
  return std::nullopt;
}

struct KilnRecordRolesPass : kiln::impl::KilnRecordRolesPassBase<KilnRecordRolesPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!kiln::detail::isEntryPoint(func))
        continue;
      kiln::krt::EntryPointAttr contract;
      for (BlockArgument arg : func.getArguments()) {
        std::optional<Role> role;
        ArrayAttr ops;
        for (OpOperand &use : arg.getUses()) {
          std::optional<Role> r = roleOf(use);
          // An edge's alpha is also updated by an optimizer: "architecture" wins.
          if (r && role != Role::Architecture)
            role = r;
          if (r == Role::Architecture)
            ops = cast<kiln::MixedOp>(use.getOwner()).getOps();
        }
        if (!role || !(contract = contract ? contract : kiln::detail::getOrDeclareEntryPoint(func)))
          continue;
        unsigned i = arg.getArgNumber();
        contract = contract.withInput(i, contract.getInputs()[i].withRole(role, ops));
      }
      if (contract)
        kiln::detail::setEntryPoint(func, contract);
    }
  }
};

} // namespace
