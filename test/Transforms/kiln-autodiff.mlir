// RUN: kiln-opt %s --kiln-autodiff --split-input-file -verify-diagnostics | FileCheck %s

/// A linear layer with ReLU: the backward sweep runs the VJP rules in reverse order.
// CHECK-LABEL: func.func private @loss_value_and_grad_0_1
// CHECK-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>)
// CHECK:         %[[H:.*]] = kiln.matmul %[[X]], %[[W]]
// CHECK:         %[[Y:.*]] = kiln.bias_add %[[H]], %[[B]]
// CHECK:         %[[A:.*]] = kiln.relu %[[Y]]
// CHECK:         %[[L:.*]] = kiln.sum %[[A]]
// CHECK:         %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[DA:.*]] = kiln.broadcast %[[ONE]] : tensor<f32> -> tensor<8x3xf32>
// CHECK:         %[[DY:.*]] = kiln.relu_grad %[[Y]], %[[DA]]
// CHECK:         %[[DB:.*]] = kiln.sum_leading %[[DY]] : tensor<8x3xf32> -> tensor<3xf32>
// CHECK:         %[[WT:.*]] = kiln.transpose %[[W]]
// CHECK:         kiln.matmul %[[DY]], %[[WT]]
// CHECK:         %[[XT:.*]] = kiln.transpose %[[X]]
// CHECK:         %[[DW:.*]] = kiln.matmul %[[XT]], %[[DY]]
// CHECK:         return %[[L]], %[[DW]], %[[DB]]
// CHECK-LABEL: func.func @step
// CHECK:         %[[R:.*]]:3 = call @loss_value_and_grad_0_1(%{{.*}}, %{{.*}}, %{{.*}})
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func private @loss(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %y = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %a = kiln.relu %y : tensor<8x3xf32>
  %l = kiln.sum %a : tensor<8x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @step(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>)
    -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>) {
  %l, %gw, %gb = kiln.value_and_grad @loss(%w, %b, %x) wrt [0, 1]
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>)
  return %l, %gw, %gb : tensor<f32>, tensor<4x3xf32>, tensor<3xf32>
}

// -----

/// x feeds two ops: its gradient is the sum of both cotangents. y never reaches the loss:
/// its gradient is zeros. kiln.grad drops the loss.
// CHECK-LABEL: func.func private @f_value_and_grad_0_1
// CHECK-SAME:    (%[[X:.*]]: tensor<5xf64>, %[[Y:.*]]: tensor<5xf64>)
// CHECK:         %[[SQ:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK:         kiln.sum %[[SQ]]
// CHECK:         %[[D1:.*]] = arith.mulf %{{.*}}, %[[X]]
// CHECK:         %[[D2:.*]] = arith.mulf %{{.*}}, %[[X]]
// CHECK:         %[[DX:.*]] = arith.addf %[[D1]], %[[D2]]
// CHECK:         %[[Z:.*]] = linalg.fill ins(%{{.*}} : f64) outs(%{{.*}} : tensor<5xf64>)
// CHECK:         return %{{.*}}, %[[DX]], %[[Z]]
// CHECK-LABEL: func.func @fanout
// CHECK:         %[[R:.*]]:3 = call @f_value_and_grad_0_1(
// CHECK:         return %[[R]]#1, %[[R]]#2
func.func private @f(%x: tensor<5xf64>, %y: tensor<5xf64>) -> tensor<f64> {
  %sq = arith.mulf %x, %x : tensor<5xf64>
  %s = kiln.sum %sq : tensor<5xf64> -> tensor<f64>
  return %s : tensor<f64>
}
func.func @fanout(%x: tensor<5xf64>, %y: tensor<5xf64>) -> (tensor<5xf64>, tensor<5xf64>) {
  %gx, %gy = kiln.grad @f(%x, %y) wrt [0, 1] : (tensor<5xf64>, tensor<5xf64>) -> (tensor<5xf64>, tensor<5xf64>)
  return %gx, %gy : tensor<5xf64>, tensor<5xf64>
}

// -----

func.func private @no_rule(%x: tensor<5xf32>) -> tensor<f32> {
  // expected-error @+1 {{kiln-autodiff: no VJP rule for 'math.sin' on the path from @no_rule's loss to its arguments}}
  %s = math.sin %x : tensor<5xf32>
  %l = kiln.sum %s : tensor<5xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @needs_sin(%x: tensor<5xf32>) -> tensor<5xf32> {
  %g = kiln.grad @no_rule(%x) wrt [0] : (tensor<5xf32>) -> tensor<5xf32>
  return %g : tensor<5xf32>
}

// -----

/// Only ops that depend on a wrt argument are differentiated: the batch may go through ops
/// without VJP rules (math.sin here, a crop) before it meets a parameter, as in JAX.
// CHECK-LABEL: func.func private @inactive_value_and_grad_0
// CHECK:         %[[S:.*]] = math.sin %{{.*}} : tensor<4x3xf32>
// CHECK:         %[[ST:.*]] = kiln.transpose %[[S]]
// CHECK:         %[[DW:.*]] = kiln.matmul %[[ST]], %{{.*}} : tensor<3x4xf32>, tensor<4x2xf32> -> tensor<3x2xf32>
// CHECK:         return %{{.*}}, %[[DW]]
func.func private @inactive(%w: tensor<3x2xf32>, %x: tensor<4x3xf32>) -> tensor<f32> {
  %s = math.sin %x : tensor<4x3xf32>
  %h = kiln.matmul %s, %w : tensor<4x3xf32>, tensor<3x2xf32> -> tensor<4x2xf32>
  %l = kiln.sum %h : tensor<4x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @batch_through_sin(%w: tensor<3x2xf32>, %x: tensor<4x3xf32>) -> (tensor<f32>, tensor<3x2xf32>) {
  %l, %g = kiln.value_and_grad @inactive(%w, %x) wrt [0] : (tensor<3x2xf32>, tensor<4x3xf32>) -> (tensor<f32>, tensor<3x2xf32>)
  return %l, %g : tensor<f32>, tensor<3x2xf32>
}

// -----

/// The gradient of a full sum broadcasts the cotangent to the input's shape, which must be
/// static (it was a crash of convert-kiln-to-linalg).
func.func private @dynamic_sum(%w: tensor<?x3xf32>) -> tensor<f32> {
  %a = kiln.relu %w : tensor<?x3xf32>
  // expected-error @+1 {{'kiln.sum' op needs a static shape to be differentiated}}
  %l = kiln.sum %a : tensor<?x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @grad_dynamic_sum(%w: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %g = kiln.grad @dynamic_sum(%w) wrt [0] : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %g : tensor<?x3xf32>
}
