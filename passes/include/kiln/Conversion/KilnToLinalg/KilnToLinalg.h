// SPDX-License-Identifier: Apache-2.0
// Patterns that lower kiln ops to linalg on tensors.
#ifndef KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
#define KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace kiln {
/// Adds the patterns lowering every kiln op family to linalg/arith/math on tensors.
void populateKilnToLinalgConversionPatterns(mlir::RewritePatternSet &patterns);

/// Optimizer-update ops (kiln.sgd, kiln.momentum, kiln.adam, kiln.adamw).
void populateOptimizerToLinalgPatterns(mlir::RewritePatternSet &patterns);
} // namespace kiln

#endif // KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
