// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Autodiff.td: kiln.grad and kiln.value_and_grad.

// CHECK-LABEL: func.func private @loss
// CHECK-LABEL: func.func @gradients
// CHECK-SAME:    (%[[W:.*]]: tensor<4x3xf32>, %[[X:.*]]: tensor<8x4xf32>)
// CHECK:         kiln.value_and_grad @loss(%[[W]], %[[X]]) wrt [0, 1] : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>, tensor<8x4xf32>)
// CHECK:         kiln.grad @loss(%[[W]], %[[X]]) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<4x3xf32>
func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %s = kiln.sum %h : tensor<8x3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @gradients(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>) {
  %l, %gw, %gx = kiln.value_and_grad @loss(%w, %x) wrt [0, 1]
      : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>, tensor<8x4xf32>)
  %g = kiln.grad @loss(%w, %x) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<4x3xf32>
  return %l, %g : tensor<f32>, tensor<4x3xf32>
}

// -----

func.func private @loss_vec(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @loss_not_scalar(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{@loss_vec must return a rank-0 floating-point tensor, not 'tensor<4xf32>'}}
  %g = kiln.grad @loss_vec(%x) wrt [0] : (tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func private @l(%x: tensor<4xf32>, %y: tensor<4xi64>) -> tensor<f32> {
  %s = kiln.sum %x : tensor<4xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @wrt_integer(%x: tensor<4xf32>, %y: tensor<4xi64>) -> tensor<4xi64> {
  // expected-error @+1 {{cannot differentiate with respect to argument 1 of type 'tensor<4xi64>'}}
  %g = kiln.grad @l(%x, %y) wrt [1] : (tensor<4xf32>, tensor<4xi64>) -> tensor<4xi64>
  return %g : tensor<4xi64>
}

// -----

func.func private @l2(%x: tensor<4xf32>) -> tensor<f32> {
  %s = kiln.sum %x : tensor<4xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @wrt_out_of_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{wrt index 3 is out of range}}
  %g = kiln.grad @l2(%x) wrt [3] : (tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func @missing_callee(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'nowhere' is not a function}}
  %g = kiln.grad @nowhere(%x) wrt [0] : (tensor<4xf32>) -> tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func private @f(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

// CHECK-LABEL: func.func @jvp
// CHECK:         kiln.jvp @f(%{{.*}}, %{{.*}}) wrt [0] tangents(%{{.*}} : tensor<4x3xf32>) : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>)
func.func @jvp(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %t: tensor<4x3xf32>) -> tensor<8x3xf32> {
  %y, %dy = kiln.jvp @f(%w, %x) wrt [0] tangents(%t : tensor<4x3xf32>) : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>)
  return %dy : tensor<8x3xf32>
}

// -----

func.func private @f(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @jvp_tangent_type(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %t: tensor<8x4xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{tangent of argument 0 has type 'tensor<8x4xf32>', the argument 'tensor<4x3xf32>'}}
  %y, %dy = kiln.jvp @f(%w, %x) wrt [0] tangents(%t : tensor<8x4xf32>) : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>)
  return %dy : tensor<8x3xf32>
}

// -----

func.func private @f(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @jvp_count(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %t: tensor<4x3xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{has 1 tangents for 2 wrt arguments}}
  %y, %dy = kiln.jvp @f(%w, %x) wrt [0, 1] tangents(%t : tensor<4x3xf32>) : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<8x3xf32>, tensor<8x3xf32>)
  return %dy : tensor<8x3xf32>
}

// -----

func.func private @f(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @jvp_result(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %t: tensor<4x3xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{@f must return one value, of type 'tensor<8x4xf32>'}}
  %y, %dy = kiln.jvp @f(%w, %x) wrt [0] tangents(%t : tensor<4x3xf32>) : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>)
  return %dy : tensor<8x4xf32>
}
