// SPDX-License-Identifier: Apache-2.0
// Lowers convolution and pooling: the window ops become kiln_rt.kernel_call (the runtime's
// oneDNN and plain-loop kernels, after bufferization), while the per-channel bias, its
// gradient and global pooling become linalg generics that fuse with their neighbours.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include "kiln/IR/KilnOps.h"
#include "kiln/RT/KilnRT.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// A window op becomes one kernel call writing a fresh (uninitialised) tensor.
template <typename OpTy>
struct WindowLowering : OpConversionPattern<OpTy> {
  WindowLowering(MLIRContext *ctx, krt::Kernel kernel)
      : OpConversionPattern<OpTy>(ctx), kernel(kernel) {}
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto type = rankedType(op->getResult(0));
    // The kernels take their geometry as constants: a batch left dynamic (no --batch) cannot
    // be called.
    if (!type.hasStaticShape() || !rankedType(op->getOperand(0)).hasStaticShape())
      return op->emitOpError("needs a static batch: compile the program with --batch N"),
             failure();
    Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
    WindowGeometry g = op.getGeometry();
    auto window = krt::WindowAttr::get(b.getContext(), g.n, g.c, g.h, g.w, g.o, g.kh, g.kw,
                                       g.oh, g.ow, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups);
    auto call = krt::KernelCallOp::create(b, TypeRange{type},
                                          krt::KernelAttr::get(b.getContext(), kernel),
                                          adaptor.getOperands(), ValueRange{init}, window);
    rewriter.replaceOp(op, call.getResults());
    return success();
  }
  krt::Kernel kernel;
};

AffineMap channelMap(MLIRContext *ctx) {
  return AffineMap::get(4, 0, getAffineDimExpr(1, ctx));
}

Value zeros(ImplicitLocOpBuilder &b, RankedTensorType type) {
  Value zero = arith::ConstantOp::create(b, b.getFloatAttr(type.getElementType(), 0.0));
  Value empty = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  return linalg::FillOp::create(b, ValueRange{zero}, ValueRange{empty}).getResult(0);
}

const auto kParallel = utils::IteratorType::parallel;
const auto kReduction = utils::IteratorType::reduction;

template <typename OpTy>
struct GenericLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(op, lower(b, op));
    return success();
  }

  static Value lower(ImplicitLocOpBuilder &b, ChannelBiasOp op) {
    auto type = rankedType(op.getResult());
    Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
    auto id = b.getMultiDimIdentityMap(4);
    return generic(b, {op.getInput(), op.getBias()}, init, {id, channelMap(b.getContext()), id},
                   SmallVector<utils::IteratorType>(4, kParallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a[0], a[1]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, ChannelSumOp op) {
    return generic(b, {op.getInput()}, zeros(b, rankedType(op.getResult())),
                   {b.getMultiDimIdentityMap(4), channelMap(b.getContext())},
                   {kReduction, kParallel, kReduction, kReduction},
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a[1], a[0]);
                   });
  }
  /// 1 / (H * W) of an [N, C, H, W] type, as a constant of its element type.
  static Value inverseArea(ImplicitLocOpBuilder &b, RankedTensorType x) {
    return arith::ConstantOp::create(
        b, b.getFloatAttr(x.getElementType(), 1.0 / double(x.getDimSize(2) * x.getDimSize(3))));
  }
  static Value lower(ImplicitLocOpBuilder &b, GlobalAvgPoolOp op) {
    auto x = rankedType(op.getInput());
    auto nc = AffineMap::get(4, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)},
                             b.getContext());
    Value sums = generic(b, {op.getInput()}, zeros(b, rankedType(op.getResult())),
                         {b.getMultiDimIdentityMap(4), nc},
                         {kParallel, kParallel, kReduction, kReduction},
                         [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::AddFOp::create(nb, a[1], a[0]);
                         });
    Value scale = inverseArea(b, x);
    auto y = rankedType(op.getResult());
    Value init = tensor::EmptyOp::create(b, y.getShape(), y.getElementType());
    return generic(b, {sums}, init, {b.getMultiDimIdentityMap(2), b.getMultiDimIdentityMap(2)},
                   {kParallel, kParallel}, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::MulFOp::create(nb, a[0], scale);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, GlobalAvgPoolGradOp op) {
    auto x = rankedType(op.getInputGrad());
    Value scale = inverseArea(b, x);
    auto nc = AffineMap::get(4, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)},
                             b.getContext());
    Value init = tensor::EmptyOp::create(b, x.getShape(), x.getElementType());
    return generic(b, {op.getOutputGrad()}, init, {nc, b.getMultiDimIdentityMap(4)},
                   SmallVector<utils::IteratorType>(4, kParallel),
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::MulFOp::create(nb, a[0], scale);
                   });
  }
};

} // namespace

void kiln::populateConvolutionToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<WindowLowering<Conv2dOp>>(ctx, krt::Kernel::Conv2d);
  patterns.add<WindowLowering<Conv2dGradInputOp>>(ctx, krt::Kernel::Conv2dGradInput);
  patterns.add<WindowLowering<Conv2dGradFilterOp>>(ctx, krt::Kernel::Conv2dGradFilter);
  patterns.add<WindowLowering<MaxPool2dOp>>(ctx, krt::Kernel::MaxPool2d);
  patterns.add<WindowLowering<MaxPool2dGradOp>>(ctx, krt::Kernel::MaxPool2dGrad);
  patterns.add<WindowLowering<AvgPool2dOp>>(ctx, krt::Kernel::AvgPool2d);
  patterns.add<WindowLowering<AvgPool2dGradOp>>(ctx, krt::Kernel::AvgPool2dGrad);
  patterns.add<GenericLowering<ChannelBiasOp>, GenericLowering<ChannelSumOp>,
               GenericLowering<GlobalAvgPoolOp>, GenericLowering<GlobalAvgPoolGradOp>>(ctx);
}
