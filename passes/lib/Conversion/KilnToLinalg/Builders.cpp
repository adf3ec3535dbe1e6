// SPDX-License-Identifier: Apache-2.0
// IR-building helpers shared by the kiln-to-linalg pattern files.
#include "Builders.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace kiln::detail {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

Value emptyOf(ImplicitLocOpBuilder &b, RankedTensorType type, function_ref<Value(int64_t)> sizeOf) {
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

UnitDims unitDims(RankedTensorType type, ArrayRef<bool> drop) {
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

SmallVector<Value> buildElementwise(ImplicitLocOpBuilder &b, ValueRange ins, ValueRange outs,
                                    BodyFn body) {
  auto type = cast<RankedTensorType>(outs.front().getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(ins.size() + outs.size(), b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic =
      linalg::GenericOp::create(b, b.getLoc(), TypeRange(outs), ins, outs, maps, iterators,
                                [&](OpBuilder &nested, Location loc, ValueRange args) {
                                  ImplicitLocOpBuilder nb(loc, nested);
                                  SmallVector<Value> yielded = body(nb, args.take_front(ins.size()),
                                                                    args.drop_front(ins.size()));
                                  linalg::YieldOp::create(nb, yielded);
                                });
  return SmallVector<Value>(generic.getResults());
}

Value emptyLike(ImplicitLocOpBuilder &b, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, like, d));
  return tensor::EmptyOp::create(b, type.getShape(), type.getElementType(), dynamicSizes);
}

Value numElements(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value n = arith::ConstantIndexOp::create(b, 1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    n = arith::MulIOp::create(b, n, tensor::DimOp::create(b, tensor, d));
  return n;
}

Value zeroAccumulator(ImplicitLocOpBuilder &b) {
  Value empty = tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, b.getF64Type());
  return linalg::FillOp::create(b, ValueRange{f64(b, 0.0)}, ValueRange{empty}).getResult(0);
}

Value globalNorm64(ImplicitLocOpBuilder &b, ValueRange tensors) {
  Value acc = zeroAccumulator(b);
  for (Value t : tensors)
    acc = sumOverElements(b, t, acc, [](ImplicitLocOpBuilder &nb, Value x) -> Value {
      Value wide = arith::ExtFOp::create(nb, nb.getF64Type(), x);
      return arith::MulFOp::create(nb, wide, wide);
    });
  return math::SqrtOp::create(b, extractScalar(b, acc));
}

Value sumOverElements(ImplicitLocOpBuilder &b, Value tensor, Value init,
                      function_ref<Value(ImplicitLocOpBuilder &, Value)> term) {
  int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, b.getLoc(), TypeRange{init.getType()}, ValueRange{tensor}, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder nb(loc, nested);
        // reassoc lets the back end keep several vector accumulators; in f64 the changed
        // summation order moves an f32-sized result by far less than an ulp.
        Value sum = arith::AddFOp::create(
            nb, args[1], term(nb, args[0]),
            arith::FastMathFlagsAttr::get(nb.getContext(), arith::FastMathFlags::reassoc));
        linalg::YieldOp::create(nb, sum);
      });
  return generic.getResult(0);
}

Value f32(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(static_cast<float>(v)));
}
Value f64(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF64FloatAttr(v));
}
Value toF32(ImplicitLocOpBuilder &b, Value v64) {
  return arith::TruncFOp::create(b, b.getF32Type(), v64);
}
Value extractScalar(ImplicitLocOpBuilder &b, Value rank0) {
  return tensor::ExtractOp::create(b, rank0, ValueRange{});
}

Value learningRate64(ImplicitLocOpBuilder &b, OptimizerUpdateOpInterface op) {
  if (std::optional<double> lr = op.getStaticLearningRate())
    return f64(b, *lr);
  return arith::ExtFOp::create(b, b.getF64Type(), extractScalar(b, op.getDynamicLearningRate()));
}

Value addScaled(ImplicitLocOpBuilder &b, Value x, Value alpha, Value y) {
  return arith::AddFOp::create(b, x, arith::MulFOp::create(b, alpha, y));
}

Value withL2Decay(ImplicitLocOpBuilder &b, Value g, Value p, double weightDecay) {
  if (weightDecay == 0.0)
    return g;
  return addScaled(b, g, f32(b, weightDecay), p);
}

