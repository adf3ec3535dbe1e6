// RUN: kiln-opt %s --kiln-specialize-batch=batch=16 --split-input-file -verify-diagnostics
// RUN: kiln-opt %S/Inputs/specialize-batch-undeclared.mlir --kiln-specialize-batch --split-input-file -verify-diagnostics

/// A batch size for a program written for one batch would be ignored: an error where the
/// batch is written.
func.func @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"},
                // expected-error@+1 {{batch 16: the program has no dynamic (batch) dimension; write the batch as ?}}
                %x: tensor<4x3xf32> {kiln.data = "images"},
                %y: tensor<4xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

/// Sizes given as operands no longer match the specialized type: the op's verifier says so.
func.func @f(%n: index) -> tensor<?xf32> {
  // expected-error@+1 {{incorrect number of dynamic sizes}}
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}
