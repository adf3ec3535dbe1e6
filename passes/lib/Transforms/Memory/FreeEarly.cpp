// SPDX-License-Identifier: Apache-2.0
// kiln-free-early: memref.dealloc right after a temporary's last use, not at the block's end.
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFREEEARLYPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnFreeEarlyPass : kiln::impl::KilnFreeEarlyPassBase<KilnFreeEarlyPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    int64_t moved = 0;
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      // Everything derived from the buffer: a value computed from it may still point into
      // it (a view, a cast, a descriptor, an address), except a loaded element or a size.
      Operation *last = alloc;
      bool escapes = false;
      SmallVector<Value> worklist{alloc.getResult()};
      llvm::SmallPtrSet<Value, 8> seen{alloc.getResult()};
      while (!worklist.empty() && !escapes) {
        Value value = worklist.pop_back_val();
        for (Operation *user : value.getUsers()) {
          if (user == dealloc)
            continue;
          Operation *ancestor = block->findAncestorOpInBlock(*user);
          if (!ancestor || ancestor == block->getTerminator()) {
            escapes = true;
            break;
          }
          if (last->isBeforeInBlock(ancestor))
            last = ancestor;
          if (isa<memref::LoadOp, memref::DimOp>(user))
            continue;
          SmallVector<Value> derived(user->getResults());
          // An address taken out of the buffer (an index, an integer, a pointer) may be
          // stored into another buffer, such as a kernel call's argument array, and read
          // from there later: that buffer now leads to this one too.
          if (!isa<MemRefType>(value.getType()))
            for (Value operand : user->getOperands())
              if (isa<MemRefType>(operand.getType()))
                derived.push_back(operand);
          for (Value result : derived)
            if (seen.insert(result).second)
              worklist.push_back(result);
        }
      }
      if (escapes || !last->isBeforeInBlock(dealloc) || last->getNextNode() == dealloc)
        continue;
      dealloc->moveAfter(last);
      ++moved;
    }
    numMoved += moved;
  }
};

} // namespace
