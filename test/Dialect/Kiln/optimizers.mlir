// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Optimizers.td: the optimizer updates.

// CHECK-LABEL: func.func @sgd_static_lr
// CHECK-SAME:    (%[[P:.*]]: tensor<4x3xf32>, %[[G:.*]]: tensor<4x3xf32>)
// CHECK:         kiln.sgd %[[P]], %[[G]] {lr = 1.000000e-01 : f64} : tensor<4x3xf32>
func.func @sgd_static_lr(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @sgd_dynamic_lr_weight_decay
// CHECK-SAME:    (%[[P:.*]]: tensor<?xf32>, %[[G:.*]]: tensor<?xf32>, %[[LR:.*]]: tensor<f32>)
// CHECK:         kiln.sgd %[[P]], %[[G]] lr(%[[LR]]) {weight_decay = 1.000000e-04 : f64} : tensor<?xf32>
func.func @sgd_dynamic_lr_weight_decay(%p: tensor<?xf32>, %g: tensor<?xf32>, %lr: tensor<f32>)
    -> tensor<?xf32> {
  %0 = kiln.sgd %p, %g lr(%lr) {weight_decay = 1.0e-4 : f64} : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @momentum_nesterov
// CHECK:         kiln.momentum %{{.*}}, %{{.*}}, %{{.*}} {lr = 2.500000e-02 : f64, momentum = 8.000000e-01 : f64, nesterov} : tensor<8xf32>
func.func @momentum_nesterov(%p: tensor<8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.025 : f64, momentum = 0.8 : f64, nesterov}
      : tensor<8xf32>
  return %p1, %b1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Default-valued attributes are not printed.
// CHECK-LABEL: func.func @momentum_defaults
// CHECK:         kiln.momentum %{{.*}}, %{{.*}}, %{{.*}} {lr = 1.000000e-01 : f64} : tensor<8xf32>
func.func @momentum_defaults(%p: tensor<8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.1 : f64, momentum = 0.9 : f64} : tensor<8xf32>
  return %p1, %b1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @adam
// CHECK-SAME:    (%[[P:.*]]: tensor<16x4xf32>, %[[G:.*]]: tensor<16x4xf32>, %[[M:.*]]: tensor<16x4xf32>, %[[V:.*]]: tensor<16x4xf32>, %[[T:.*]]: tensor<i64>)
// CHECK:         kiln.adam %[[P]], %[[G]], %[[M]], %[[V]] step(%[[T]]) {beta1 = 5.000000e-01 : f64, lr = 1.000000e-03 : f64} : tensor<16x4xf32>
func.func @adam(%p: tensor<16x4xf32>, %g: tensor<16x4xf32>, %m: tensor<16x4xf32>,
                %v: tensor<16x4xf32>, %t: tensor<i64>)
    -> (tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x4xf32>) {
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64, beta1 = 0.5 : f64}
      : tensor<16x4xf32>
  return %p1, %m1, %v1 : tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x4xf32>
}

// -----

// CHECK-LABEL: func.func @adamw_dynamic_lr
// CHECK:         kiln.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) lr(%{{.*}}) {eps = {{.*}} : f64, weight_decay = 1.000000e-01 : f64} : tensor<f32>
func.func @adamw_dynamic_lr(%p: tensor<f32>, %g: tensor<f32>, %m: tensor<f32>, %v: tensor<f32>,
                            %t: tensor<i64>, %lr: tensor<f32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) lr(%lr)
      {weight_decay = 0.1 : f64, eps = 1.0e-6 : f64} : tensor<f32>
  return %p1, %m1, %v1 : tensor<f32>, tensor<f32>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @more_optimizers
// CHECK:         kiln.amsgrad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) {decoupled_weight_decay, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} : tensor<8xf32>
// CHECK:         kiln.adagrad %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) {lr = 1.000000e-02 : f64, lr_decay = 1.000000e-03 : f64} : tensor<8xf32>
// CHECK:         kiln.adagrad %{{.*}}, %{{.*}}, %{{.*}} lr(%{{.*}}) : tensor<8xf32>
// CHECK:         kiln.rmsprop %{{.*}}, %{{.*}}, %{{.*}} {alpha = 9.000000e-01 : f64, lr = 1.000000e-02 : f64} : tensor<8xf32>
// CHECK:         kiln.lion %{{.*}}, %{{.*}}, %{{.*}} {lr = 1.000000e-04 : f64, weight_decay = 1.000000e-01 : f64} : tensor<8xf32>
// CHECK:         kiln.sign_sgd %{{.*}}, %{{.*}} {lr = 1.000000e-03 : f64, scaled} : tensor<8xf32>
func.func @more_optimizers(%p: tensor<8xf32>, %g: tensor<8xf32>, %a: tensor<8xf32>,
                           %b: tensor<8xf32>, %c: tensor<8xf32>, %t: tensor<i64>, %lr: tensor<f32>) {
  %0:4 = kiln.amsgrad %p, %g, %a, %b, %c step(%t)
      {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64, decoupled_weight_decay} : tensor<8xf32>
  %1:2 = kiln.adagrad %p, %g, %a step(%t) {lr = 0.01 : f64, lr_decay = 1.0e-3 : f64} : tensor<8xf32>
  %2:2 = kiln.adagrad %p, %g, %a lr(%lr) : tensor<8xf32>
  %3:2 = kiln.rmsprop %p, %g, %a {lr = 0.01 : f64, alpha = 0.9 : f64} : tensor<8xf32>
  %4:2 = kiln.lion %p, %g, %a {lr = 1.0e-4 : f64, weight_decay = 0.1 : f64} : tensor<8xf32>
  %5 = kiln.sign_sgd %p, %g {lr = 1.0e-3 : f64, scaled} : tensor<8xf32>
  return
}

// -----

func.func @negative_lr(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.sgd %p, %g {lr = -0.1 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @nan_lr(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint}}
  %0 = kiln.sgd %p, %g {lr = 0x7FF8000000000000 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @negative_weight_decay(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'weight_decay' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.sgd %p, %g {lr = 0.1 : f64, weight_decay = -1.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @missing_lr(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a learning rate: an 'lr' attribute or an lr(...) operand}}
  %0 = kiln.sgd %p, %g : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @two_lrs(%p: tensor<4xf32>, %g: tensor<4xf32>, %lr: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{has both an 'lr' attribute and an lr(...) operand; give one}}
  %0 = kiln.sgd %p, %g lr(%lr) {lr = 0.1 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @grad_shape_mismatch(%p: tensor<4xf32>, %g: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{all of {param, grad, new_param} have same type}}
  %0 = "kiln.sgd"(%p, %g) {lr = 0.1 : f64} : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @param_element_type(%p: tensor<4xf64>, %g: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

func.func @lr_not_scalar(%p: tensor<4xf32>, %g: tensor<4xf32>, %lr: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operand #2 must be 0D tensor of 32-bit float values}}
  %0 = "kiln.sgd"(%p, %g, %lr) : (tensor<4xf32>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @momentum_one(%p: tensor<4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'momentum' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.1 : f64, momentum = 1.0 : f64} : tensor<4xf32>
  return %p1, %b1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @nesterov_without_momentum(%p: tensor<4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{nesterov requires a positive momentum}}
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.1 : f64, momentum = 0.0 : f64, nesterov}
      : tensor<4xf32>
  return %p1, %b1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @momentum_buffer_mismatch(%p: tensor<4xf32>, %g: tensor<4xf32>, %b: tensor<2x2xf32>)
    -> (tensor<4xf32>, tensor<2x2xf32>) {
  // expected-error @+1 {{all of {param, grad, buf, new_param, new_buf} have same type}}
  %p1, %b1 = "kiln.momentum"(%p, %g, %b) {lr = 0.1 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>) -> (tensor<4xf32>, tensor<2x2xf32>)
  return %p1, %b1 : tensor<4xf32>, tensor<2x2xf32>
}

// -----

func.func @beta1_one(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                     %t: tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'beta1' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 0.1 : f64, beta1 = 1.0 : f64}
      : tensor<4xf32>
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @beta2_negative(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                          %t: tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'beta2' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) {lr = 0.1 : f64, beta2 = -0.5 : f64}
      : tensor<4xf32>
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @negative_eps(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                        %t: tensor<i64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'eps' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 0.1 : f64, eps = -1.0e-8 : f64}
      : tensor<4xf32>
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @adam_state_mismatch(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>,
                               %v: tensor<4xf16>, %t: tensor<i64>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf16>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 32-bit float values}}
  %p1, %m1, %v1 = "kiln.adam"(%p, %g, %m, %v, %t) {lr = 0.1 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf16>, tensor<i64>)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf16>)
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf16>
}

// -----

func.func @adam_step_type(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                          %t: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{operand #4 must be 0D tensor of 64-bit signless integer values}}
  %p1, %m1, %v1 = "kiln.adam"(%p, %g, %m, %v, %t) {lr = 0.1 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @adam_moment_shape(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>,
                             %v: tensor<8xf32>, %t: tensor<i64>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<8xf32>) {
  // expected-error @+1 {{all of {param, grad, m, v, new_param, new_m, new_v} have same type}}
  %p1, %m1, %v1 = "kiln.adam"(%p, %g, %m, %v, %t) {lr = 0.1 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>, tensor<i64>)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<8xf32>)
  return %p1, %m1, %v1 : tensor<4xf32>, tensor<4xf32>, tensor<8xf32>
}

// -----

func.func @adagrad_lr_decay_without_step(%p: tensor<4xf32>, %g: tensor<4xf32>, %s: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{lr_decay needs the step counter: add step(%t)}}
  %p1, %s1 = kiln.adagrad %p, %g, %s {lr = 0.1 : f64, lr_decay = 0.01 : f64} : tensor<4xf32>
  return %p1, %s1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @rmsprop_alpha_one(%p: tensor<4xf32>, %g: tensor<4xf32>, %s: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'alpha' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %p1, %s1 = kiln.rmsprop %p, %g, %s {lr = 0.1 : f64, alpha = 1.0 : f64} : tensor<4xf32>
  return %p1, %s1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @lion_negative_lr(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %p1, %m1 = kiln.lion %p, %g, %m {lr = -1.0e-4 : f64} : tensor<4xf32>
  return %p1, %m1 : tensor<4xf32>, tensor<4xf32>
}

// -----

func.func @amsgrad_vmax_shape(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>,
                              %v: tensor<4xf32>, %x: tensor<5xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{all of {param, grad, m, v, vmax, new_param, new_m, new_v, new_vmax} have same type}}
  %0:4 = "kiln.amsgrad"(%p, %g, %m, %v, %x, %t) {lr = 0.1 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<5xf32>, tensor<i64>)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<5xf32>)
  return
}

// -----

/// No hyperparameter is infinite (and NaN fails every range).
func.func @infinite_lr(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.sgd %p, %g {lr = 0x7FF0000000000000 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @nan_weight_decay(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'weight_decay' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.sgd %p, %g {lr = 0.1 : f64, weight_decay = 0x7FF8000000000000 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
