// SPDX-License-Identifier: Apache-2.0
// kiln-finalize-entry-points: which results alias inputs after bufferization.
#include "EntryPoints.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFINALIZEENTRYPOINTSPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The argument a returned buffer is, looking through casts, as
/// drop-equivalent-buffer-results decides it; -1 for a buffer of its own.
int64_t aliasedArgument(Value v, func::FuncOp func) {
  while (auto cast = v.getDefiningOp<memref::CastOp>())
    v = cast.getSource();
  for (BlockArgument arg : func.getArguments())
    if (v == arg)
      return arg.getArgNumber();
  return -1;
}

/// Erases the results that alias arguments from `func` and from its call sites.
void dropAliasedResults(func::FuncOp func, func::ReturnOp ret, ArrayRef<int64_t> aliases,
                        ModuleOp module) {
  llvm::BitVector erased(aliases.size());
  SmallVector<Value> kept;
  for (auto [i, alias] : llvm::enumerate(aliases)) {
    if (alias >= 0)
      erased.set(i);
    else
      kept.push_back(ret.getOperand(i));
  }
  SmallVector<func::CallOp> calls;
  module.walk([&](func::CallOp call) {
    if (call.getCallee() == func.getSymName())
      calls.push_back(call);
  });
  (void)func.eraseResults(erased);
  ret.getOperandsMutable().assign(kept);
  IRRewriter rewriter(module.getContext());
  for (func::CallOp call : calls) {
    rewriter.setInsertionPoint(call);
    auto newCall = func::CallOp::create(rewriter, call.getLoc(), func, call.getOperands());
    SmallVector<Value> replacements;
    unsigned next = 0;
    for (auto [i, alias] : llvm::enumerate(aliases))
      replacements.push_back(alias >= 0 ? call.getOperand(alias) : newCall.getResult(next++));
    rewriter.replaceOp(call, replacements);
  }
}

struct KilnFinalizeEntryPointsPass
    : kiln::impl::KilnFinalizeEntryPointsPassBase<KilnFinalizeEntryPointsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failedAny = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      kiln::krt::EntryPointAttr contract = kiln::detail::getEntryPoint(func);
      if (!contract)
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
      SmallVector<kiln::krt::ResultAttr> results;
      SmallVector<int64_t> aliases;
      llvm::SmallDenseMap<int64_t, unsigned> aliasedBy;
      for (auto [i, result] : llvm::enumerate(contract.getResults())) {
        int64_t alias = aliasedArgument(ret.getOperand(i), func);
        // The new value of an input (kiln-prepare-entry-points found it written into the
        // input through destination-passing ops) lives in that input's buffer, whatever
        // bufferization managed: where an op still read the old value after the new one was
        // computed, it went to a buffer of its own, and is copied home here, when nothing
        // reads the input any more. A training step that silently dropped its counter's
        // update was the alternative.
        int64_t input = result.getAlias();
        if (input >= 0 && alias != input && !aliasedBy.count(input)) {
          Value buffer = ret.getOperand(i);
          Value home = func.getArgument(input);
          OpBuilder b(ret);
          memref::CopyOp::create(b, ret.getLoc(), buffer, home);
          ret.setOperand(i, home);
          alias = input;
          Location at = buffer.getDefiningOp() ? buffer.getDefiningOp()->getLoc() : ret.getLoc();
          emitRemark(at) << "the new value of input #" << input << " of @" << func.getSymName()
                         << " is computed out of place (an operation reads the old value "
                            "after it) and copied into the input's buffer at the end of the "
                            "step";
        }
        // An input's buffer holds one result. A second result that is the same buffer (a
        // step returning one value twice) gets an output of its own, which
        // buffer-results-to-out-params fills with a copy.
        if (alias >= 0 && !aliasedBy.try_emplace(alias, i).second) {
          if (!result.getType().hasStaticShape()) {
            func.emitError() << "entry point @" << func.getSymName() << ": result #" << i
                             << " (" << result.getType() << ") is the same tensor as result #"
                             << aliasedBy[alias]
                             << ", and its dynamic shape leaves the runtime no way to "
                                "allocate a copy; return it once";
            failedAny = true;
          }
          alias = -1;
        } else if (alias < 0 && !result.getType().hasStaticShape()) {
          func.emitError() << "entry point @" << func.getSymName() << ": result #" << i
                           << " (" << result.getType()
                           << ") has a dynamic shape and is not computed in place in an "
                              "input; the runtime cannot allocate it (ABI v"
                           << KILN_ABI_VERSION << ")";
          failedAny = true;
        }
        aliases.push_back(alias);
        results.push_back(
            kiln::krt::ResultAttr::get(&getContext(), result.getType(), alias));
      }
      kiln::detail::setEntryPoint(func, contract.withResults(results));
      dropAliasedResults(func, ret, aliases, module);
    }
    if (failedAny)
      return signalPassFailure();
  }
};

} // namespace
