// SPDX-License-Identifier: Apache-2.0
// Lowers the random initializers to one parallel loop each: element i computes its own
// Philox4x32-10 block from (i, stream) and the key, exactly as the runtime's fills do
// (runtime/lib/core/Random.cpp), so compiled and driver-side initialization agree bit for bit.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

constexpr uint32_t kUniformStream = 1, kNormalStream = 2; // Random.cpp's Stream values
constexpr double kTwoPi = 6.283185307179586476925286766559;

Value i64c(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantOp::create(b, b.getI64IntegerAttr(v));
}
Value f64c(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF64FloatAttr(v));
}

/// words[k] for a dynamic k in [0, words.size()).
Value pick(ImplicitLocOpBuilder &b, ArrayRef<Value> words, Value k) {
  Value chosen = words.back();
  for (int64_t i = int64_t(words.size()) - 2; i >= 0; --i) {
    Value is = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, k, i64c(b, i));
    chosen = arith::SelectOp::create(b, is, words[i], chosen);
  }
  return chosen;
}

/// Uniform in [0, 1) from two words with 53 bits (Random.cpp's unit53).
Value unit53(ImplicitLocOpBuilder &b, Value high32, Value low32) {
  auto i64 = b.getI64Type();
  Value bits = arith::OrIOp::create(
      b, arith::ShLIOp::create(b, arith::ExtUIOp::create(b, i64, high32), i64c(b, 32)),
      arith::ExtUIOp::create(b, i64, low32));
  Value top = arith::ShRUIOp::create(b, bits, i64c(b, 11));
  return arith::MulFOp::create(b, arith::UIToFPOp::create(b, b.getF64Type(), top),
                               f64c(b, 0x1p-53));
}

/// Random.cpp's belowHigh: `value` rounded to `element`, kept below hi when rounding hit it.
Value belowHigh(ImplicitLocOpBuilder &b, Value value, Type element, double lo, double hi) {
  Value rounded = element.isF32() ? arith::TruncFOp::create(b, element, value).getResult() : value;
  if (!(hi > lo))
    return rounded;
  double below = element.isF32() ? double(std::nextafter(float(hi), float(lo)))
                                 : std::nextafter(hi, lo);
  Value high = arith::ConstantOp::create(b, b.getFloatAttr(element, hi));
  Value hit = arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, rounded, high);
  return arith::SelectOp::create(b, hit, arith::ConstantOp::create(b, b.getFloatAttr(element, below)),
                                 rounded);
}

/// One parallel loop over `type` whose body gets the row-major index (i64) of its element.
Value generate(ImplicitLocOpBuilder &b, RankedTensorType type,
               function_ref<Value(ImplicitLocOpBuilder &, Value)> element) {
  int64_t rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  return linalg::GenericOp::create(
             b, TypeRange{type}, ValueRange{}, ValueRange{init},
             ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nested, Location loc, ValueRange) {
               ImplicitLocOpBuilder nb(loc, nested);
               Value linear = arith::ConstantIndexOp::create(nb, 0);
               for (int64_t d = 0; d < rank; ++d)
                 linear = arith::AddIOp::create(
                     nb, arith::MulIOp::create(nb, linear,
                                               arith::ConstantIndexOp::create(nb, type.getDimSize(d))),
                     linalg::IndexOp::create(nb, d));
               Value i = arith::IndexCastOp::create(nb, nb.getI64Type(), linear);
               linalg::YieldOp::create(nb, element(nb, i));
             })
      .getResult(0);
}

