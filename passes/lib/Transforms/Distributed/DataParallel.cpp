// SPDX-License-Identifier: Apache-2.0
// kiln-data-parallel: kiln.exchange_gradients -> bucketed kiln.all_reduce, each placed where
// the backward pass has its bucket's gradients.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_KILNDATAPARALLELPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

int64_t bytesOf(Value v) {
  auto type = cast<ShapedType>(v.getType());
  return type.getNumElements() * int64_t(type.getElementTypeBitWidth() / 8);
}

struct KilnDataParallelPass : kiln::impl::KilnDataParallelPassBase<KilnDataParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    if (bucketBytes < 1) {
      getOperation().emitError("kiln-data-parallel: bucket-bytes must be positive, not ")
          << bucketBytes;
      return signalPassFailure();
    }
    SmallVector<kiln::ExchangeGradientsOp> exchanges;
    getOperation().walk([&](kiln::ExchangeGradientsOp op) { exchanges.push_back(op); });
    for (kiln::ExchangeGradientsOp op : exchanges)
      lowerMean(op);
  }

  /// Buckets in the order the gradients are computed, one open bucket per element type (a
  /// message holds one type); each bucket one all_reduce of reduction mean, emitted when it
  /// fills, the rest in the order they were opened. With `overlap` an all_reduce goes right
  /// after the op that computes its bucket's last gradient (and after the all_reduce before
  /// it: the buckets keep their order), except the bucket finished last; the others, and
  /// all without `overlap`, where the exchange was.
  void lowerMean(kiln::ExchangeGradientsOp op) {
    Block *block = op->getBlock();
    // The op of `block` after which gradient i exists (null: before the block begins).
    auto readyAfter = [&](Value g) -> Operation * {
      Operation *def = g.getDefiningOp();
      return def ? block->findAncestorOpInBlock(*def) : nullptr;
    };
    auto before = [](Operation *a, Operation *b) {
      return b && (!a || a->isBeforeInBlock(b));
    };
    // Gradients that come from the same op, or from outside the block, last first: the
    // order a backward pass finishes a model's parameters in (DDP's buckets).
    SmallVector<unsigned> order =
        llvm::to_vector(llvm::reverse(llvm::seq<unsigned>(op.getGradients().size())));
    llvm::stable_sort(order, [&](unsigned i, unsigned j) {
      return before(readyAfter(op.getGradients()[i]), readyAfter(op.getGradients()[j]));
    });

    // The bucket holding the gradient computed last has no backward pass left to travel
    // behind: it stays at the exchange, a blocking all-reduce.
    Operation *lastReady = nullptr;
    for (Value g : op.getGradients())
      if (before(lastReady, readyAfter(g)))
        lastReady = readyAfter(g);

    SmallVector<Value> results(op.getNumResults());
    struct Bucket {
      Type element;
      SmallVector<unsigned> members;
      int64_t bytes = 0;
      Operation *ready = nullptr; // its last gradient's op
    };
    SmallVector<Bucket> open;
    Operation *previous = nullptr; // the last all_reduce placed
    auto flush = [&](Bucket &bucket) {
      OpBuilder b(op);
      if (overlap && bucket.ready != lastReady) {
        Operation *after = before(bucket.ready, previous) ? previous : bucket.ready;
        if (after)
          b.setInsertionPointAfter(after);
        else
          b.setInsertionPointToStart(block);
      }
      SmallVector<Value> tensors;
      for (unsigned i : bucket.members)
        tensors.push_back(op.getGradients()[i]);
      auto reduce = kiln::AllReduceOp::create(b, op.getLoc(), ValueRange(tensors).getTypes(),
                                              tensors, kiln::Reduction::Mean);
      previous = reduce;
      for (auto [i, r] : llvm::zip_equal(bucket.members, reduce.getResults()))
        results[i] = r;
      bucket.members.clear();
      bucket.bytes = 0;
      bucket.ready = nullptr;
    };
    for (unsigned i : order) {
      Value g = op.getGradients()[i];
      int64_t bytes = bytesOf(g);
      Type element = getElementTypeOrSelf(g.getType());
      auto *bucket = llvm::find_if(open, [&](const Bucket &k) { return k.element == element; });
      if (bucket == open.end()) {
        open.push_back({element, {}, 0, nullptr});
        bucket = &open.back();
      }
      if (!bucket->members.empty() && bucket->bytes + bytes > bucketBytes)
        flush(*bucket);
      bucket->members.push_back(i);
      bucket->bytes += bytes;
      if (before(bucket->ready, readyAfter(g)))
        bucket->ready = readyAfter(g);
    }
    for (Bucket &bucket : open)
      if (!bucket.members.empty())
        flush(bucket);
    op.replaceAllUsesWith(results);
    op.erase();
  }
};

} // namespace
