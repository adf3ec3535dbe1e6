// SPDX-License-Identifier: Apache-2.0
// Kiln interfaces attached as external models: VJP rules of upstream ops (arith and math
// on tensors) and the JVP rules of every op that has one.
#ifndef KILN_IR_EXTERNALMODELS_H
#define KILN_IR_EXTERNALMODELS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln {
/// Registers DifferentiableOpInterface for arith.addf/subf/mulf/divf/negf/select,
/// math.exp/log/tanh/erf, tensor.collapse_shape/expand_shape (flatten, reshape) and
/// tensor.concat, so kiln-autodiff differentiates programs that use them on tensors.
void registerDifferentiableExternalModels(mlir::DialectRegistry &registry);

/// Registers ForwardDifferentiableOpInterface (the JVP rules kiln.jvp uses) for the kiln
/// model ops and the upstream ops above that have one (dialects/lib/IR/ForwardMode.cpp).
void registerForwardModeModels(mlir::DialectRegistry &registry);
} // namespace kiln

#endif // KILN_IR_EXTERNALMODELS_H
