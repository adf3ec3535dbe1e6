// SPDX-License-Identifier: Apache-2.0
// kiln-data-parallel: kiln.exchange_gradients -> bucketed kiln.all_reduce.
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

  /// Buckets from the last gradient to the first, one open bucket per element type (a
  /// message holds one type); each bucket one all_reduce of reduction mean, emitted when it
  /// fills, the rest in the order they were opened.
  void lowerMean(kiln::ExchangeGradientsOp op) {
    OpBuilder b(op);
    SmallVector<Value> results(op.getNumResults());
    struct Bucket {
      Type element;
      SmallVector<unsigned> members;
      int64_t bytes = 0;
    };
    SmallVector<Bucket> open;
    auto flush = [&](Bucket &bucket) {
      SmallVector<Value> tensors;
      for (unsigned i : bucket.members)
        tensors.push_back(op.getGradients()[i]);
      auto reduce = kiln::AllReduceOp::create(b, op.getLoc(), ValueRange(tensors).getTypes(),
                                              tensors, kiln::Reduction::Mean);
      for (auto [i, r] : llvm::zip_equal(bucket.members, reduce.getResults()))
        results[i] = r;
      bucket.members.clear();
      bucket.bytes = 0;
    };
    for (int64_t i = int64_t(op.getGradients().size()) - 1; i >= 0; --i) {
      Value g = op.getGradients()[i];
      int64_t bytes = bytesOf(g);
      Type element = getElementTypeOrSelf(g.getType());
      auto *bucket = llvm::find_if(open, [&](const Bucket &k) { return k.element == element; });
      if (bucket == open.end()) {
        open.push_back({element, {}, 0});
        bucket = &open.back();
      }
      if (!bucket->members.empty() && bucket->bytes + bytes > bucketBytes)
        flush(*bucket);
      bucket->members.push_back(unsigned(i));
      bucket->bytes += bytes;
    }
    for (Bucket &bucket : open)
      if (!bucket.members.empty())
        flush(bucket);
    op.replaceAllUsesWith(results);
    op.erase();
  }
};

} // namespace
