// SPDX-License-Identifier: Apache-2.0
// kiln-prepare-entry-points: tensor-level checks and donation decisions for entry points.
#include "EntryPoints.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/IR/KilnDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace kiln {
#define GEN_PASS_DEF_KILNPREPAREENTRYPOINTSPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isAbiElementType(Type t) {
  return t.isF32() || t.isF64() || t.isF16() || t.isBF16() || t.isInteger(1) ||
         t.isInteger(8) || t.isInteger(32) || t.isInteger(64);
}

LogicalResult checkAbiType(func::FuncOp func, Type type, StringRef what, unsigned index) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (tensor && isAbiElementType(tensor.getElementType()))
    return success();
  return func.emitError() << "entry point @" << func.getSymName() << ": " << what << " #"
                          << index << " has type " << type
                          << "; entry points take and return ranked tensors of f32, f64, "
                             "f16, bf16, i1, i8, i32 or i64";
}

/// The entry-block argument a returned value is written into, following each
/// destination-passing op to the tensor it updates; null if the value is fresh.
BlockArgument destinationArgument(Value v, Block &entry) {
  while (auto result = dyn_cast<OpResult>(v)) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
    if (!dps || !dps.isDpsInit(dps.getTiedOpOperand(result)))
      return {};
    v = dps.getTiedOpOperand(result)->get();
  }
  auto arg = dyn_cast<BlockArgument>(v);
  return arg && arg.getOwner() == &entry ? arg : BlockArgument();
}

struct KilnPrepareEntryPointsPass
    : kiln::impl::KilnPrepareEntryPointsPassBase<KilnPrepareEntryPointsPass> {
  using Base::Base;
  void runOnOperation() override {
    bool failedAny = false;
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!kiln::detail::isEntryPoint(func))
        continue;
      FunctionType type = func.getFunctionType();
      for (auto [i, t] : llvm::enumerate(type.getInputs()))
        failedAny |= failed(checkAbiType(func, t, "argument", i));
      for (auto [i, t] : llvm::enumerate(type.getResults()))
        failedAny |= failed(checkAbiType(func, t, "result", i));
      if (!func.getBody().hasOneBlock()) {
        func.emitError() << "entry point @" << func.getSymName()
                         << " must have a single block (use scf ops for control flow)";
        failedAny = true;
      }
      if (failedAny)
        continue;

      // A result written into an input through destination-passing ops is that input's new
      // value: the input is donated, and the result is to be computed in its buffer (its
      // alias in the contract, which kiln-finalize-entry-points enforces).
      Block &entry = func.getBody().front();
      llvm::SmallBitVector donated(func.getNumArguments());
      SmallVector<int64_t> updates;
      for (Value v : entry.getTerminator()->getOperands()) {
        BlockArgument arg = destinationArgument(v, entry);
        updates.push_back(arg ? int64_t(arg.getArgNumber()) : -1);
        if (arg)
          donated.set(arg.getArgNumber());
      }

      // The contract (declared here unless an earlier pass did) keeps what the signature
      // needs on the function itself: bufferization rewrites argument attributes.
      OpBuilder b(func);
      kiln::krt::EntryPointAttr contract = kiln::detail::getOrDeclareEntryPoint(func);
      func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                        b.getBoolAttr(donated.test(i)));
        contract = contract.withInput(i, contract.getInputs()[i].withDonated(donated.test(i)));
        // The contract holds them now; LLVM would warn about unknown parameter attributes.
        func.removeArgAttr(i, kiln::KilnDialect::kInitAttrName);
        func.removeArgAttr(i, kiln::KilnDialect::kDataAttrName);
        func.removeArgAttr(i, kiln::KilnDialect::kNameAttrName);
      }
      SmallVector<kiln::krt::ResultAttr> results;
      for (auto [result, input] : llvm::zip(contract.getResults(), updates))
        results.push_back(
            kiln::krt::ResultAttr::get(func.getContext(), result.getType(), input));
      kiln::detail::setEntryPoint(func, contract.withResults(results));
    }
    // Functions that are not entry points (helpers the inliner keeps) lose them too.
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!kiln::detail::isEntryPoint(func))
        for (unsigned i = 0; i < func.getNumArguments(); ++i)
          for (StringRef name : {kiln::KilnDialect::kInitAttrName,
                                 kiln::KilnDialect::kDataAttrName,
                                 kiln::KilnDialect::kNameAttrName})
            func.removeArgAttr(i, name);
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
