// SPDX-License-Identifier: Apache-2.0
// kiln-parallelize-nests: large linalg ops on buffers that kiln-fuse-horizontal left alone
// (broadcasts such as a per-channel bias with its activation, row-wise softmax, losses,
// per-channel gradient sums) are tiled along their outermost parallel dimension into a
// one-dimensional scf.parallel,
// which kiln-outline-parallel then runs on the runtime's thread pool.
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace kiln {
#define GEN_PASS_DEF_KILNPARALLELIZENESTSPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnParallelizeNestsPass
    : kiln::impl::KilnParallelizeNestsPassBase<KilnParallelizeNestsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    // Only ops directly in a function body: those inside an scf.parallel already run in
    // parallel, and nested parallelism would only add scheduling overhead.
    for (Operation &op : getOperation().getBody().getOps())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op); linalgOp && worthSplitting(linalgOp))
        candidates.push_back(linalgOp);
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t work = 1;
      for (int64_t r : ranges)
        work *= r;
      unsigned dim = *outermostParallel(op);
      int64_t perRow = work / ranges[dim];
      // Enough iterations per chunk to amortize the scheduling of one chunk.
      int64_t rows = std::max<int64_t>(1, llvm::divideCeil(minChunk, perRow));
      SmallVector<int64_t> tiles(ranges.size(), 0);
      tiles[dim] = rows;
      linalg::LinalgTilingOptions options;
      options.setTileSizes(tiles).setLoopType(linalg::LinalgTilingLoopType::ParallelLoops);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(rewriter, op, options);
      if (failed(tiled))
        continue; // left as it was: a serial loop nest is still correct
      rewriter.eraseOp(op);
    }
  }

  /// The outermost loop whose iterations are independent: a reduction such as the bias
  /// gradient (sum over n, h, w) is split over its channels instead of its batch.
  static std::optional<unsigned> outermostParallel(linalg::LinalgOp op) {
    for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
      if (kind == utils::IteratorType::parallel)
        return unsigned(i);
    return std::nullopt;
  }

  bool worthSplitting(linalg::LinalgOp op) const {
    if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0)
      return false;
    std::optional<unsigned> dim = outermostParallel(op);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (!dim || llvm::any_of(ranges, ShapedType::isDynamic) || ranges[*dim] < 2)
      return false;
    int64_t work = 1;
    for (int64_t r : ranges)
      work *= r;
    return work >= minWork;
  }
};

} // namespace
