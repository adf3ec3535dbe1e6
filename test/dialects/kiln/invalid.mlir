// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @negative_lr(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
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
  // expected-error @+1 {{attribute 'weight_decay' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
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
  // expected-error @+1 {{attribute 'eps' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
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

// expected-error @+1 {{argument #0: 'kiln.init' must be a string: zeros, ones, fill:V, normal[:STDDEV] or uniform[:BOUND], not "gaussian"}}
func.func @bad_init(%p: tensor<4xf32> {kiln.init = "gaussian"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{argument #0: 'kiln.init' must be a string: zeros, ones, fill:V, normal[:STDDEV] or uniform[:BOUND], not "normal:-1"}}
func.func @negative_stddev(%p: tensor<4xf32> {kiln.init = "normal:-1"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{unknown kiln argument attribute 'kiln.initial'}}
func.func @unknown_arg_attr(%p: tensor<4xf32> {kiln.initial = "zeros"}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}
