// SPDX-License-Identifier: Apache-2.0
// Kiln interfaces attached to upstream ops (VJP rules for arith and math on tensors).
#ifndef KILN_IR_EXTERNALMODELS_H
#define KILN_IR_EXTERNALMODELS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln {
/// Registers DifferentiableOpInterface for arith.addf/subf/mulf/divf/negf, math.exp/log/tanh
/// tensor.collapse_shape/expand_shape (flatten, reshape) and tensor.concat, so kiln-autodiff
/// differentiates programs that use them on tensors.
void registerDifferentiableExternalModels(mlir::DialectRegistry &registry);
} // namespace kiln

#endif // KILN_IR_EXTERNALMODELS_H
