// SPDX-License-Identifier: Apache-2.0
// Lowers the model ops and their backward building blocks to linalg on tensors. Each result
// is a fresh tensor (activations are read again by the backward pass, so nothing is
// overwritten); element-wise ones then fuse with their neighbours in kiln-fuse.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

/// A tensor.empty of `type` whose dynamic sizes come from `sizeOf(dim)`.
Value emptyOf(ImplicitLocOpBuilder &b, RankedTensorType type,
              function_ref<Value(int64_t)> sizeOf) {
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(sizeOf(d));
  return tensor::EmptyOp::create(b, type.getShape(), type.getElementType(), dynamicSizes);
}

Value filled(ImplicitLocOpBuilder &b, Value empty, double value) {
  Type element = rankedType(empty).getElementType();
  Value c = arith::ConstantOp::create(b, b.getFloatAttr(element, value));
  return linalg::FillOp::create(b, ValueRange{c}, ValueRange{empty}).getResult(0);
}

Value dim(ImplicitLocOpBuilder &b, Value t, int64_t d) { return tensor::DimOp::create(b, t, d); }

Value floatConst(ImplicitLocOpBuilder &b, Type element, double v) {
  return arith::ConstantOp::create(b, b.getFloatAttr(element, v));
}

AffineMap identity(ImplicitLocOpBuilder &b, int64_t rank) { return b.getMultiDimIdentityMap(rank); }
AffineMap toScalar(ImplicitLocOpBuilder &b, int64_t rank) {
  return AffineMap::get(rank, 0, b.getContext());
}
AffineMap lastDim(ImplicitLocOpBuilder &b, int64_t rank) {
  return AffineMap::get(rank, 0, b.getAffineDimExpr(rank - 1));
}
AffineMap firstDim(ImplicitLocOpBuilder &b, int64_t rank) {
  return AffineMap::get(rank, 0, b.getAffineDimExpr(0));
}
SmallVector<utils::IteratorType> iterators(int64_t rank, utils::IteratorType kind) {
  return SmallVector<utils::IteratorType>(rank, kind);
}