/// fillUniform(tensor, key, lo, hi). Its bounds are floats, so they are rounded to f32 first.
Value uniform(ImplicitLocOpBuilder &b, RankedTensorType type, Value key, double loIn, double hiIn) {
  double lo = float(loIn), hi = float(hiIn), width = hi - lo;
  Type element = type.getElementType();
  bool single = element.isF32();
  return generate(b, type, [&](ImplicitLocOpBuilder &nb, Value i) -> Value {
    int64_t perBlock = single ? 4 : 2;
    Value block = arith::DivUIOp::create(nb, i, i64c(nb, perBlock));
    Value k = arith::RemUIOp::create(nb, i, i64c(nb, perBlock));
    auto w = philox4x32(nb, block, key, kUniformStream);
    Value u;
    if (single) {
      Value word = arith::ShRUIOp::create(nb, pick(nb, w, k),
                                          arith::ConstantOp::create(nb, nb.getI32IntegerAttr(8)));
      u = arith::MulFOp::create(nb, arith::UIToFPOp::create(nb, nb.getF64Type(), word),
                                f64c(nb, 0x1p-24));
    } else {
      u = unit53(nb, pick(nb, {w[0], w[2]}, k), pick(nb, {w[1], w[3]}, k));
    }
    Value value = arith::AddFOp::create(nb, f64c(nb, lo), arith::MulFOp::create(nb, f64c(nb, width), u));
    return belowHigh(nb, value, element, lo, hi);
  });
}

/// fillNormal(tensor, key, mean, stddev), Box-Muller as in Random.cpp. One loop iteration
/// per Philox block: it draws the block once and turns each pair of its words into both
/// halves of a Box-Muller pair (cosine and sine share the radius and the angle), a quarter of
/// the Philox rounds and half the logarithms and trigonometry of one iteration per element.
/// A second loop interleaves the per-block results into the row-major tensor.
Value normal(ImplicitLocOpBuilder &b, RankedTensorType type, Value key, double meanIn,
             double stddevIn) {
  double mean = float(meanIn), stddev = float(stddevIn);
  Type element = type.getElementType();
  bool single = element.isF32();
  int64_t perBlock = single ? 4 : 2; // f32: two pairs of 32-bit words; f64: one of 64-bit
  int64_t n = type.getNumElements();
  int64_t blocks = (n + perBlock - 1) / perBlock;
  auto blockType = RankedTensorType::get({blocks}, element);
  SmallVector<Value> inits;
  SmallVector<AffineMap> maps;
  for (int64_t k = 0; k < perBlock; ++k) {
    inits.push_back(tensor::EmptyOp::create(b, blockType.getShape(), element));
    maps.push_back(b.getMultiDimIdentityMap(1));
  }
  auto perBlockValues = linalg::GenericOp::create(
      b, SmallVector<Type>(perBlock, blockType), ValueRange{}, inits, maps,
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
      [&](OpBuilder &nested, Location loc, ValueRange) {
        ImplicitLocOpBuilder nb(loc, nested);
        Value block = arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 0));
        auto w = philox4x32(nb, block, key, kNormalStream);
        SmallVector<Value> values;
        auto pair = [&](Value u1, Value u2) {
          Value radius = math::SqrtOp::create(
              nb, arith::MulFOp::create(nb, f64c(nb, -2.0), math::LogOp::create(nb, u1)));
          Value angle = arith::MulFOp::create(nb, f64c(nb, kTwoPi), u2);
          Value scaled = arith::MulFOp::create(nb, f64c(nb, stddev), radius);
          for (Value trig : {Value(math::CosOp::create(nb, angle)), Value(math::SinOp::create(nb, angle))}) {
            Value value = arith::AddFOp::create(nb, f64c(nb, mean), arith::MulFOp::create(nb, scaled, trig));
            values.push_back(single ? arith::TruncFOp::create(nb, element, value).getResult() : value);
          }
        };
        if (single) {
          auto open = [&](Value word) { // (word + 0.5) * 2^-32, in (0, 1)
            return arith::MulFOp::create(
                nb, arith::AddFOp::create(nb, arith::UIToFPOp::create(nb, nb.getF64Type(), word), f64c(nb, 0.5)),
                f64c(nb, 0x1p-32)).getResult();
          };
          for (int p = 0; p < 2; ++p) {
            Value u1 = open(w[2 * p]);
            pair(u1, open(w[2 * p + 1]));
          }
        } else {
          Value u1 = arith::SubFOp::create(nb, f64c(nb, 1.0), unit53(nb, w[0], w[1]));
          pair(u1, unit53(nb, w[2], w[3]));
        }
        linalg::YieldOp::create(nb, values);
      });
  // [blocks, perBlock][b, k] = value k of block b.
  auto tableType = RankedTensorType::get({blocks, perBlock}, element);
  AffineMap ofBlock = AffineMap::get(2, 0, {b.getAffineDimExpr(0)}, b.getContext());
  SmallVector<AffineMap> tableMaps(perBlock, ofBlock);
  tableMaps.push_back(b.getMultiDimIdentityMap(2));
  Value table = linalg::GenericOp::create(
      b, TypeRange{tableType}, perBlockValues.getResults(),
      ValueRange{tensor::EmptyOp::create(b, tableType.getShape(), element)}, tableMaps,
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
      [&](OpBuilder &nested, Location loc, ValueRange a) {
        ImplicitLocOpBuilder nb(loc, nested);
        Value k = arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 1));
        SmallVector<Value> words(a.drop_back());
        linalg::YieldOp::create(nb, pick(nb, words, k));
      }).getResult(0);
  Value flat = tensor::CollapseShapeOp::create(
      b, RankedTensorType::get({blocks * perBlock}, element), table,
      ArrayRef<ReassociationIndices>{{0, 1}});
  if (blocks * perBlock != n)
    flat = tensor::ExtractSliceOp::create(b, RankedTensorType::get({n}, element), flat,
                                          ValueRange{}, ValueRange{}, ValueRange{},
                                          b.getDenseI64ArrayAttr({0}), b.getDenseI64ArrayAttr({n}),
                                          b.getDenseI64ArrayAttr({1}));
  if (type.getRank() == 1)
    return flat;
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, type, flat, ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::ExpandShapeOp::create(b, type, flat, ArrayRef<ReassociationIndices>{all});
}

