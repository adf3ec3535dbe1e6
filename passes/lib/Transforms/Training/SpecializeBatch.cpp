// SPDX-License-Identifier: Apache-2.0
// kiln-specialize-batch: a program written for any batch size (`tensor<?x784xf32>`) compiled
// for one. Replacing the types wholesale, rather than inferring shapes op by op, keeps every
// op's own verifier the judge of the result and needs nothing from the ops: a program's `?`
// is its batch by definition (Passes.td).
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"

namespace kiln {
#define GEN_PASS_DEF_KILNSPECIALIZEBATCHPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The first data argument of `loss` whose type has a dynamic dimension, if any.
std::optional<unsigned> dynamicDataArgument(func::FuncOp loss) {
  for (unsigned i = 0; i < loss.getNumArguments(); ++i) {
    auto type = dyn_cast<RankedTensorType>(loss.getArgumentTypes()[i]);
    if (type && !type.hasStaticShape() && loss.getArgAttr(i, kiln::KilnDialect::kDataAttrName))
      return i;
  }
  return std::nullopt;
}

struct KilnSpecializeBatchPass
    : kiln::impl::KilnSpecializeBatchPassBase<KilnSpecializeBatchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (batch < 0) {
      module.emitError() << "batch size " << int64_t(batch) << " is not positive";
      return signalPassFailure();
    }
    // Without a batch from the driver, the one the generated step declares.
    int64_t size = batch;
    if (size == 0) {
      kiln::TrainStepOp declared;
      WalkResult twice = module.walk([&](kiln::TrainStepOp op) {
        if (!op.getBatch())
          return WalkResult::advance();
        if (declared && *declared.getBatch() != *op.getBatch()) {
          op.emitOpError() << "declares batch " << *op.getBatch() << ", "
                           << declared.getSymName() << " " << *declared.getBatch()
                           << ": one program is compiled for one batch size";
          return WalkResult::interrupt();
        }
        declared = op;
        return WalkResult::advance();
      });
      if (twice.wasInterrupted())
        return signalPassFailure();
      if (!declared)
        return checkStaticSteps();
      size = *declared.getBatch();
    }

    bool dynamic = false;
    AttrTypeReplacer replacer;
    replacer.addReplacement([&](RankedTensorType type) -> std::optional<Type> {
      if (type.hasStaticShape())
        return std::nullopt;
      dynamic = true;
      SmallVector<int64_t> shape(type.getShape());
      for (int64_t &extent : shape)
        if (ShapedType::isDynamic(extent))
          extent = size;
      return type.clone(shape);
    });
    replacer.recursivelyReplaceElementsIn(module, /*replaceAttrs=*/true, /*replaceLocs=*/false,
                                          /*replaceTypes=*/true);
    // A batch size for a program that has none would be silently ignored: the program's
    // static batch is what runs.
    module->setAttr(kiln::KilnDialect::kBatchAttrName,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 64), size));
    if (!dynamic) {
      // Located at the program's first batch input, where the batch would be written.
      Location where = module.getLoc();
      module.walk([&](func::FuncOp fn) {
        for (unsigned i = 0; i < fn.getNumArguments(); ++i)
          if (fn.getArgAttr(i, kiln::KilnDialect::kDataAttrName)) {
            where = fn.getArgument(i).getLoc();
            return WalkResult::interrupt();
          }
        return WalkResult::advance();
      });
      emitError(where) << "batch " << size
                       << ": the program has no dynamic (batch) dimension; write the batch "
                          "as ? (tensor<?x784xf32>) to choose it at compile time";
      return signalPassFailure();
    }
    // Ops whose sizes were operands (tensor.empty(%n) : tensor<?xf32>) no longer match their
    // types; their verifiers say where.
    if (failed(verify(module)))
      signalPassFailure();
  }

  /// Generated steps are driven by a training loop that feeds whole batches: a loss with a
  /// dynamic batch compiles only once the batch is chosen.
  void checkStaticSteps() {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    bool failedAny = false;
    auto check = [&](Operation *op, StringRef lossName) {
      auto loss = symbols.lookup<func::FuncOp>(lossName);
      if (!loss)
        return; // the op's own verifier reports it
      if (std::optional<unsigned> i = dynamicDataArgument(loss)) {
        InFlightDiagnostic d = op->emitError()
                               << "@" << lossName << " takes a dynamic batch (argument " << *i
                               << ": " << loss.getArgumentTypes()[*i]
                               << "): choose its size with --batch N (kiln-compile, kiln-run)";
        d.attachNote(loss.getArgument(*i).getLoc()) << "the dynamic batch";
        failedAny = true;
      }
    };
    module.walk([&](kiln::TrainStepOp op) { check(op, op.getLoss()); });
    module.walk([&](kiln::SearchStepOp op) { check(op, op.getLoss()); });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