template <typename OpTy>
struct LayerLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult matchAndRewrite(OpTy op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(op, lower(b, op));
    return success();
  }

  static Value lower(ImplicitLocOpBuilder &b, MatmulOp op) {
    auto type = rankedType(op.getResult());
    Value init = filled(b, emptyOf(b, type, [&](int64_t d) {
                          return d == 0 ? dim(b, op.getLhs(), 0) : dim(b, op.getRhs(), 1);
                        }), 0.0);
    return linalg::MatmulOp::create(b, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init})
        .getResult(0);
  }
  static Value lower(ImplicitLocOpBuilder &b, TransposeOp op) {
    // The last two dimensions swap places; the leading (batch) ones stay.
    int64_t rank = rankedType(op.getInput()).getRank();
    SmallVector<int64_t> permutation = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(permutation[rank - 2], permutation[rank - 1]);
    Value init = emptyOf(b, rankedType(op.getResult()),
                         [&](int64_t d) { return dim(b, op.getInput(), permutation[d]); });
    return linalg::TransposeOp::create(b, op.getInput(), init, permutation).getResult()[0];
  }
  static Value lower(ImplicitLocOpBuilder &b, BatchMatmulOp op) {
    auto type = rankedType(op.getResult());
    Value init = filled(b, emptyOf(b, type, [&](int64_t d) {
                          return d == 2 ? dim(b, op.getRhs(), 2) : dim(b, op.getLhs(), d);
                        }), 0.0);
    return linalg::BatchMatmulOp::create(b, ValueRange{op.getLhs(), op.getRhs()}, ValueRange{init})
        .getResult(0);
  }
  /// Broadcasting: each operand is read through a map from the result's loop nest that
  /// skips the dimensions it lacks and those it broadcasts from size 1 (folded away first
  /// with tensor.collapse_shape, so every map is a projected permutation that element-wise
  /// fusion understands).
  template <typename ArithOp>
  static Value broadcasting(ImplicitLocOpBuilder &b, Value lhs, Value rhs, RankedTensorType result) {
    int64_t rank = result.getRank();
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    for (Value v : {lhs, rhs}) {
      auto type = rankedType(v);
      int64_t offset = rank - type.getRank();
      SmallVector<bool> drop;
      for (int64_t d = 0; d < type.getRank(); ++d)
        drop.push_back(type.getDimSize(d) == 1 && result.getDimSize(offset + d) != 1);
      UnitDims unit = unitDims(type, drop);
      ins.push_back(collapse(b, v, unit));
      SmallVector<AffineExpr> exprs;
      for (int64_t d : unit.kept)
        exprs.push_back(b.getAffineDimExpr(offset + d));
      maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
    }
    maps.push_back(identity(b, rank));
    Value init = tensor::EmptyOp::create(b, result.getShape(), result.getElementType());
    return generic(b, ins, init, maps, iterators(rank, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return ArithOp::create(nb, a[0], a[1]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, AddOp op) {
    return broadcasting<arith::AddFOp>(b, op.getLhs(), op.getRhs(), rankedType(op.getResult()));
  }
  static Value lower(ImplicitLocOpBuilder &b, MulOp op) {
    return broadcasting<arith::MulFOp>(b, op.getLhs(), op.getRhs(), rankedType(op.getResult()));
  }
  /// One reduction over the input into the target with its size-1 dimensions folded away,
  /// expanded back to the target's shape.
  static Value lower(ImplicitLocOpBuilder &b, ReduceToShapeOp op) {
    auto x = rankedType(op.getInput()), y = rankedType(op.getResult());
    int64_t rank = x.getRank(), offset = rank - y.getRank();
    SmallVector<bool> drop;
    for (int64_t d = 0; d < y.getRank(); ++d)
      drop.push_back(y.getDimSize(d) == 1 && x.getDimSize(offset + d) != 1);
    UnitDims unit = unitDims(y, drop);
    SmallVector<AffineExpr> exprs;
    SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
    for (int64_t d : unit.kept) {
      exprs.push_back(b.getAffineDimExpr(offset + d));
      kinds[offset + d] = utils::IteratorType::parallel;
    }
    Value init = filled(b, tensor::EmptyOp::create(b, unit.shape, y.getElementType()), 0.0);
    Value sum = generic(b, {op.getInput()}, init,
                        {identity(b, rank), AffineMap::get(rank, 0, exprs, b.getContext())}, kinds,
                        [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                          return arith::AddFOp::create(nb, a[1], a[0]);
                        });
    if (unit.kept.size() == size_t(y.getRank()))
      return sum;
    return tensor::ExpandShapeOp::create(b, y, sum, unit.groups);
  }
  /// The dimensions of a static shape left when those marked in `drop` (of size 1) are
  /// folded into a neighbour, and the reassociation that folds them.
  struct UnitDims {
    SmallVector<int64_t> kept, shape;
    SmallVector<ReassociationIndices> groups;
  };
  static UnitDims unitDims(RankedTensorType type, ArrayRef<bool> drop) {
    UnitDims u;
    ReassociationIndices leading; // dropped dimensions before the first kept one
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!drop[d]) {
        u.kept.push_back(d);
        u.shape.push_back(type.getDimSize(d));
        u.groups.push_back(leading);
        u.groups.back().push_back(d);
        leading.clear();
      } else if (u.groups.empty()) {
        leading.push_back(d);
      } else {
        u.groups.back().push_back(d);
      }
    }
    return u; // all dropped: no groups, a rank-0 shape
  }
  static Value collapse(ImplicitLocOpBuilder &b, Value v, const UnitDims &unit) {
    auto type = rankedType(v);
    if (unit.kept.size() == size_t(type.getRank()))
      return v;
    return tensor::CollapseShapeOp::create(
        b, RankedTensorType::get(unit.shape, type.getElementType()), v, unit.groups);
  }
  static Value lower(ImplicitLocOpBuilder &b, BiasAddOp op) {
    int64_t rank = rankedType(op.getInput()).getRank();
    return generic(b, {op.getInput(), op.getBias()}, emptyLike(b, op.getInput()),
                   {identity(b, rank), lastDim(b, rank), identity(b, rank)},
                   iterators(rank, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a[0], a[1]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, ReluOp op) {
    Type element = rankedType(op.getInput()).getElementType();
    int64_t rank = rankedType(op.getInput()).getRank();
    return generic(b, {op.getInput()}, emptyLike(b, op.getInput()),
                   {identity(b, rank), identity(b, rank)},
                   iterators(rank, utils::IteratorType::parallel),
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     // maximumf propagates NaN, as torch.relu does.
                     return arith::MaximumFOp::create(nb, a[0], floatConst(nb, element, 0.0));
                   });
  }
  /// An element-wise map of one tensor into a fresh one.
  static Value map(ImplicitLocOpBuilder &b, Value x,
                   function_ref<Value(ImplicitLocOpBuilder &, Value, Type)> fn) {
    Type element = rankedType(x).getElementType();
    int64_t rank = rankedType(x).getRank();
    return generic(b, {x}, emptyLike(b, x), {identity(b, rank), identity(b, rank)},
                   iterators(rank, utils::IteratorType::parallel),
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) { return fn(nb, a[0], element); });
  }
  static Value lower(ImplicitLocOpBuilder &b, SigmoidOp op) {
    return map(b, op.getInput(), [](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
      Value one = floatConst(nb, t, 1.0);
      Value e = math::ExpOp::create(nb, arith::NegFOp::create(nb, x));
      return arith::DivFOp::create(nb, one, arith::AddFOp::create(nb, one, e));
    });
  }
  static Value lower(ImplicitLocOpBuilder &b, GeluOp op) {
    return map(b, op.getInput(), [](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
      Value erf = math::ErfOp::create(nb, arith::MulFOp::create(nb, x, floatConst(nb, t, M_SQRT1_2)));
      Value cdf = arith::MulFOp::create(nb, floatConst(nb, t, 0.5),
                                        arith::AddFOp::create(nb, floatConst(nb, t, 1.0), erf));
      return arith::MulFOp::create(nb, x, cdf);
    });
  }
  static Value lower(ImplicitLocOpBuilder &b, LeakyReluOp op) {
    double alpha = op.getAlpha().convertToDouble();
    return map(b, op.getInput(), [&](ImplicitLocOpBuilder &nb, Value x, Type t) -> Value {
      Value positive = arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, x, floatConst(nb, t, 0.0));
      return arith::SelectOp::create(nb, positive, x,
                                     arith::MulFOp::create(nb, x, floatConst(nb, t, alpha)));
    });
  }
  static Value lower(ImplicitLocOpBuilder &b, LogSoftmaxOp op) {
    Value x = op.getInput();
    auto [rowMax, sumExp] = softmaxRows(b, x);
    return generic(b, {x, rowMax, sumExp}, emptyLike(b, x),
                   {identity(b, 2), firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
                   iterators(2, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value shifted = arith::SubFOp::create(nb, a[0], a[1]);
                     return arith::SubFOp::create(nb, shifted, math::LogOp::create(nb, a[2]));
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, SoftmaxOp op) {
    Value x = op.getInput();
    auto [rowMax, sumExp] = softmaxRows(b, x);
    return generic(b, {x, rowMax, sumExp}, emptyLike(b, x),
                   {identity(b, 2), firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
                   iterators(2, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value e = math::ExpOp::create(nb, arith::SubFOp::create(nb, a[0], a[1]));
                     return arith::DivFOp::create(nb, e, a[2]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, SoftmaxGradOp op) {
    // dx = y * (dy - rowsum(dy * y)).
    Value y = op.getOutput(), dy = op.getOutputGrad();
    Value dot = rowSums(b, {dy, y}, {identity(b, 2), identity(b, 2)}, y,
                        [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                          return arith::MulFOp::create(nb, a[0], a[1]);
                        });
    return generic(b, {y, dy, dot}, emptyLike(b, y),
                   {identity(b, 2), identity(b, 2), firstDim(b, 2), identity(b, 2)},
                   iterators(2, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::MulFOp::create(nb, a[0], arith::SubFOp::create(nb, a[1], a[2]));
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, LogSoftmaxGradOp op) {
    // dx = dy - exp(y) * rowsum(dy).
    Value y = op.getOutput(), dy = op.getOutputGrad();
    Type element = rankedType(y).getElementType();
    auto rowType = RankedTensorType::get({rankedType(y).getDimSize(0)}, element);
    Value init = filled(b, emptyOf(b, rowType, [&](int64_t) { return dim(b, y, 0); }), 0.0);
    Value rowSum = generic(b, {dy}, init, {identity(b, 2), firstDim(b, 2)},
                           {utils::IteratorType::parallel, utils::IteratorType::reduction},
                           [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                             return arith::AddFOp::create(nb, a[1], a[0]);
                           });
    return generic(b, {y, dy, rowSum}, emptyLike(b, y),
                   {identity(b, 2), identity(b, 2), firstDim(b, 2), identity(b, 2)},
                   iterators(2, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value p = math::ExpOp::create(nb, a[0]);
                     return arith::SubFOp::create(nb, a[1], arith::MulFOp::create(nb, p, a[2]));
                   });
  }
  static SmallVector<Value> lower(ImplicitLocOpBuilder &b, DropoutOp op) {
    Value x = op.getInput();
    auto type = rankedType(x);
    int64_t rank = type.getRank();
    Type element = type.getElementType();
    double rate = op.getRate().convertToDouble();
    Value key = extractScalar(b, op.getKey());
    // Keep when word0 >= rate * 2^32, compared as unsigned 64-bit numbers.
    Value threshold = arith::ConstantOp::create(
        b, b.getI64IntegerAttr(int64_t(std::ldexp(rate, 32))));
    Value scale = floatConst(b, element, 1.0 / (1.0 - rate));
    Value zero = floatConst(b, element, 0.0);
    Value y = generic(b, {x}, emptyLike(b, x), {identity(b, rank), identity(b, rank)},
                      iterators(rank, utils::IteratorType::parallel),
                      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        // Row-major linear index of the element.
                        Value linear = arith::ConstantIndexOp::create(nb, 0);
                        for (int64_t d = 0; d < rank; ++d) {
                          Value extent = tensor::DimOp::create(nb, x, d);
                          linear = arith::AddIOp::create(
                              nb, arith::MulIOp::create(nb, linear, extent),
                              linalg::IndexOp::create(nb, d));
                        }
                        Value index64 = arith::IndexCastOp::create(nb, nb.getI64Type(), linear);
                        Value word = philox4x32(nb, index64, key, 0x44524F50u)[0];
                        Value wide = arith::ExtUIOp::create(nb, nb.getI64Type(), word);
                        Value keep = arith::CmpIOp::create(nb, arith::CmpIPredicate::uge, wide, threshold);
                        return arith::SelectOp::create(nb, keep, arith::MulFOp::create(nb, a[0], scale), zero);
                      });
    // key + 1, written into the key's own tensor so a step carries it in place.
    Value one = arith::ConstantOp::create(b, b.getI64IntegerAttr(1));
    Value next = generic(b, {}, op.getKey(), {AffineMap::get(0, 0, b.getContext())}, {},
                         [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::AddIOp::create(nb, a[0], one);
                         });
    return {y, next};
  }
  /// Per-row sums over the last dimension of a [N, D] tensor of term(elements...).
  static Value rowSums(ImplicitLocOpBuilder &b, ValueRange ins, ArrayRef<AffineMap> inMaps,
                       Value like, function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> term) {
    Type element = rankedType(like).getElementType();
    auto rowType = RankedTensorType::get({rankedType(like).getDimSize(0)}, element);
    Value init = filled(b, emptyOf(b, rowType, [&](int64_t) { return dim(b, like, 0); }), 0.0);
    SmallVector<AffineMap> maps(inMaps);
    maps.push_back(firstDim(b, 2));
    return generic(b, ins, init, maps,
                   {utils::IteratorType::parallel, utils::IteratorType::reduction},
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a.back(), term(nb, a.drop_back()));
                   });
  }
  /// Per-row mean and 1 / sqrt(var + eps) of [N, D] rows.
  static std::pair<Value, Value> rowMoments(ImplicitLocOpBuilder &b, Value x, double eps) {
    Type element = rankedType(x).getElementType();
    Value d = arith::UIToFPOp::create(b, element, arith::IndexCastOp::create(b, b.getI64Type(), dim(b, x, 1)));
    Value sum = rowSums(b, {x}, {identity(b, 2)}, x,
                        [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
    Value mean = generic(b, {sum}, emptyLike(b, sum), {identity(b, 1), identity(b, 1)},
                         {utils::IteratorType::parallel},
                         [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           return arith::DivFOp::create(nb, a[0], d);
                         });
    Value sq = rowSums(b, {x, mean}, {identity(b, 2), firstDim(b, 2)}, x,
                       [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                         Value c = arith::SubFOp::create(nb, a[0], a[1]);
                         return arith::MulFOp::create(nb, c, c);
                       });
    Value rstd = generic(b, {sq}, emptyLike(b, sq), {identity(b, 1), identity(b, 1)},
                         {utils::IteratorType::parallel},
                         [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                           Value var = arith::DivFOp::create(nb, a[0], d);
                           Value v = arith::AddFOp::create(nb, var, floatConst(nb, element, eps));
                           // 1 / sqrt: math.rsqrt has no libm function to fall back to.
                           return arith::DivFOp::create(nb, floatConst(nb, element, 1.0),
                                                        math::SqrtOp::create(nb, v));
                         });
    return {mean, rstd};
  }
  static Value lower(ImplicitLocOpBuilder &b, LayerNormOp op) {
    Value x = op.getInput();
    auto [mean, rstd] = rowMoments(b, x, op.getEps().convertToDouble());
    return generic(b, {x, mean, rstd, op.getGamma(), op.getBeta()}, emptyLike(b, x),
                   {identity(b, 2), firstDim(b, 2), firstDim(b, 2), lastDim(b, 2), lastDim(b, 2),
                    identity(b, 2)},
                   iterators(2, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value xhat = arith::MulFOp::create(nb, arith::SubFOp::create(nb, a[0], a[1]), a[2]);
                     return arith::AddFOp::create(nb, arith::MulFOp::create(nb, xhat, a[3]), a[4]);
                   });
  }
  static SmallVector<Value> lower(ImplicitLocOpBuilder &b, LayerNormGradOp op) {
    Value x = op.getInput(), gamma = op.getGamma(), dy = op.getOutputGrad();
    Type element = rankedType(x).getElementType();
    auto [mean, rstd] = rowMoments(b, x, op.getEps().convertToDouble());
    Value d = arith::UIToFPOp::create(b, element, arith::IndexCastOp::create(b, b.getI64Type(), dim(b, x, 1)));
    auto xhatOf = [](ImplicitLocOpBuilder &nb, Value xv, Value m, Value r) -> Value {
      return arith::MulFOp::create(nb, arith::SubFOp::create(nb, xv, m), r);
    };
    // Row sums of g = dy * gamma and of g * xhat.
    SmallVector<AffineMap> rowMaps = {identity(b, 2), lastDim(b, 2)};
    Value sumG = rowSums(b, {dy, gamma}, rowMaps, x, [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
      return arith::MulFOp::create(nb, a[0], a[1]);
    });
    Value sumGX = rowSums(b, {dy, gamma, x, mean, rstd},
                          {identity(b, 2), lastDim(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2)}, x,
                          [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                            Value g = arith::MulFOp::create(nb, a[0], a[1]);
                            return arith::MulFOp::create(nb, g, xhatOf(nb, a[2], a[3], a[4]));
                          });
    Value dx = generic(
        b, {dy, gamma, x, mean, rstd, sumG, sumGX}, emptyLike(b, x),
        {identity(b, 2), lastDim(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2),
         firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
        iterators(2, utils::IteratorType::parallel),
        [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
          Value g = arith::MulFOp::create(nb, a[0], a[1]);
          Value xhat = xhatOf(nb, a[2], a[3], a[4]);
          Value meanG = arith::DivFOp::create(nb, a[5], d);
          Value meanGX = arith::DivFOp::create(nb, a[6], d);
          Value inner = arith::SubFOp::create(nb, arith::SubFOp::create(nb, g, meanG),
                                              arith::MulFOp::create(nb, xhat, meanGX));
          return arith::MulFOp::create(nb, a[4], inner);
        });
    // Column sums over the rows: d gamma = sum dy * xhat, d beta = sum dy.
    auto columnType = rankedType(gamma);
    auto columns = [&](int64_t) { return dim(b, gamma, 0); };
    SmallVector<utils::IteratorType> colIters = {utils::IteratorType::reduction,
                                                 utils::IteratorType::parallel};
    Value dgamma = generic(b, {dy, x, mean, rstd},
                           filled(b, emptyOf(b, columnType, columns), 0.0),
                           {identity(b, 2), identity(b, 2), firstDim(b, 2), firstDim(b, 2), lastDim(b, 2)},
                           colIters, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                             Value xhat = xhatOf(nb, a[1], a[2], a[3]);
                             return arith::AddFOp::create(nb, a[4], arith::MulFOp::create(nb, a[0], xhat));
                           });
    Value dbeta = generic(b, {dy}, filled(b, emptyOf(b, columnType, columns), 0.0),
                          {identity(b, 2), lastDim(b, 2)}, colIters,
                          [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                            return arith::AddFOp::create(nb, a[1], a[0]);
                          });
    return {dx, dgamma, dbeta};
  }
  //===-- Batch normalization: reductions over every dimension but the channels (1) ----===//
  static AffineMap channel(ImplicitLocOpBuilder &b, int64_t rank) {
    return AffineMap::get(rank, 0, b.getAffineDimExpr(1));
  }
  /// Per-channel sums of term(elements...) over an [N, C, ...] tensor shaped like `like`.
  static Value channelSums(ImplicitLocOpBuilder &b, ValueRange ins, ArrayRef<AffineMap> inMaps,
                           Value like, function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> term) {
    auto type = rankedType(like);
    int64_t rank = type.getRank();
    auto channels = RankedTensorType::get({type.getDimSize(1)}, type.getElementType());
    Value init = filled(b, tensor::EmptyOp::create(b, channels.getShape(), type.getElementType()), 0.0);
    SmallVector<AffineMap> maps(inMaps);
    maps.push_back(channel(b, rank));
    SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
    kinds[1] = utils::IteratorType::parallel;
    return generic(b, ins, init, maps, kinds, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
      return arith::AddFOp::create(nb, a.back(), term(nb, a.drop_back()));
    });
  }
  /// An element-wise map over [C] vectors into a fresh one (or into `into`, whose element
  /// comes last in the body's arguments).
  static Value perChannel(ImplicitLocOpBuilder &b, ValueRange ins, Value into,
                          function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body) {
    SmallVector<AffineMap> maps(ins.size() + 1, identity(b, 1));
    return generic(b, ins, into, maps, {utils::IteratorType::parallel}, body);
  }
  static Value rsqrt(ImplicitLocOpBuilder &b, Value v) {
    Type element = v.getType();
    // 1 / sqrt: math.rsqrt has no libm function to fall back to.
    return arith::DivFOp::create(b, floatConst(b, element, 1.0), math::SqrtOp::create(b, v));
  }
  /// Elements per channel of an [N, C, ...] tensor.
  static double perChannelCount(Value x) {
    auto type = rankedType(x);
    return type.getDimSize(1) ? double(type.getNumElements() / type.getDimSize(1)) : 0.0;
  }
  /// The batch's per-channel mean and sum of squared deviations.
  static std::pair<Value, Value> batchMoments(ImplicitLocOpBuilder &b, Value x) {
    int64_t rank = rankedType(x).getRank();
    Type element = rankedType(x).getElementType();
    Value count = floatConst(b, element, perChannelCount(x));
    Value sum = channelSums(b, {x}, {identity(b, rank)}, x,
                            [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
    Value mean = perChannel(b, {sum}, emptyLike(b, sum), [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
      return arith::DivFOp::create(nb, a[0], count);
    });
    Value squares = channelSums(b, {x, mean}, {identity(b, rank), channel(b, rank)}, x,
                                [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                                  Value c = arith::SubFOp::create(nb, a[0], a[1]);
                                  return arith::MulFOp::create(nb, c, c);
                                });
    return {mean, squares};
  }
  /// The mean and 1 / sqrt(var + eps) a batch norm normalizes with: the batch's (biased
  /// variance) in training mode, else the running statistics.
  static std::pair<Value, Value> normalization(ImplicitLocOpBuilder &b, Value x, Value runningMean,
                                               Value runningVar, double eps, bool training) {
    if (!training) {
      Value epsilon = floatConst(b, rankedType(x).getElementType(), eps);
      return {runningMean, perChannel(b, {runningVar}, emptyLike(b, runningVar),
                                      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                                        return rsqrt(nb, arith::AddFOp::create(nb, a[0], epsilon));
                                      })};
    }
    auto [mean, squares] = batchMoments(b, x);
    return {mean, batchRstd(b, x, squares, eps)};
  }
  /// 1 / sqrt(var + eps) from the sums of squared deviations, var biased (divided by M).
  static Value batchRstd(ImplicitLocOpBuilder &b, Value x, Value squares, double eps) {
    Type element = rankedType(x).getElementType();
    Value count = floatConst(b, element, perChannelCount(x));
    Value epsilon = floatConst(b, element, eps);
    return perChannel(b, {squares}, emptyLike(b, squares),
                      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        Value var = arith::DivFOp::create(nb, a[0], count);
                        return rsqrt(nb, arith::AddFOp::create(nb, var, epsilon));
                      });
  }
  static SmallVector<Value> lower(ImplicitLocOpBuilder &b, BatchNormOp op) {
    Value x = op.getInput();
    int64_t rank = rankedType(x).getRank();
    Type element = rankedType(x).getElementType();
    double eps = op.getEps().convertToDouble();
    bool training = op.getTraining();
    Value runningMean = op.getRunningMean(), runningVar = op.getRunningVar();
    Value mean, rstd, squares;
    if (training) {
      std::tie(mean, squares) = batchMoments(b, x);
      rstd = batchRstd(b, x, squares, eps);
    } else {
      std::tie(mean, rstd) = normalization(b, x, runningMean, runningVar, eps, false);
    }
    // y = x * scale + shift with scale = rstd * gamma and shift = beta - mean * scale per
    // channel, as PyTorch's CPU kernel computes it.
    Value gamma = op.getGamma(), beta = op.getBeta();
    Value scale = perChannel(b, {rstd, gamma}, emptyLike(b, gamma),
                             [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                               return arith::MulFOp::create(nb, a[0], a[1]);
                             });
    Value shift = perChannel(b, {beta, mean, scale}, emptyLike(b, beta),
                             [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                               return arith::SubFOp::create(nb, a[0], arith::MulFOp::create(nb, a[1], a[2]));
                             });
    Value y = generic(b, {x, scale, shift}, emptyLike(b, x),
                      {identity(b, rank), channel(b, rank), channel(b, rank), identity(b, rank)},
                      iterators(rank, utils::IteratorType::parallel),
                      [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        return arith::AddFOp::create(nb, arith::MulFOp::create(nb, a[0], a[1]), a[2]);
                      });
    if (!training)
      return {y, runningMean, runningVar};
    // running = momentum * batch + (1 - momentum) * running, written in place of the
    // running statistics; the variance unbiased (divided by M - 1).
    double momentum = op.getMomentum().convertToDouble();
    Value m = floatConst(b, element, momentum), keep = floatConst(b, element, 1.0 - momentum);
    Value unbiasedCount = floatConst(b, element, perChannelCount(x) - 1.0);
    Value newMean = perChannel(b, {mean}, runningMean, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
      return arith::AddFOp::create(nb, arith::MulFOp::create(nb, m, a[0]),
                                   arith::MulFOp::create(nb, keep, a[1]));
    });
    Value newVar = perChannel(b, {squares}, runningVar, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
      Value unbiased = arith::DivFOp::create(nb, a[0], unbiasedCount);
      return arith::AddFOp::create(nb, arith::MulFOp::create(nb, m, unbiased),
                                   arith::MulFOp::create(nb, keep, a[1]));
    });
    return {y, newMean, newVar};
  }
  static SmallVector<Value> lower(ImplicitLocOpBuilder &b, BatchNormGradOp op) {
    Value x = op.getInput(), gamma = op.getGamma(), dy = op.getOutputGrad();
    int64_t rank = rankedType(x).getRank();
    Type element = rankedType(x).getElementType();
    bool training = op.getTraining();
    auto [mean, rstd] = normalization(b, x, op.getRunningMean(), op.getRunningVar(),
                                      op.getEps().convertToDouble(), training);
    AffineMap id = identity(b, rank), ch = channel(b, rank);
    auto xhatOf = [](ImplicitLocOpBuilder &nb, Value xv, Value m, Value r) -> Value {
      return arith::MulFOp::create(nb, arith::SubFOp::create(nb, xv, m), r);
    };
    // d beta = sum dy; d gamma = sum dy * xhat (per channel).
    Value dbeta = channelSums(b, {dy}, {id}, x, [](ImplicitLocOpBuilder &, ValueRange a) { return a[0]; });
    Value dgamma = channelSums(b, {dy, x, mean, rstd}, {id, id, ch, ch}, x,
                               [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                                 return arith::MulFOp::create(nb, a[0], xhatOf(nb, a[1], a[2], a[3]));
                               });
    Value dx;
    if (!training) {
      // dx = dy * gamma * rstd.
      dx = generic(b, {dy, gamma, rstd}, emptyLike(b, x), {id, ch, ch, id},
                   iterators(rank, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::MulFOp::create(nb, arith::MulFOp::create(nb, a[0], a[1]), a[2]);
                   });
    } else {
      // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma; the channel
      // means of g and g * xhat are gamma * d beta / M and gamma * d gamma / M.
      Value count = floatConst(b, element, perChannelCount(x));
      dx = generic(b, {dy, x, gamma, mean, rstd, dbeta, dgamma}, emptyLike(b, x),
                   {id, id, ch, ch, ch, ch, ch, id}, iterators(rank, utils::IteratorType::parallel),
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value g = arith::MulFOp::create(nb, a[0], a[2]);
                     Value xhat = xhatOf(nb, a[1], a[3], a[4]);
                     Value meanG = arith::DivFOp::create(nb, arith::MulFOp::create(nb, a[2], a[5]), count);
                     Value meanGX = arith::DivFOp::create(nb, arith::MulFOp::create(nb, a[2], a[6]), count);
                     Value inner = arith::SubFOp::create(nb, arith::SubFOp::create(nb, g, meanG),
                                                         arith::MulFOp::create(nb, xhat, meanGX));
                     return arith::MulFOp::create(nb, a[4], inner);
                   });
    }
    return {dx, dgamma, dbeta};
  }
  static Value lower(ImplicitLocOpBuilder &b, ReluGradOp op) {
    Type element = rankedType(op.getInput()).getElementType();
    int64_t rank = rankedType(op.getInput()).getRank();
    return generic(b, {op.getInput(), op.getResultGrad()}, emptyLike(b, op.getInput()),
                   {identity(b, rank), identity(b, rank), identity(b, rank)},
                   iterators(rank, utils::IteratorType::parallel),
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value zero = floatConst(nb, element, 0.0);
                     Value positive = arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, a[0], zero);
                     return arith::SelectOp::create(nb, positive, a[1], zero);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, SumOp op) {
    int64_t rank = rankedType(op.getInput()).getRank();
    Value init = filled(b, tensor::EmptyOp::create(b, ArrayRef<int64_t>{},
                                                   rankedType(op.getResult()).getElementType()),
                        0.0);
    return generic(b, {op.getInput()}, init, {identity(b, rank), toScalar(b, rank)},
                   iterators(rank, utils::IteratorType::reduction),
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a[1], a[0]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, BroadcastOp op) {
    auto type = rankedType(op.getResult());
    int64_t rank = type.getRank();
    // Dynamic result sizes have no source here; the verifier-valid uses are static.
    Value init = emptyOf(b, type, [&](int64_t) -> Value { return Value(); });
    return generic(b, {op.getInput()}, init, {toScalar(b, rank), identity(b, rank)},
                   iterators(rank, utils::IteratorType::parallel),
                   [](ImplicitLocOpBuilder &, ValueRange a) -> Value { return a[0]; });
  }
  static Value lower(ImplicitLocOpBuilder &b, SumLeadingOp op) {
    int64_t rank = rankedType(op.getInput()).getRank();
    Value init = filled(b, emptyOf(b, rankedType(op.getResult()), [&](int64_t) {
                          return dim(b, op.getInput(), rank - 1);
                        }), 0.0);
    SmallVector<utils::IteratorType> kinds = iterators(rank, utils::IteratorType::reduction);
    kinds.back() = utils::IteratorType::parallel;
    return generic(b, {op.getInput()}, init, {identity(b, rank), lastDim(b, rank)}, kinds,
                   [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     return arith::AddFOp::create(nb, a[1], a[0]);
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, MseOp op) {
    auto type = rankedType(op.getPrediction());
    int64_t rank = type.getRank();
    Type element = type.getElementType();
    Value init = filled(b, tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, element), 0.0);
    Value sum = generic(b, {op.getPrediction(), op.getTarget()}, init,
                        {identity(b, rank), identity(b, rank), toScalar(b, rank)},
                        iterators(rank, utils::IteratorType::reduction),
                        [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                          Value d = arith::SubFOp::create(nb, a[0], a[1]);
                          return arith::AddFOp::create(nb, a[2], arith::MulFOp::create(nb, d, d));
                        });
    Value n = arith::UIToFPOp::create(b, element,
                                      arith::IndexCastOp::create(b, b.getI64Type(), numElements(b, op.getPrediction())));
    Value mean = arith::DivFOp::create(b, extractScalar(b, sum), n);
    return tensor::FromElementsOp::create(b, op.getResult().getType(), ValueRange{mean});
  }

  /// Row maxima and sums of exp(x - max) of [N, C] logits: the stable log-sum-exp parts.
  static std::pair<Value, Value> softmaxRows(ImplicitLocOpBuilder &b, Value logits) {
    Type element = rankedType(logits).getElementType();
    auto rowType = RankedTensorType::get({rankedType(logits).getDimSize(0)}, element);
    auto rows = [&](int64_t) { return dim(b, logits, 0); };
    SmallVector<utils::IteratorType> kinds = {utils::IteratorType::parallel,
                                              utils::IteratorType::reduction};
    Value maxInit = filled(b, emptyOf(b, rowType, rows), -std::numeric_limits<double>::infinity());
    Value rowMax = generic(b, {logits}, maxInit, {identity(b, 2), firstDim(b, 2)}, kinds,
                           [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(nb, a[1], a[0]);
                           });
    Value sumInit = filled(b, emptyOf(b, rowType, rows), 0.0);
    Value sumExp = generic(b, {logits, rowMax}, sumInit,
                           {identity(b, 2), firstDim(b, 2), firstDim(b, 2)}, kinds,
                           [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                             Value e = math::ExpOp::create(nb, arith::SubFOp::create(nb, a[0], a[1]));
                             return arith::AddFOp::create(nb, a[2], e);
                           });
    return {rowMax, sumExp};
  }
  /// 1 / N for reduction "mean", 1 for "sum", as a scalar of `element`.
  static Value reductionScale(ImplicitLocOpBuilder &b, Value logits, StringRef reduction,
                              Type element) {
    if (reduction == "sum")
      return floatConst(b, element, 1.0);
    Value n = arith::UIToFPOp::create(b, element,
                                      arith::IndexCastOp::create(b, b.getI64Type(), dim(b, logits, 0)));
    return arith::DivFOp::create(b, floatConst(b, element, 1.0), n);
  }
  static Value lower(ImplicitLocOpBuilder &b, SoftmaxCrossEntropyOp op) {
    Value logits = op.getLogits();
    Type element = rankedType(logits).getElementType();
    auto [rowMax, sumExp] = softmaxRows(b, logits);
    // sum_i log(sumexp_i) + max_i - logits[i, label_i], reading the label's logit directly.
    Value init = filled(b, tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, element), 0.0);
    Value total = generic(
        b, {rowMax, sumExp, op.getLabels()}, init,
        {identity(b, 1), identity(b, 1), identity(b, 1), toScalar(b, 1)},
        {utils::IteratorType::reduction}, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
          Value row = linalg::IndexOp::create(nb, 0);
          Value label = arith::IndexCastOp::create(nb, nb.getIndexType(), a[2]);
          Value picked = tensor::ExtractOp::create(nb, logits, ValueRange{row, label});
          Value lse = arith::AddFOp::create(nb, math::LogOp::create(nb, a[1]), a[0]);
          return arith::AddFOp::create(nb, a[3], arith::SubFOp::create(nb, lse, picked));
        });
    Value loss = arith::MulFOp::create(b, extractScalar(b, total),
                                       reductionScale(b, logits, op.getReduction(), element));
    return tensor::FromElementsOp::create(b, op.getResult().getType(), ValueRange{loss});
  }
  static Value lower(ImplicitLocOpBuilder &b, CountCorrectOp op) {
    Value logits = op.getLogits();
    Type element = rankedType(logits).getElementType();
    auto rows = [&](int64_t) { return dim(b, logits, 0); };
    int64_t n = rankedType(logits).getDimSize(0);
    // Per row, the maximum and the first column holding it (strictly greater replaces),
    // as torch.argmax.
    Value best = filled(b, emptyOf(b, RankedTensorType::get({n}, element), rows),
                        -std::numeric_limits<double>::infinity());
    Value argInit = linalg::FillOp::create(
                        b, ValueRange{arith::ConstantOp::create(b, b.getI64IntegerAttr(0))},
                        ValueRange{emptyOf(b, RankedTensorType::get({n}, b.getI64Type()), rows)})
                        .getResult(0);
    auto argmax = linalg::GenericOp::create(
        b, TypeRange{best.getType(), argInit.getType()}, ValueRange{logits},
        ValueRange{best, argInit},
        ArrayRef<AffineMap>{identity(b, 2), firstDim(b, 2), firstDim(b, 2)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &nested, Location loc, ValueRange a) {
          ImplicitLocOpBuilder nb(loc, nested);
          Value column = arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 1));
          Value better = arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, a[0], a[1]);
          linalg::YieldOp::create(nb, ValueRange{arith::SelectOp::create(nb, better, a[0], a[1]),
                                                 arith::SelectOp::create(nb, better, column, a[2])});
        });
    Value zero = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
    Value init = linalg::FillOp::create(
                     b, ValueRange{zero},
                     ValueRange{tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, b.getI64Type())})
                     .getResult(0);
    return generic(b, {argmax.getResult(1), op.getLabels()}, init,
                   {identity(b, 1), identity(b, 1), toScalar(b, 1)},
                   {utils::IteratorType::reduction},
                   [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                     Value label = a[1].getType().isInteger(64)
                                       ? a[1]
                                       : arith::ExtSIOp::create(nb, nb.getI64Type(), a[1]).getResult();
                     Value right = arith::CmpIOp::create(nb, arith::CmpIPredicate::eq, a[0], label);
                     return arith::AddIOp::create(nb, a[2], arith::ExtUIOp::create(nb, nb.getI64Type(), right));
                   });
  }
  static Value lower(ImplicitLocOpBuilder &b, SoftmaxCrossEntropyGradOp op) {
    Value logits = op.getLogits();
    Type element = rankedType(logits).getElementType();
    auto [rowMax, sumExp] = softmaxRows(b, logits);
    Value scale = arith::MulFOp::create(b, extractScalar(b, op.getLossGrad()),
                                        reductionScale(b, logits, op.getReduction(), element));
    return generic(
        b, {logits, rowMax, sumExp, op.getLabels()}, emptyLike(b, logits),
        {identity(b, 2), firstDim(b, 2), firstDim(b, 2), firstDim(b, 2), identity(b, 2)},
        iterators(2, utils::IteratorType::parallel),
        [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
          Value p = arith::DivFOp::create(
              nb, math::ExpOp::create(nb, arith::SubFOp::create(nb, a[0], a[1])), a[2]);
          Value column = arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 1));
          Value label = a[3].getType().isInteger(64)
                            ? a[3]
                            : arith::ExtSIOp::create(nb, nb.getI64Type(), a[3]).getResult();
          Value isLabel = arith::CmpIOp::create(nb, arith::CmpIPredicate::eq, column, label);
          Value onehot = arith::SelectOp::create(nb, isLabel, floatConst(nb, element, 1.0),
                                                 floatConst(nb, element, 0.0));
          return arith::MulFOp::create(nb, arith::SubFOp::create(nb, p, onehot), scale);
        });
  }
};

} // namespace

