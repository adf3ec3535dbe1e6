// SPDX-License-Identifier: Apache-2.0
// Lowers the collectives to the runtime's kernels: kiln.all_reduce and kiln.broadcast_from
// become kiln_rt.kernel_call all_reduce / broadcast updating their tensors in place (one
// message per op: a bucket; an all_reduce read further down, a start and a wait),
// kiln.all_gather a kernel_call all_gather into a fresh tensor.
// The runtime calls the process-wide communicator (kiln/runtime/distributed/Communicator.h).
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include "kiln/IR/KilnOps.h"
#include "kiln/RT/KilnRT.h"

using namespace mlir;
using namespace kiln;

namespace {

SmallVector<int64_t> sizesOf(ValueRange values) {
  SmallVector<int64_t> sizes;
  for (Value v : values)
    sizes.push_back(cast<ShapedType>(v.getType()).getNumElements());
  return sizes;
}

/// An in-place collective over `op`'s tensors.
template <typename Op>
LogicalResult lowerInPlace(Op op, ValueRange tensors, krt::Kernel kernel, Reduction reduction,
                           int64_t root, ConversionPatternRewriter &rewriter) {
  MLIRContext *ctx = op.getContext();
  auto params = krt::CollectiveAttr::get(ctx, sizesOf(tensors), reduction, root, 0);
  auto call = krt::KernelCallOp::create(rewriter, op.getLoc(), TypeRange(tensors),
                                        krt::KernelAttr::get(ctx, kernel), ValueRange{}, tensors,
                                        params);
  rewriter.replaceOp(op, call.getResults());
  return success();
}

/// An all_reduce whose results are first read further down its block (kiln-data-parallel
/// places a bucket where the backward pass finishes it) becomes all_reduce_start there and
/// all_reduce_wait right before that first reader: the message travels on the runtime's
/// communication thread while the ops in between run. One read right after stays a
/// single blocking all_reduce.
struct AllReduceLowering : OpConversionPattern<AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Operation *firstReader = nullptr;
    for (Operation *user : op->getUsers())
      if (Operation *at = op->getBlock()->findAncestorOpInBlock(*user);
          at && (!firstReader || at->isBeforeInBlock(firstReader)))
        firstReader = at;
    if (!firstReader || firstReader == op->getNextNode())
      return lowerInPlace(op, adaptor.getInputs(), krt::Kernel::AllReduce, op.getReduction(),
                          0, rewriter);
    MLIRContext *ctx = op.getContext();
    ValueRange tensors = adaptor.getInputs();
    auto params = krt::CollectiveAttr::get(ctx, sizesOf(tensors), op.getReduction(), 0, 0);
    auto start = krt::KernelCallOp::create(
        rewriter, op.getLoc(), TypeRange(tensors),
        krt::KernelAttr::get(ctx, krt::Kernel::AllReduceStart), ValueRange{}, tensors, params);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(firstReader);
    auto wait = krt::KernelCallOp::create(
        rewriter, op.getLoc(), TypeRange(tensors),
        krt::KernelAttr::get(ctx, krt::Kernel::AllReduceWait), ValueRange{},
        start.getResults(), params);
    rewriter.replaceOp(op, wait.getResults());
    return success();
  }
};

struct BroadcastFromLowering : OpConversionPattern<BroadcastFromOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BroadcastFromOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    return lowerInPlace(op, adaptor.getInputs(), krt::Kernel::Broadcast, Reduction::Sum,
                        int64_t(op.getRoot()), rewriter);
  }
};

struct AllGatherLowering : OpConversionPattern<AllGatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllGatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    auto type = op.getResult().getType();
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType());
    auto params = krt::CollectiveAttr::get(ctx, sizesOf(adaptor.getInput()), Reduction::Sum, 0,
                                           int64_t(op.getRanks()));
    auto call = krt::KernelCallOp::create(rewriter, op.getLoc(), TypeRange{type},
                                          krt::KernelAttr::get(ctx, krt::Kernel::AllGather),
                                          ValueRange{adaptor.getInput()}, ValueRange{init},
                                          params);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

/// kiln.compressed_exchange: one kernel call that reads the gradients and the step and
/// updates the directions (fresh tensors) and the state (in place).
struct CompressedExchangeLowering : OpConversionPattern<CompressedExchangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(CompressedExchangeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    SmallVector<Value> inputs(adaptor.getGradients());
    inputs.push_back(adaptor.getStep());
    SmallVector<Value> outputs;
    for (Value g : adaptor.getGradients()) {
      auto type = cast<RankedTensorType>(g.getType());
      outputs.push_back(tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                                type.getElementType()));
    }
    llvm::append_range(outputs, adaptor.getState());
    auto params = krt::CompressionAttr::get(
        ctx, sizesOf(adaptor.getGradients()), op.getMethod(), op.getCompressor(), op.getK(),
        op.getKey(), op.getEta());
    auto call = krt::KernelCallOp::create(rewriter, op.getLoc(), ValueRange(outputs).getTypes(),
                                          krt::KernelAttr::get(ctx, krt::Kernel::CompressedExchange),
                                          inputs, outputs, params);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
};

} // namespace

void kiln::populateDistributedToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AllReduceLowering, BroadcastFromLowering, AllGatherLowering,
               CompressedExchangeLowering>(patterns.getContext());
}
