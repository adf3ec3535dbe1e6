// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Transforms.td: Optax-style gradient transforms.

// CHECK-LABEL: func.func @optax_chain
// CHECK:         kiln.clip_by_global_norm %{{.*}}, %{{.*}} {max_norm = 5.000000e+00 : f64} : tensor<8xf32>, tensor<3xf32>
// CHECK:         kiln.clip %{{.*}} {max_delta = 1.000000e+00 : f64} : tensor<8xf32>
// CHECK:         kiln.scale_by_adam %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) : tensor<8xf32>
// CHECK:         kiln.add_decayed_weights %{{.*}}, %{{.*}} {weight_decay = 1.000000e-04 : f64} : tensor<8xf32>
// CHECK:         kiln.scale %{{.*}} by(%{{.*}}) {factor = -1.000000e+00 : f64} : tensor<8xf32>
// CHECK:         kiln.apply_updates %{{.*}}, %{{.*}} : tensor<8xf32>
func.func @optax_chain(%p: tensor<8xf32>, %g: tensor<8xf32>, %h: tensor<3xf32>, %m: tensor<8xf32>,
                       %v: tensor<8xf32>, %t: tensor<i64>, %lr: tensor<f32>) -> tensor<8xf32> {
  %c:2 = kiln.clip_by_global_norm %g, %h {max_norm = 5.0 : f64} : tensor<8xf32>, tensor<3xf32>
  %d = kiln.clip %c#0 {max_delta = 1.0 : f64} : tensor<8xf32>
  %u, %m1, %v1 = kiln.scale_by_adam %d, %m, %v step(%t) : tensor<8xf32>
  %w = kiln.add_decayed_weights %u, %p {weight_decay = 1.0e-4 : f64} : tensor<8xf32>
  %s = kiln.scale %w by(%lr) {factor = -1.0 : f64} : tensor<8xf32>
  %p1 = kiln.apply_updates %p, %s : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @clip_negative_delta(%g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'max_delta' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.clip %g {max_delta = -1.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @global_norm_no_operands() {
  // expected-error @+1 {{needs at least one tensor}}
  "kiln.clip_by_global_norm"() {max_norm = 1.0 : f64} : () -> ()
  return
}

// -----

func.func @global_norm_result_mismatch(%g: tensor<4xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{all of {updates, results} have same type}}
  %0 = "kiln.clip_by_global_norm"(%g) {max_norm = 1.0 : f64} : (tensor<4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

func.func @scale_by_adam_beta(%g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{attribute 'beta2' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %u, %m1, %v1 = kiln.scale_by_adam %g, %m, %v step(%t) {beta2 = 1.5 : f64} : tensor<4xf32>
  return
}

// -----

func.func @scale_infinite(%u: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'factor' failed to satisfy constraint: 64-bit float attribute whose value is finite}}
  %0 = kiln.scale %u {factor = 0x7FF0000000000000 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
