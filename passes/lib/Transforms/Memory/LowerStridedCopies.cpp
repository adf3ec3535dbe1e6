// SPDX-License-Identifier: Apache-2.0
// kiln-lower-strided-copies: memref.copy between buffers of non-identity layout -> linalg.copy.
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNLOWERSTRIDEDCOPIESPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnLowerStridedCopiesPass
    : kiln::impl::KilnLowerStridedCopiesPassBase<KilnLowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      auto identity = [](Value v) {
        auto t = dyn_cast<MemRefType>(v.getType());
        return t && t.getLayout().isIdentity();
      };
      if (!identity(op.getSource()) || !identity(op.getTarget()))
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
      op->erase();
    }
  }
};

} // namespace