// The hardware estimates (rsqrt and rcp, refined by one Newton step) are what LLVM emits for
// sqrt and 1/y only under `ninf`: it assumes no infinity reaches them, since x * rsqrt(x)
// maps +inf to NaN and a refined reciprocal of 0 or inf is NaN. An infinity is poison there,
// so the estimates only ever see finite (and, for the reciprocal, normal nonzero) operands,
// and the IEEE results of the special cases are selected around them. That costs a few
// compares and selects per element, far less than IEEE sqrt and division.
static arith::FastMathFlagsAttr estimated(ImplicitLocOpBuilder &b) {
  using F = arith::FastMathFlags;
  return arith::FastMathFlagsAttr::get(b.getContext(), F::afn | F::arcp | F::ninf);
}

static Value floatLike(ImplicitLocOpBuilder &b, Value like, double v) {
  return arith::ConstantOp::create(b, b.getFloatAttr(like.getType(), v));
}

Value Numerics::sqrt(ImplicitLocOpBuilder &b, Value x) const {
  if (exact)
    return math::SqrtOp::create(b, x);
  // +inf is estimated as sqrt(1) and selected back; NaN passes (ninf says nothing of NaN).
  // LLVM's expansion already maps 0 and denormals to 0.
  Value inf = floatLike(b, x, std::numeric_limits<double>::infinity());
  Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, inf);
  Value finite = arith::SelectOp::create(b, isInf, floatLike(b, x, 1.0), x);
  Value estimate = math::SqrtOp::create(b, finite, estimated(b));
  return arith::SelectOp::create(b, isInf, inf, estimate);
}

Value Numerics::divByPositive(ImplicitLocOpBuilder &b, Value x, Value y) const {
  if (exact)
    return arith::DivFOp::create(b, x, y);
  // x / +inf is x * 0 (0 for a finite x, NaN for an infinite one); the estimate sees 1 then.
  Value inf = floatLike(b, y, std::numeric_limits<double>::infinity());
  Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, y, inf);
  Value one = floatLike(b, y, 1.0);
  Value finite = arith::SelectOp::create(b, isInf, one, y);
  // The reciprocal is estimated and refined, then multiplied: LLVM's expansion of x / y
  // refines the quotient through the residual x - y * q, which rounds to 0 for a denormal x
  // and leaves the raw estimate (1e-4 relative) in place.
  Value reciprocal = arith::DivFOp::create(b, one, finite, estimated(b));
  Value quotient = arith::MulFOp::create(b, x, reciprocal);
  return arith::SelectOp::create(
      b, isInf, arith::MulFOp::create(b, x, floatLike(b, y, 0.0)), quotient);
}

Value Numerics::divAtLeast(ImplicitLocOpBuilder &b, Value x, Value y, double atLeast) const {
  const llvm::fltSemantics &semantics = cast<FloatType>(y.getType()).getFloatSemantics();
  if (atLeast >= APFloat::getSmallestNormalized(semantics).convertToDouble())
    return divByPositive(b, x, y);
  return div(b, x, y);
}

Numerics::Divisor Numerics::divisor(ImplicitLocOpBuilder &b, Value y) const {
  if (exact)
    return {y, Value()};
  return {y, arith::DivFOp::create(b, floatLike(b, y, 1.0), y)};
}

Value Numerics::div(ImplicitLocOpBuilder &b, Value x, const Divisor &y) const {
  if (exact)
    return arith::DivFOp::create(b, x, y.value);
  return arith::MulFOp::create(b, x, y.reciprocal);
}

