// SPDX-License-Identifier: Apache-2.0
// Lowers the random initializers to one parallel loop each: element i computes its own
// Philox4x32-10 block from (i, stream) and the key, exactly as the runtime's fills do
// (runtime/lib/core/Random.cpp), so compiled and driver-side initialization agree bit for bit.
#include "Builders.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "kiln/RT/KilnRT.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

constexpr uint32_t kUniformStream = 1; // Random.cpp's Stream value

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

/// fillNormal(tensor, key + keyOffset, mean, stddev): a call of the runtime's normal kernel,
/// which is fillNormal itself, so the two agree bit for bit by construction. (Box-Muller's
/// logarithm, sine and cosine are most of a draw's cost; the runtime runs them as vector
/// code, kiln/runtime/BoxMuller.h, which generated loops would reach only through scalar
/// libm calls.)
Value normal(ImplicitLocOpBuilder &b, RankedTensorType type, Value keyTensor, int64_t keyOffset,
             double meanIn, double stddevIn) {
  // fillNormal takes floats, so the parameters are rounded to f32 first.
  double mean = float(meanIn), stddev = float(stddevIn);
  auto params = krt::NormalAttr::get(b.getContext(), type.getNumElements(), keyOffset,
                                     APFloat(mean), APFloat(stddev));
  Value init = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  return krt::KernelCallOp::create(b, TypeRange{type},
                                   krt::KernelAttr::get(b.getContext(), krt::Kernel::Normal),
                                   ValueRange{keyTensor}, ValueRange{init}, params)
      .getResult(0);
}

/// key + 1, written into the key's own tensor (as kiln.dropout does).
Value nextKey(ImplicitLocOpBuilder &b, Value key) { return kiln::detail::advanceKey(b, key, 1); }

} // namespace

Value kiln::detail::philoxNormal(ImplicitLocOpBuilder &b, RankedTensorType type, Value key,
                                 int64_t keyOffset, double mean, double stddev) {
  return normal(b, type, key, keyOffset, mean, stddev);
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
    rewriter.replaceOp(op, {lower(b, op, type, op.getKey()), nextKey(b, op.getKey())});
    return success();
  }
  static Value lower(ImplicitLocOpBuilder &b, RandomUniformOp op, RankedTensorType t, Value key) {
    return uniform(b, t, extractScalar(b, key), op.getLow().convertToDouble(),
                   op.getHigh().convertToDouble());
  }
  static Value lower(ImplicitLocOpBuilder &b, RandomNormalOp op, RankedTensorType t, Value key) {
    return normal(b, t, key, 0, op.getMean().convertToDouble(), op.getStddev().convertToDouble());
  }
  static Value lower(ImplicitLocOpBuilder &b, VarianceScalingOp op, RankedTensorType t, Value key) {
    double spread = op.getSpread();
    return op.getDistribution() == InitDistribution::Uniform
               ? uniform(b, t, extractScalar(b, key), -spread, spread)
               : normal(b, t, key, 0, 0.0, spread);
  }
};

} // namespace

void kiln::populateRandomToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RandomLowering<RandomUniformOp>, RandomLowering<RandomNormalOp>,
               RandomLowering<VarianceScalingOp>>(patterns.getContext());
}
