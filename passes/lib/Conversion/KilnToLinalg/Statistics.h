// SPDX-License-Identifier: Apache-2.0
// Row and channel statistics (sums, moments, softmax normalizers) that the kiln-to-linalg
// lowerings of forward ops and of their backward ops share (private to this library).
#ifndef KILN_CONVERSION_KILNTOLINALG_STATISTICS_H
#define KILN_CONVERSION_KILNTOLINALG_STATISTICS_H

#include "kiln/Enums/KilnEnums.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <utility>

namespace kiln::detail {

/// Per-row sums over the last dimension of a [N, D] tensor of term(elements...).
mlir::Value
rowSums(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins, llvm::ArrayRef<mlir::AffineMap> inMaps,
        mlir::Value like,
        llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::ValueRange)> term);

/// Per-row mean and 1 / sqrt(var + eps) of [N, D] rows.
std::pair<mlir::Value, mlir::Value> rowMoments(mlir::ImplicitLocOpBuilder &b, mlir::Value x,
                                               double eps);

/// The channel axis (1) of a rank-`rank` loop nest.
mlir::AffineMap channel(mlir::ImplicitLocOpBuilder &b, int64_t rank);

/// Per-channel sums of term(elements...) over an [N, C, ...] tensor shaped like `like`.
mlir::Value
channelSums(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins,
            llvm::ArrayRef<mlir::AffineMap> inMaps, mlir::Value like,
            llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::ValueRange)> term);

/// An element-wise map over [C] vectors into a fresh one (or into `into`, whose element
/// comes last in the body's arguments).
mlir::Value
perChannel(mlir::ImplicitLocOpBuilder &b, mlir::ValueRange ins, mlir::Value into,
           llvm::function_ref<mlir::Value(mlir::ImplicitLocOpBuilder &, mlir::ValueRange)> body);

/// 1 / sqrt(v), element-wise over a [C] vector.
mlir::Value rsqrt(mlir::ImplicitLocOpBuilder &b, mlir::Value v);

/// Elements per channel of an [N, C, ...] tensor.
double perChannelCount(mlir::Value x);

/// The batch's per-channel mean and sum of squared deviations.
std::pair<mlir::Value, mlir::Value> batchMoments(mlir::ImplicitLocOpBuilder &b, mlir::Value x);

/// The mean and 1 / sqrt(var + eps) a batch norm normalizes with: the batch's (biased
/// variance) in training mode, else the running statistics.
std::pair<mlir::Value, mlir::Value> normalization(mlir::ImplicitLocOpBuilder &b, mlir::Value x,
                                                  mlir::Value runningMean, mlir::Value runningVar,
                                                  double eps, bool training);

/// 1 / sqrt(var + eps) from the sums of squared deviations, var biased (divided by M).
mlir::Value batchRstd(mlir::ImplicitLocOpBuilder &b, mlir::Value x, mlir::Value squares,
                      double eps);

/// Row maxima and sums of exp(x - max) of [N, C] logits: the stable log-sum-exp parts.
std::pair<mlir::Value, mlir::Value> softmaxRows(mlir::ImplicitLocOpBuilder &b, mlir::Value logits);

/// 1 / N for reduction "mean", 1 for "sum", as a scalar of `element`.
mlir::Value reductionScale(mlir::ImplicitLocOpBuilder &b, mlir::Value logits,
                           kiln::LossReduction reduction, mlir::Type element);

} // namespace kiln::detail

#endif // KILN_CONVERSION_KILNTOLINALG_STATISTICS_H
