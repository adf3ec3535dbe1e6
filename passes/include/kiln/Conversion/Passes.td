// SPDX-License-Identifier: Apache-2.0
// Conversion passes out of the kiln dialect.
#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToLinalgPass : Pass<"convert-kiln-to-linalg"> {
  let summary = "Lower kiln ops to linalg.generic on tensors";
  let description = [{
    Rewrites each kiln op into destination-passing linalg ops whose outputs are the tensors
    the op replaces (an optimizer writes into its parameter and state operands), so that
    one-shot bufferization can update them in place. Scalars shared by every element, such
    as Adam's bias corrections, are computed once outside the element-wise body.
  }];
  let options = [
    Option<"exactMath", "exact-math", "bool", "false",
           "IEEE square roots and divisions in update loops (default: refined hardware "
           "estimates, within 1e-6 relative)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::kiln::krt::KilnRTDialect"
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
