// SPDX-License-Identifier: Apache-2.0
// IR-building helpers shared by the kiln-to-linalg pattern files (private to this library).
#ifndef KILN_CONVERSION_KILNTOLINALG_BUILDERS_H
#define KILN_CONVERSION_KILNTOLINALG_BUILDERS_H

#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>

namespace kiln::detail {

using BodyFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins, mlir::ValueRange outs)>;

/// One parallel loop nest over the shape of `outs` that reads `ins` and overwrites `outs`
/// element by element. Outs that are the tensors being replaced let bufferization reuse
/// their buffers; pass a fresh tensor.empty for a new value.
llvm::SmallVector<mlir::Value> buildElementwise(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins,
                                                mlir::ValueRange outs, BodyFn body);

/// A tensor.empty shaped like `like` (dynamic sizes taken from it).
mlir::Value emptyLike(mlir::ImplicitLocOpBuilder &b, mlir::Value like);

/// Sum over every element of `tensor` of `term(element)`, accumulated in f64 (one pass),
/// starting from the rank-0 f64 tensor `init`; returns the new rank-0 accumulator.
mlir::Value
sumOverElements(mlir::ImplicitLocOpBuilder &b, mlir::Value tensor, mlir::Value init,
                llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::Value)> term);

/// The L2 norm of all of `tensors` together, as an f64 scalar: one pass over each,
/// accumulated in f64 (clip_by_global_norm, DiceSGD's error norm).
mlir::Value globalNorm64(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange tensors);

/// The element count of a ranked tensor, as an index.
mlir::Value numElements(mlir::ImplicitLocOpBuilder &b, mlir::Value tensor);

/// A rank-0 f64 tensor holding zero, to start sumOverElements.
mlir::Value zeroAccumulator(mlir::ImplicitLocOpBuilder &b);

mlir::Value f32(mlir::ImplicitLocOpBuilder &b, double v);
mlir::Value f64(mlir::ImplicitLocOpBuilder &b, double v);
mlir::Value toF32(mlir::ImplicitLocOpBuilder &b, mlir::Value v64);
mlir::Value extractScalar(mlir::ImplicitLocOpBuilder &b, mlir::Value rank0);

/// The learning rate as an f64 scalar: the attribute, or the rank-0 operand widened.
mlir::Value learningRate64(mlir::ImplicitLocOpBuilder &b, OptimizerUpdateOpInterface op);

/// x + alpha * y: PyTorch's `add(x, y, alpha=...)`.
mlir::Value addScaled(mlir::ImplicitLocOpBuilder &b, mlir::Value x, mlir::Value alpha,
                      mlir::Value y);

/// g + weight_decay * p, or g itself when there is no decay (PyTorch skips the add).
mlir::Value withL2Decay(mlir::ImplicitLocOpBuilder &b, mlir::Value g, mlir::Value p,
                        double weightDecay);

/// Square roots and divisions inside optimizer loops. Unless `exact`, they use the hardware
/// reciprocal and reciprocal-square-root estimates, refined by one Newton-Raphson step (the
/// "reciprocal-estimates" setting in Target/SharedLibrary.cpp): a few ulps from IEEE, well
/// within 1e-6 relative, and roughly twice the element rate of IEEE sqrt and division. Zeros,
/// infinities, denormals and NaN give what IEEE gives (Adam's update with v = inf is 0, as in
/// PyTorch): the estimates see only the operands they are exact enough for.
struct Numerics {
  bool exact = false;
  mlir::Value sqrt(mlir::ImplicitLocOpBuilder &b, mlir::Value x) const;
  /// x / y for any y.
  mlir::Value div(mlir::ImplicitLocOpBuilder &b, mlir::Value x, mlir::Value y) const;
  /// x / y where y is positive and normal, +inf or NaN: cheaper than div, since only +inf
  /// needs its IEEE result selected.
  mlir::Value divByPositive(mlir::ImplicitLocOpBuilder &b, mlir::Value x, mlir::Value y) const;
  /// x / y for a denominator known to be at least `atLeast` (a sqrt(...) + eps), or +inf or
  /// NaN: divByPositive when that bound is a positive normal number, else div.
  mlir::Value divAtLeast(mlir::ImplicitLocOpBuilder &b, mlir::Value x, mlir::Value y,
                         double atLeast) const;

  /// A divisor shared by every element of a loop (a bias correction), prepared outside it:
  /// with estimates allowed, its IEEE reciprocal, computed once, which the loop multiplies
  /// by (within an ulp of the quotient, and IEEE's result for 0, infinities and denormals).
  struct Divisor {
    mlir::Value value, reciprocal;
  };
  Divisor divisor(mlir::ImplicitLocOpBuilder &b, mlir::Value y) const;
  mlir::Value div(mlir::ImplicitLocOpBuilder &b, mlir::Value x, const Divisor &y) const;
};

