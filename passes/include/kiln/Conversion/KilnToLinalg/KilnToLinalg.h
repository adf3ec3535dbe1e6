// SPDX-License-Identifier: Apache-2.0
// Patterns that lower kiln ops to linalg on tensors.
#ifndef KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
#define KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H

#include "llvm/Support/LogicalResult.h"

namespace mlir {
class Operation;
class RewritePatternSet;
} // namespace mlir

namespace kiln {
/// Adds the patterns lowering every kiln op family to linalg/arith/math on tensors. With
/// `exactMath`, square roots and divisions in update loops are IEEE; otherwise they may use
/// refined hardware estimates (within 1e-6 relative).
void populateKilnToLinalgConversionPatterns(mlir::RewritePatternSet &patterns,
                                            bool exactMath = false);

/// Optimizer-update ops (kiln.sgd, kiln.momentum, kiln.adam, kiln.adamw, kiln.amsgrad, ...).
void populateOptimizerToLinalgPatterns(mlir::RewritePatternSet &patterns, bool exactMath);

/// Optax-style gradient transforms (kiln.clip, kiln.clip_by_global_norm, kiln.scale, ...).
void populateTransformsToLinalgPatterns(mlir::RewritePatternSet &patterns, bool exactMath);

/// Forward model ops (matmul, bias_add, relu, softmax, normalization, dropout, ...).
void populateLayersToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Losses (kiln.sum, kiln.mse, kiln.softmax_cross_entropy) and kiln.count_correct.
void populateLossesToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// The backward building blocks kiln-autodiff emits for the model ops and losses.
void populateBackwardToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Convolution and pooling (kiln_rt.kernel_call into the runtime), per-channel bias, global
/// pooling, and their backward building blocks.
void populateConvolutionToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Random initializers (Philox4x32-10 in compiled code, as the runtime's fills).
void populateRandomToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Architecture search: the mixed operation of a supernet edge and its gradient.
void populateSearchToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Learning-rate schedules on the step counter.
void populateSchedulesToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// The entropic OT regularizers (kiln.monge_gap, kiln.sinkhorn_divergence) and their
/// gradients: kiln_rt.kernel_call into the runtime's solver.
void populateRegularizersToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// The differential-privacy ops: per-sample norms and scalings, kiln.dp_aggregate and
/// kiln.dice_feedback (Privacy.cpp).
void populatePrivacyToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// The collectives (kiln.all_reduce, kiln.broadcast_from, kiln.all_gather): kiln_rt.kernel_call
/// into the runtime's communicator (Distributed.cpp). kiln.exchange_gradients is
/// kiln-data-parallel's to lower first.
void populateDistributedToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Fuses each regularizer's gradient op with the forward op it was made from (same
/// operands and attributes, earlier in the block) into one kernel call that returns the
/// value and the gradients, so that the step solves the problem once. Run before the
/// patterns; fails (with a diagnostic) where a fused call cannot be built.
llvm::LogicalResult fuseTransportGradients(mlir::Operation *root);
} // namespace kiln

#endif // KILN_CONVERSION_KILNTOLINALG_KILNTOLINALG_H
