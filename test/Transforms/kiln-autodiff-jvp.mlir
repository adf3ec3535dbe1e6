// RUN: kiln-opt %s --kiln-autodiff --split-input-file -verify-diagnostics | FileCheck %s

/// Forward mode: the callee's body copied at the kiln.jvp, each op followed by its JVP rule.
/// matmul is multilinear (one copy per varying operand, summed), bias_add linear (the op on
/// the tangents), relu element-wise (its VJP rule, relu_grad, on the tangent); the batch x
/// is held fixed, so x w's tangent is x dw alone.
// CHECK-LABEL: func.func @jvp
// CHECK-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>, %[[TW:.*]]: tensor<4x3xf32>, %[[TB:.*]]: tensor<3xf32>)
// CHECK:         %[[H:.*]] = kiln.matmul %[[X]], %[[W]]
// CHECK:         %[[TH:.*]] = kiln.matmul %[[X]], %[[TW]]
// CHECK:         %[[Y:.*]] = kiln.bias_add %[[H]], %[[B]]
// CHECK:         %[[TY:.*]] = kiln.bias_add %[[TH]], %[[TB]]
// CHECK:         %[[A:.*]] = kiln.relu %[[Y]]
// CHECK:         %[[TA:.*]] = kiln.relu_grad %[[Y]], %[[TY]]
// CHECK:         return %[[A]], %[[TA]]
// CHECK-NOT:     kiln.jvp
func.func private @model(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %y = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %a = kiln.relu %y : tensor<8x3xf32>
  return %a : tensor<8x3xf32>
}
func.func @jvp(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %tw: tensor<4x3xf32>,
               %tb: tensor<3xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>) {
  %y, %t = kiln.jvp @model(%w, %b, %x) wrt [0, 1] tangents(%tw, %tb : tensor<4x3xf32>, tensor<3xf32>)
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>)
  return %y, %t : tensor<8x3xf32>, tensor<8x3xf32>
}

// -----

/// Both factors vary: d(a * a) = da * a + a * da; the quotient's rule reuses the forward
/// result; a bias without a tangent contributes zeros.
// CHECK-LABEL: func.func @products
// CHECK:         %[[SQ:.*]] = arith.mulf %[[A:.*]], %[[A]] : tensor<5xf64>
// CHECK:         %[[L:.*]] = arith.mulf %[[T:.*]], %[[A]] : tensor<5xf64>
// CHECK:         %[[R:.*]] = arith.mulf %[[A]], %[[T]] : tensor<5xf64>
// CHECK:         %[[TSQ:.*]] = arith.addf %[[L]], %[[R]] : tensor<5xf64>
// CHECK:         %[[Q:.*]] = arith.divf %[[SQ]], %[[C:.*]] : tensor<5xf64>
// CHECK:         %[[TQ:.*]] = arith.divf %[[TSQ]], %[[C]] : tensor<5xf64>
// CHECK:         %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<5xf64>
// CHECK:         arith.addf %[[TQ]], %[[ZERO]]
func.func private @f(%a: tensor<5xf64>, %c: tensor<5xf64>) -> tensor<5xf64> {
  %sq = arith.mulf %a, %a : tensor<5xf64>
  %q = arith.divf %sq, %c : tensor<5xf64>
  %r = arith.addf %q, %c : tensor<5xf64>
  return %r : tensor<5xf64>
}
func.func @products(%a: tensor<5xf64>, %c: tensor<5xf64>, %t: tensor<5xf64>) -> tensor<5xf64> {
  %y, %dy = kiln.jvp @f(%a, %c) wrt [0] tangents(%t : tensor<5xf64>)
      : (tensor<5xf64>, tensor<5xf64>) -> (tensor<5xf64>, tensor<5xf64>)
  return %dy : tensor<5xf64>
}

// -----

/// Reverse over forward: the gradient of a function that contains a JVP differentiates the
/// ops the JVP rules built (relu_grad is linear in its cotangent).
// CHECK-LABEL: func.func private @directional_value_and_grad_0
// CHECK:         kiln.relu_grad %[[Z:.*]], %[[T:.*]]
// CHECK:         kiln.relu_grad %[[Z]], %{{.*}}
// CHECK-NOT:     kiln.jvp
func.func private @act(%x: tensor<6xf32>) -> tensor<6xf32> {
  %r = kiln.relu %x : tensor<6xf32>
  return %r : tensor<6xf32>
}
func.func private @directional(%x: tensor<6xf32>, %t: tensor<6xf32>) -> tensor<f32> {
  %y, %dy = kiln.jvp @act(%x) wrt [0] tangents(%t : tensor<6xf32>)
      : (tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>)
  %s = kiln.sum %dy : tensor<6xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @second(%x: tensor<6xf32>, %t: tensor<6xf32>) -> tensor<6xf32> {
  %g = kiln.grad @directional(%x, %t) wrt [0] : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  return %g : tensor<6xf32>
}

// -----

func.func private @pooled(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kiln-autodiff: no forward-mode (JVP) rule for 'kiln.max_pool2d' on the path from @pooled's arguments to its result}}
  %p = kiln.max_pool2d %x {kernel = array<i64: 2, 2>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x2xf32>
  return %p : tensor<1x1x2x2xf32>
}
func.func @no_rule(%x: tensor<1x1x4x4xf32>, %t: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // expected-note @+1 {{differentiated in forward mode here}}
  %y, %dy = kiln.jvp @pooled(%x) wrt [0] tangents(%t : tensor<1x1x4x4xf32>)
      : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>)
  return %dy : tensor<1x1x2x2xf32>
}