/// The four words of Philox4x32-10 for counter {block, block >> 32, stream, 0} and a 64-bit
/// key: the same function as kiln::rt::philox4x32 (runtime/lib/core/Random.cpp).
std::array<mlir::Value, 4> philox4x32(mlir::ImplicitLocOpBuilder &b, mlir::Value block64,
                                      mlir::Value key64, uint32_t stream);

/// One linalg.generic writing `init` (a fresh tensor) with explicit maps and iterators;
/// `body` gets the builder and the block arguments and returns the yielded value.
mlir::Value
generic(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins, mlir::Value init,
        llvm::ArrayRef<mlir::AffineMap> maps, llvm::ArrayRef<mlir::utils::IteratorType> iterators,
        llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::ValueRange)> body);

/// torch.sign: -1, 0 or 1 (and NaN for NaN).
mlir::Value sign(mlir::ImplicitLocOpBuilder &b, mlir::Value x);

/// The ranked tensor type of `v`.
mlir::RankedTensorType rankedType(mlir::Value v);

/// A tensor.empty of `type` whose dynamic sizes come from `sizeOf(dim)`.
mlir::Value emptyOf(mlir::ImplicitLocOpBuilder &b, mlir::RankedTensorType type,
                    llvm::function_ref<mlir::Value(int64_t)> sizeOf);

/// `empty` filled with `value`.
mlir::Value filled(mlir::ImplicitLocOpBuilder &b, mlir::Value empty, double value);

/// The extent of dimension `d` of tensor `t`.
mlir::Value dim(mlir::ImplicitLocOpBuilder &b, mlir::Value t, int64_t d);

/// A scalar constant of float type `element`.
mlir::Value floatConst(mlir::ImplicitLocOpBuilder &b, mlir::Type element, double v);

/// Indexing maps of a rank-`rank` loop nest: all of it, none of it (a scalar), its last or
/// its first dimension.
mlir::AffineMap identity(mlir::ImplicitLocOpBuilder &b, int64_t rank);
mlir::AffineMap toScalar(mlir::ImplicitLocOpBuilder &b, int64_t rank);
mlir::AffineMap lastDim(mlir::ImplicitLocOpBuilder &b, int64_t rank);
mlir::AffineMap firstDim(mlir::ImplicitLocOpBuilder &b, int64_t rank);

/// `rank` iterators of one kind.
llvm::SmallVector<mlir::utils::IteratorType> iterators(int64_t rank,
                                                       mlir::utils::IteratorType kind);

/// The dimensions of a static shape left when those marked in `drop` (of size 1) are
/// folded into a neighbour, and the reassociation that folds them.
struct UnitDims {
  llvm::SmallVector<int64_t> kept, shape;
  llvm::SmallVector<mlir::ReassociationIndices> groups;
};
UnitDims unitDims(mlir::RankedTensorType type, llvm::ArrayRef<bool> drop);

/// A conversion pattern replacing each OpTy by the values one lowering function builds: the
/// kiln-to-linalg files write a function per op and register it with this.
template <typename OpTy> struct FunctionLowering : mlir::OpConversionPattern<OpTy> {
  using OneResult = mlir::Value (*)(mlir::ImplicitLocOpBuilder &, OpTy);
  using Results = llvm::SmallVector<mlir::Value> (*)(mlir::ImplicitLocOpBuilder &, OpTy);
  FunctionLowering(mlir::MLIRContext *ctx, OneResult lower)
      : mlir::OpConversionPattern<OpTy>(ctx), one(lower) {}
  FunctionLowering(mlir::MLIRContext *ctx, Results lower)
      : mlir::OpConversionPattern<OpTy>(ctx), many(lower) {}
  mlir::LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor,
                                      mlir::ConversionPatternRewriter &rewriter) const override {
    mlir::ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    if (one)
      rewriter.replaceOp(op, one(b, op));
    else
      rewriter.replaceOp(op, many(b, op));
    return mlir::success();
  }
  OneResult one = nullptr;
  Results many = nullptr;
};

/// Normal samples N(mean, stddev^2) of `type` (static) from Philox seed key + keyOffset,
/// `key` a rank-0 i64 tensor: the numbers of kiln.random_normal and the runtime's fillNormal,
/// drawn by the runtime's normal kernel (Random.cpp in this library).
mlir::Value philoxNormal(mlir::ImplicitLocOpBuilder &b, mlir::RankedTensorType type,
                         mlir::Value key, int64_t keyOffset, double mean, double stddev);

/// The rank-0 i64 key tensor plus `steps`, written into the key's own tensor.
mlir::Value advanceKey(mlir::ImplicitLocOpBuilder &b, mlir::Value key, int64_t steps);

} // namespace kiln::detail

#endif // KILN_CONVERSION_KILNTOLINALG_BUILDERS_H
