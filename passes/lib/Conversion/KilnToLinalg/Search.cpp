// SPDX-License-Identifier: Apache-2.0
// Lowers kiln.mixed and kiln.mixed_grad. The K architecture weights are scalars computed
// once (a stable softmax of the [K] alpha); the mixed sum is one element-wise pass over all
// candidates, and the backward is one reduction pass (every <dy, x_o> at once, accumulated
// in f64) plus one element-wise pass writing every candidate's gradient.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

/// softmax(alpha) as K scalars of alpha's element type.
SmallVector<Value> weights(ImplicitLocOpBuilder &b, Value alpha) {
  auto type = cast<RankedTensorType>(alpha.getType());
  int64_t k = type.getDimSize(0);
  SmallVector<Value> a;
  for (int64_t i = 0; i < k; ++i)
    a.push_back(tensor::ExtractOp::create(b, alpha, ValueRange{arith::ConstantIndexOp::create(b, i)}));
  Value max = a[0];
  for (int64_t i = 1; i < k; ++i)
    max = arith::MaximumFOp::create(b, max, a[i]);
  SmallVector<Value> e;
  Value sum;
  for (int64_t i = 0; i < k; ++i) {
    e.push_back(math::ExpOp::create(b, arith::SubFOp::create(b, a[i], max)));
    sum = i ? arith::AddFOp::create(b, sum, e.back()).getResult() : e.back();
  }
  for (Value &x : e)
    x = arith::DivFOp::create(b, x, sum);
  return e;
}

SmallVector<utils::IteratorType> iterators(int64_t rank, utils::IteratorType kind) {
  return SmallVector<utils::IteratorType>(rank, kind);
}

SmallVector<int64_t> candidateIndices(ArrayAttr ops) {
  SmallVector<int64_t> indices;
  for (auto [i, a] : llvm::enumerate(ops))
    if (cast<StringAttr>(a).getValue() != "none")
      indices.push_back(int64_t(i));
  return indices;
}

struct MixedLowering : OpConversionPattern<MixedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MixedOp op, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto type = cast<RankedTensorType>(op.getResult().getType());
    SmallVector<Value> p = weights(b, op.getAlpha());
    SmallVector<int64_t> index = candidateIndices(op.getOps());
    Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps(op.getCandidates().size() + 1, b.getMultiDimIdentityMap(rank));
    Value y = linalg::GenericOp::create(
                  b, TypeRange{type}, op.getCandidates(), ValueRange{init}, maps,
                  iterators(rank, utils::IteratorType::parallel),
                  [&](OpBuilder &nested, Location loc, ValueRange args) {
                    ImplicitLocOpBuilder nb(loc, nested);
                    Value sum = arith::ConstantOp::create(nb, nb.getFloatAttr(type.getElementType(), 0.0));
                    for (size_t c = 0; c < index.size(); ++c)
                      sum = arith::AddFOp::create(nb, sum, arith::MulFOp::create(nb, p[index[c]], args[c]));
                    linalg::YieldOp::create(nb, sum);
                  })
                  .getResult(0);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct MixedGradLowering : OpConversionPattern<MixedGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MixedGradOp op, OpAdaptor, ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto type = cast<RankedTensorType>(op.getOutputGrad().getType());
    Type element = type.getElementType();
    int64_t rank = type.getRank();
    SmallVector<Value> p = weights(b, op.getAlpha());
    SmallVector<int64_t> index = candidateIndices(op.getOps());
    size_t n = index.size();
    // <dy, x_o> for every candidate in one pass, accumulated in f64.
    SmallVector<Value> accumulators(n, zeroAccumulator(b));
    SmallVector<Value> ins{op.getOutputGrad()};
    llvm::append_range(ins, op.getCandidates());
    SmallVector<AffineMap> maps(n + 1, b.getMultiDimIdentityMap(rank));
    maps.append(n, AffineMap::get(rank, 0, b.getContext()));
    auto dots = linalg::GenericOp::create(
        b, TypeRange(ValueRange(accumulators)), ins, accumulators, maps,
        iterators(rank, utils::IteratorType::reduction),
        [&](OpBuilder &nested, Location loc, ValueRange args) {
          ImplicitLocOpBuilder nb(loc, nested);
          SmallVector<Value> next;
          for (size_t c = 0; c < n; ++c) {
            Value product = arith::MulFOp::create(nb, args[0], args[1 + c]);
            if (!element.isF64())
              product = arith::ExtFOp::create(nb, nb.getF64Type(), product);
            next.push_back(arith::AddFOp::create(nb, args[1 + n + c], product));
          }
          linalg::YieldOp::create(nb, next);
        });
    // d alpha_o = p_o (s_o - sum_o' p_o' s_o'), with s = 0 for "none".
    int64_t k = cast<RankedTensorType>(op.getAlpha().getType()).getDimSize(0);
    SmallVector<Value> s(k, f64(b, 0.0));
    for (size_t c = 0; c < n; ++c)
      s[index[c]] = extractScalar(b, dots.getResult(c));
    auto wide = [&](Value v) -> Value {
      return element.isF64() ? v : arith::ExtFOp::create(b, b.getF64Type(), v).getResult();
    };
    Value mean = f64(b, 0.0);
    for (int64_t o = 0; o < k; ++o)
      mean = arith::AddFOp::create(b, mean, arith::MulFOp::create(b, wide(p[o]), s[o]));
    SmallVector<Value> da;
    for (int64_t o = 0; o < k; ++o) {
      Value g = arith::MulFOp::create(b, wide(p[o]), arith::SubFOp::create(b, s[o], mean));
      da.push_back(element.isF64() ? g : arith::TruncFOp::create(b, element, g).getResult());
    }
    Value alphaGrad = tensor::FromElementsOp::create(b, op.getAlphaGrad().getType(), da);
    // dx_o = p_o * dy, every candidate in one pass over dy.
    SmallVector<Value> results{alphaGrad};
    if (n > 0) {
      SmallVector<Value> inits;
      for (size_t c = 0; c < n; ++c)
        inits.push_back(tensor::EmptyOp::create(b, type.getShape(), element));
      SmallVector<AffineMap> gradMaps(n + 1, b.getMultiDimIdentityMap(rank));
      auto grads = linalg::GenericOp::create(
          b, TypeRange(ValueRange(inits)), ValueRange{op.getOutputGrad()}, inits, gradMaps,
          iterators(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nested, Location loc, ValueRange args) {
            ImplicitLocOpBuilder nb(loc, nested);
            SmallVector<Value> out;
            for (size_t c = 0; c < n; ++c)
              out.push_back(arith::MulFOp::create(nb, p[index[c]], args[0]));
            linalg::YieldOp::create(nb, out);
          });
      llvm::append_range(results, grads.getResults());
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void kiln::populateSearchToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MixedLowering, MixedGradLowering>(patterns.getContext());
}