/// key + 1, written into the key's own tensor (as kiln.dropout does).
Value nextKey(ImplicitLocOpBuilder &b, Value key) { return kiln::detail::advanceKey(b, key, 1); }

} // namespace

Value kiln::detail::philoxNormal(ImplicitLocOpBuilder &b, RankedTensorType type, Value key,
                                 double mean, double stddev) {
  return normal(b, type, key, mean, stddev);
}

Value kiln::detail::advanceKey(ImplicitLocOpBuilder &b, Value key, int64_t steps) {
  Value one = i64c(b, steps);
  return linalg::GenericOp::create(
             b, TypeRange{key.getType()}, ValueRange{}, ValueRange{key},
             ArrayRef<AffineMap>{AffineMap::get(0, 0, b.getContext())},
             ArrayRef<utils::IteratorType>{},
             [&](OpBuilder &nested, Location loc, ValueRange a) {
               linalg::YieldOp::create(nested, loc,
                                       ValueRange{arith::AddIOp::create(nested, loc, a[0], one)});
             })
      .getResult(0);
}

namespace {

template <typename OpTy>
struct RandomLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto type = cast<RankedTensorType>(op.getResult().getType());
    Value key = extractScalar(b, op.getKey());
    rewriter.replaceOp(op, {lower(b, op, type, key), nextKey(b, op.getKey())});
    return success();
  }
  static Value lower(ImplicitLocOpBuilder &b, RandomUniformOp op, RankedTensorType t, Value key) {
    return uniform(b, t, key, op.getLow().convertToDouble(), op.getHigh().convertToDouble());
  }
  static Value lower(ImplicitLocOpBuilder &b, RandomNormalOp op, RankedTensorType t, Value key) {
    return normal(b, t, key, op.getMean().convertToDouble(), op.getStddev().convertToDouble());
  }
  static Value lower(ImplicitLocOpBuilder &b, VarianceScalingOp op, RankedTensorType t, Value key) {
    double spread = op.getSpread();
    return op.getDistribution() == InitDistribution::Uniform ? uniform(b, t, key, -spread, spread)
                                             : normal(b, t, key, 0.0, spread);
  }
};

} // namespace

void kiln::populateRandomToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RandomLowering<RandomUniformOp>, RandomLowering<RandomNormalOp>,
               RandomLowering<VarianceScalingOp>>(patterns.getContext());
}