void kiln::populateLayersToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LayerLowering<MatmulOp>, LayerLowering<TransposeOp>, LayerLowering<BiasAddOp>,
               LayerLowering<ReluOp>, LayerLowering<ReluGradOp>, LayerLowering<SumOp>,
               LayerLowering<BroadcastOp>, LayerLowering<SumLeadingOp>, LayerLowering<MseOp>,
               LayerLowering<SoftmaxCrossEntropyOp>, LayerLowering<CountCorrectOp>,
               LayerLowering<SigmoidOp>, LayerLowering<GeluOp>, LayerLowering<LeakyReluOp>,
               LayerLowering<LogSoftmaxOp>, LayerLowering<LogSoftmaxGradOp>,
               LayerLowering<DropoutOp>, LayerLowering<LayerNormOp>, LayerLowering<LayerNormGradOp>,
               LayerLowering<SoftmaxCrossEntropyGradOp>, LayerLowering<SoftmaxOp>,
               LayerLowering<SoftmaxGradOp>, LayerLowering<AddOp>, LayerLowering<MulOp>,
               LayerLowering<ReduceToShapeOp>, LayerLowering<BatchMatmulOp>,
               LayerLowering<BatchNormOp>, LayerLowering<BatchNormGradOp>>(patterns.getContext());
}