Value Numerics::div(ImplicitLocOpBuilder &b, Value x, Value y) const {
  if (exact)
    return arith::DivFOp::create(b, x, y);
  // Any y: a tiny |y| (denormals included) is scaled by 2^64 into the normal range for the
  // estimate of 1 / y, and the reciprocal scaled back, exactly (powers of two).
  using P = arith::CmpFPredicate;
  Value magnitude = math::AbsFOp::create(b, y);
  Value zero = floatLike(b, y, 0.0), one = floatLike(b, y, 1.0);
  Value inf = floatLike(b, y, std::numeric_limits<double>::infinity());
  Value isZero = arith::CmpFOp::create(b, P::OEQ, magnitude, zero);
  Value isInf = arith::CmpFOp::create(b, P::OEQ, magnitude, inf);
  Value tiny = arith::CmpFOp::create(b, P::OLT, magnitude, floatLike(b, y, 0x1p-64));
  Value scale = arith::SelectOp::create(b, tiny, floatLike(b, y, 0x1p64), one);
  Value special = arith::OrIOp::create(b, isZero, isInf);
  Value operand = arith::SelectOp::create(b, special, one,
                                          arith::MulFOp::create(b, y, scale));
  Value reciprocal = arith::MulFOp::create(
      b, arith::DivFOp::create(b, one, operand, estimated(b)), scale);
  Value quotient = arith::MulFOp::create(b, x, reciprocal);
  // IEEE: x / +-inf is a signed zero (NaN for an infinite x), x / +-0 a signed infinity (NaN
  // for x = 0). The sign bit of y tells -0 from +0.
  auto bits = IntegerType::get(b.getContext(), y.getType().getIntOrFloatBitWidth());
  Value negative = arith::CmpIOp::create(b, arith::CmpIPredicate::slt,
                                         arith::BitcastOp::create(b, bits, y),
                                         arith::ConstantOp::create(b, IntegerAttr::get(bits, 0)));
  Value byInf = arith::MulFOp::create(
      b, x, arith::SelectOp::create(b, negative, floatLike(b, y, -0.0), zero));
  Value byZero = arith::MulFOp::create(
      b, x, arith::SelectOp::create(b, negative, floatLike(b, y, -INFINITY), inf));
  return arith::SelectOp::create(b, isInf, byInf,
                                 arith::SelectOp::create(b, isZero, byZero, quotient));
}

Value sign(ImplicitLocOpBuilder &b, Value x) {
  Value zero = f32(b, 0.0);
  Value positive = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, zero);
  Value negative = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, zero);
  Value nonPositive = arith::SelectOp::create(b, negative, f32(b, -1.0), x);
  return arith::SelectOp::create(b, positive, f32(b, 1.0), nonPositive);
}

std::array<Value, 4> philox4x32(ImplicitLocOpBuilder &b, Value block64, Value key64,
                                uint32_t stream) {
  auto i32 = b.getI32Type();
  auto c32 = [&](uint32_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(int32_t(v))).getResult();
  };
  Value shift = arith::ConstantOp::create(b, b.getI64IntegerAttr(32));
  auto low = [&](Value v) { return arith::TruncIOp::create(b, i32, v).getResult(); };
  auto high = [&](Value v) {
    return arith::TruncIOp::create(b, i32, arith::ShRUIOp::create(b, v, shift)).getResult();
  };
  Value x0 = low(block64), x1 = high(block64), x2 = c32(stream), x3 = c32(0);
  Value k0 = low(key64), k1 = high(key64);
  Value m0 = c32(0xD2511F53u), m1 = c32(0xCD9E8D57u);
  Value w0 = c32(0x9E3779B9u), w1 = c32(0xBB67AE85u);
  for (int round = 0; round < 10; ++round) {
    auto p0 = arith::MulUIExtendedOp::create(b, m0, x0);
    auto p1 = arith::MulUIExtendedOp::create(b, m1, x2);
    Value n0 = arith::XOrIOp::create(b, arith::XOrIOp::create(b, p1.getHigh(), x1), k0);
    Value n2 = arith::XOrIOp::create(b, arith::XOrIOp::create(b, p0.getHigh(), x3), k1);
    x0 = n0, x1 = p1.getLow(), x2 = n2, x3 = p0.getLow();
    k0 = arith::AddIOp::create(b, k0, w0);
    k1 = arith::AddIOp::create(b, k1, w1);
  }
  return {x0, x1, x2, x3};
}

Value generic(ImplicitLocOpBuilder &b, ValueRange ins, Value init, ArrayRef<AffineMap> maps,
              ArrayRef<utils::IteratorType> iterators,
              function_ref<Value(ImplicitLocOpBuilder &, ValueRange)> body) {
  return linalg::GenericOp::create(b, b.getLoc(), TypeRange{init.getType()}, ins, ValueRange{init},
                                   maps, iterators,
                                   [&](OpBuilder &nested, Location loc, ValueRange args) {
                                     ImplicitLocOpBuilder nb(loc, nested);
                                     linalg::YieldOp::create(nb, body(nb, args));
                                   })
      .getResult(0);
}

} // namespace kiln::detail
