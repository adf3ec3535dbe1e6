// SPDX-License-Identifier: Apache-2.0
// kiln-bind-arch: kiln.architecture -> the searched alphas of a checkpoint, as constants.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Checkpoint.h"
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
    SmallVector<kiln::ArchitectureOp> ops;
    getOperation().walk([&](kiln::ArchitectureOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    if (checkpoint.empty()) {
      ops.front().emitOpError("stands for a searched architecture parameter: compile with "
                              "--arch CHECKPOINT, the checkpoint of the search");
      return signalPassFailure();
    }
    auto loaded = kiln::rt::loadCheckpoint(checkpoint);
    if (!loaded.ok()) {
      ops.front().emitOpError("cannot read the search's checkpoint: ")
          << std::string(loaded.status().message());
      return signalPassFailure();
    }
    bool failedAny = false;
    for (kiln::ArchitectureOp op : ops) {
      std::string name = "input" + std::to_string(op.getInput());
      auto type = cast<RankedTensorType>(op.getType());
      const kiln::rt::Tensor *found = nullptr;
      for (const auto &[tensorName, tensor] : loaded->tensors)
        if (tensorName == name)
          found = &tensor;
      if (!found) {
        op.emitOpError() << checkpoint << " has no tensor \"" << name << "\"";
        failedAny = true;
        continue;
      }
      bool f32 = found->dtype() == kiln::rt::DType::F32, f64 = found->dtype() == kiln::rt::DType::F64;
      if (found->shape() != std::vector<int64_t>(type.getShape().begin(), type.getShape().end()) ||
          !((f32 && type.getElementType().isF32()) || (f64 && type.getElementType().isF64()))) {
        op.emitOpError() << "is " << type << " but " << checkpoint << "'s \"" << name
                         << "\" is not (a checkpoint of another search step?)";
        failedAny = true;
        continue;
      }
      DenseElementsAttr values =
          f32 ? DenseElementsAttr::get(type, ArrayRef<float>(found->data<float>(), found->numel()))
              : DenseElementsAttr::get(type,
                                       ArrayRef<double>(found->data<double>(), found->numel()));
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
