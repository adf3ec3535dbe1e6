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
  // expected-error @+1 {{attribute 'lr' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
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

func.func @clip_negative_delta(%g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'max_delta' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
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
  // expected-error @+1 {{factor must be finite}}
  %0 = kiln.scale %u {factor = 0x7FF0000000000000 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @schedule_zero_steps(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'transition_steps' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = kiln.linear_schedule %t {init_value = 0.0 : f64, end_value = 1.0 : f64, transition_steps = 0 : i64}
  return %0 : tensor<f32>
}

// -----

func.func @warmup_longer_than_decay(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{warmup_steps (100) must be smaller than decay_steps (50)}}
  %0 = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0 : f64,
      warmup_steps = 100 : i64, decay_steps = 50 : i64}
  return %0 : tensor<f32>
}

// -----

func.func @uba_negative_phi(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'phi' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
  %0 = kiln.uba_schedule %t {max_value = 1.0 : f64, min_value = 0.0 : f64, total_steps = 10 : i64, phi = -1.0 : f64}
  return %0 : tensor<f32>
}

// -----

func.func @schedule_count_type(%t: tensor<i32>) -> tensor<f32> {
  // expected-error @+1 {{operand #0 must be 0D tensor of 64-bit signless integer values}}
  %0 = "kiln.step_decay_schedule"(%t) {init_value = 0.1 : f64, step_size = 3 : i64, gamma = 0.5 : f64} : (tensor<i32>) -> tensor<f32>
  return %0 : tensor<f32>
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

func.func @matmul_contraction(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{contraction sizes differ}}
  %c = kiln.matmul %a, %b : tensor<4x3xf32>, tensor<4x5xf32> -> tensor<4x5xf32>
  return %c : tensor<4x5xf32>
}

// -----

func.func @bias_width(%x: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{bias of 4 elements for rows of 3}}
  %y = kiln.bias_add %x, %b : tensor<4x3xf32>, tensor<4xf32>
  return %y : tensor<4x3xf32>
}

// -----

func.func @ce_rows(%l: tensor<4x3xf32>, %y: tensor<5xi64>) -> tensor<f32> {
  // expected-error @+1 {{has 4 rows of logits but 5 labels}}
  %c = kiln.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<5xi64> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

func.func @ce_reduction(%l: tensor<4x3xf32>, %y: tensor<4xi64>) -> tensor<f32> {
  // expected-error @+1 {{reduction must be "mean" or "sum", not "max"}}
  %c = kiln.softmax_cross_entropy %l, %y {reduction = "max"} : tensor<4x3xf32>, tensor<4xi64> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

func.func @mixed_elements(%a: tensor<4x3xf32>, %b: tensor<3x2xf64>) -> tensor<4x2xf32> {
  // expected-error @+1 {{mixes element types 'f32' and 'f64'}}
  %c = kiln.matmul %a, %b : tensor<4x3xf32>, tensor<3x2xf64> -> tensor<4x2xf32>
  return %c : tensor<4x2xf32>
}

// -----

func.func @dropout_everything(%x: tensor<4xf32>, %k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'rate' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1)}}
  %y, %k1 = kiln.dropout %x key(%k) {rate = 1.0 : f64} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @log_softmax_rank(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{takes [N, C] rows}}
  %y = kiln.log_softmax %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @data_field(%x: tensor<4xf32> {kiln.data = "pixels"}) -> tensor<4xf32> {
  // expected-error @-1 {{argument #0: 'kiln.data' must be "images", "labels", "val_images" or "val_labels", not "pixels"}}
  return %x : tensor<4xf32>
}

// -----

func.func @layer_norm_width(%x: tensor<4x6xf32>, %g: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{gamma has 5 elements for rows of 6}}
  %y = kiln.layer_norm %x, %g, %b : tensor<4x6xf32>, tensor<5xf32>
  return %y : tensor<4x6xf32>
}

// -----

func.func @conv_wrong_output(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x8x8xf32> {
  // expected-error @+1 {{output 'tensor<2x4x8x8xf32>' should be [2, 4, 6, 6]}}
  %y = kiln.conv2d %x, %w : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// -----

func.func @conv_groups_do_not_divide(%x: tensor<2x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{groups = 2 must divide the 3 input and 4 output channels}}
  %y = kiln.conv2d %x, %w {groups = 2} : tensor<2x3x8x8xf32>, tensor<4x1x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_filter_channels(%x: tensor<2x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{filter has 4 input channels, expected 2 (channels / groups)}}
  %y = kiln.conv2d %x, %w {groups = 2} : tensor<2x4x8x8xf32>, tensor<4x4x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_zero_stride(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{strides and dilations of at least 1}}
  %y = kiln.conv2d %x, %w {stride = array<i64: 0, 1>} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_window_too_large(%x: tensor<2x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x1x1xf32> {
  // expected-error @+1 {{window 3x3 (dilated) is larger than the 2x2 padded input}}
  %y = kiln.conv2d %x, %w : tensor<2x3x2x2xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x1x1xf32>
  return %y : tensor<2x4x1x1xf32>
}

// -----

func.func @conv_dynamic(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  // expected-error @+1 {{works on NCHW tensors of static shape}}
  %y = kiln.conv2d %x, %w : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<?x4x6x6xf32>
  return %y : tensor<?x4x6x6xf32>
}

// -----

func.func @conv_stride_arity(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{attribute 'stride' failed to satisfy constraint}}
  %y = kiln.conv2d %x, %w {stride = array<i64: 1, 1, 1>} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @pool_padding_over_half(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x5x5xf32> {
  // expected-error @+1 {{padding must be at most half the window, as in PyTorch}}
  %y = kiln.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 2>} : tensor<2x3x8x8xf32> -> tensor<2x3x5x5xf32>
  return %y : tensor<2x3x5x5xf32>
}

// -----

func.func @pool_wrong_output(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32> {
  // expected-error @+1 {{output 'tensor<2x3x8x8xf32>' should be [2, 3, 4, 4]}}
  %y = kiln.avg_pool2d %x {kernel = array<i64: 2, 2>} : tensor<2x3x8x8xf32> -> tensor<2x3x8x8xf32>
  return %y : tensor<2x3x8x8xf32>
}

// -----

func.func @global_pool_shape(%x: tensor<2x3x8x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{pools a static [N, C, H, W] tensor to [N, C]}}
  %y = kiln.global_avg_pool %x : tensor<2x3x8x8xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @channel_bias_length(%x: tensor<2x3x8x8xf32>, %b: tensor<4xf32>) -> tensor<2x3x8x8xf32> {
  // expected-error @+1 {{has 4 values for 3 channels}}
  %y = kiln.channel_bias %x, %b : tensor<2x3x8x8xf32>, tensor<4xf32>
  return %y : tensor<2x3x8x8xf32>
}

// -----

func.func @unknown_kernel(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{unknown kernel "median_pool2d"}}
  %y = kiln.kernel_call "median_pool2d" ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1] -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @kernel_shape_mismatch(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+1 {{operand #1 of shape 'tensor<1x1x3x3xf32>' does not match the geometry}}
  %y = kiln.kernel_call "avg_pool2d" ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x3x3xf32>)
      params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1] -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

func.func @kernel_arity(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel "conv2d" takes 2 inputs and 1 output}}
  %y = kiln.kernel_call "conv2d" ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1] -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @softmax_rank(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+1 {{takes [N, C] rows}}
  %y = kiln.softmax %x : tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

func.func @softmax_grad_rank(%y: tensor<6xf32>, %dy: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{takes [N, C] rows}}
  %dx = kiln.softmax_grad %y, %dy : tensor<6xf32>
  return %dx : tensor<6xf32>
}

// -----

func.func @add_no_broadcast(%a: tensor<4x3xf32>, %b: tensor<2xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{shapes [4, 3] and [2] do not broadcast}}
  %z = kiln.add %a, %b : tensor<4x3xf32>, tensor<2xf32> -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

func.func @add_wrong_result(%a: tensor<4x1xf32>, %b: tensor<3xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{result 'tensor<4x1xf32>' should have the broadcast shape [4, 3] of [4, 1] and [3]}}
  %z = kiln.add %a, %b : tensor<4x1xf32>, tensor<3xf32> -> tensor<4x1xf32>
  return %z : tensor<4x1xf32>
}

// -----

func.func @mul_dynamic(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{works on tensors of static shape, not 'tensor<?x3xf32>'}}
  %z = kiln.mul %a, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
  return %z : tensor<?x3xf32>
}

// -----

func.func @mul_element_types(%a: tensor<4x3xf32>, %b: tensor<3xf64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{mixes element types 'f32' and 'f64'}}
  %z = kiln.mul %a, %b : tensor<4x3xf32>, tensor<3xf64> -> tensor<4x3xf32>
  return %z : tensor<4x3xf32>
}

// -----

func.func @reduce_to_wider(%x: tensor<4x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{cannot sum [4, 3] to [2]: the target shape must broadcast to the input's}}
  %y = kiln.reduce_to_shape %x : tensor<4x3xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @reduce_to_higher_rank(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{cannot sum [3] to [2, 3]}}
  %y = kiln.reduce_to_shape %x : tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @batch_matmul_batches(%a: tensor<2x3x4xf32>, %b: tensor<3x4x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{batch sizes differ}}
  %c = kiln.batch_matmul %a, %b : tensor<2x3x4xf32>, tensor<3x4x5xf32> -> tensor<2x3x5xf32>
  return %c : tensor<2x3x5xf32>
}

// -----

func.func @batch_matmul_contraction(%a: tensor<2x3x4xf32>, %b: tensor<2x5x5xf32>) -> tensor<2x3x5xf32> {
  // expected-error @+1 {{contraction sizes differ}}
  %c = kiln.batch_matmul %a, %b : tensor<2x3x4xf32>, tensor<2x5x5xf32> -> tensor<2x3x5xf32>
  return %c : tensor<2x3x5xf32>
}

// -----

func.func @batch_matmul_rank(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  // expected-error @+1 {{takes and returns batches of matrices (rank 3)}}
  %c = kiln.batch_matmul %a, %b : tensor<3x4xf32>, tensor<4x5xf32> -> tensor<3x5xf32>
  return %c : tensor<3x5xf32>
}

// -----

func.func @transpose_batch_leading(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @+1 {{transposes the last two dimensions of a matrix or batch of matrices}}
  %t = kiln.transpose %x : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  return %t : tensor<3x2x4xf32>
}

// -----

func.func @batch_norm_channels(%x: tensor<2x4x3x3xf32>, %g: tensor<3xf32>) -> tensor<2x4x3x3xf32> {
  // expected-error @+1 {{has 3 values per channel vector for 4 channels}}
  %y:3 = kiln.batch_norm %x, %g, %g, %g, %g {training = true} : tensor<2x4x3x3xf32>, tensor<3xf32>
  return %y#0 : tensor<2x4x3x3xf32>
}

// -----

func.func @batch_norm_one_value_per_channel(%x: tensor<1x3x1x1xf32>, %g: tensor<3xf32>) -> tensor<1x3x1x1xf32> {
  // expected-error @+1 {{needs more than one value per channel in training mode}}
  %y:3 = kiln.batch_norm %x, %g, %g, %g, %g {training = true} : tensor<1x3x1x1xf32>, tensor<3xf32>
  return %y#0 : tensor<1x3x1x1xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<8xf32>, %g: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{normalizes [N, C] or [N, C, ...] tensors with C-element gamma}}
  %y:3 = kiln.batch_norm %x, %g, %g, %g, %g {training = false} : tensor<8xf32>, tensor<8xf32>
  return %y#0 : tensor<8xf32>
}

// -----

func.func @batch_norm_momentum(%x: tensor<4x3xf32>, %g: tensor<3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{attribute 'momentum' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1]}}
  %y:3 = kiln.batch_norm %x, %g, %g, %g, %g {momentum = 1.5 : f64, training = true} : tensor<4x3xf32>, tensor<3xf32>
  return %y#0 : tensor<4x3xf32>
}

// -----

func.func @batch_norm_mode(%x: tensor<4x3xf32>, %g: tensor<3xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{requires attribute 'training'}}
  %y:3 = kiln.batch_norm %x, %g, %g, %g, %g : tensor<4x3xf32>, tensor<3xf32>
  return %y#0 : tensor<4x3xf32>
}

// -----

func.func @batch_norm_grad_dynamic(%x: tensor<?x3xf32>, %g: tensor<3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{works on tensors of static shape}}
  %d:3 = kiln.batch_norm_grad %x, %g, %g, %g, %x {training = true} : tensor<?x3xf32>, tensor<3xf32>
  return %d#0 : tensor<?x3xf32>
}

// -----

func.func @uniform_inverted_range(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{needs finite low <= high, got [1.000000e+00, 0.000000e+00)}}
  %x, %k1 = kiln.random_uniform %k {low = 1.0 : f64, high = 0.0 : f64} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @normal_negative_stddev(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'stddev' failed to satisfy constraint}}
  %x, %k1 = kiln.random_normal %k {stddev = -1.0 : f64} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scaling_mode(%k: tensor<i64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{mode must be "fan_in", "fan_out" or "fan_avg", not "fan_sum"}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_sum", distribution = "uniform"} : tensor<4x3xf32>
  return %x : tensor<4x3xf32>
}

// -----

func.func @scaling_rank(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{needs distinct in_axis and out_axis within a shape of rank >= 2}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_in", distribution = "uniform"} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scaling_distribution(%k: tensor<i64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{distribution must be "uniform" or "normal", not "truncated_normal"}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_in", distribution = "truncated_normal"} : tensor<4x3xf32>
  return %x : tensor<4x3xf32>
}

// -----

func.func @random_dynamic(%k: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{needs a static shape}}
  %x, %k1 = kiln.random_uniform %k {low = 0.0 : f64, high = 1.0 : f64} : tensor<?xf32>
  return %x : tensor<?xf32>
}

// -----

func.func @frugal_density(%p: tensor<8x4xf32>, %m: tensor<8x4xf32>, %s: tensor<4xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'density' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1]}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 1.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_gap(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'update_gap' failed to satisfy constraint}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 0 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_rank(%p: tensor<8xf32>, %m: tensor<4xf32>, %s: tensor<4xi64>, %n: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{projection "columns" needs a matrix, not 'tensor<8xf32>'; biases and norms take plain AdamW (kiln.adamw), as in the reference}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi64>
  return %p1 : tensor<8xf32>
}

// -----

func.func @frugal_state_shape(%p: tensor<8x4xf32>, %m: tensor<8x4xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<8x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<8x4xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_projection(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{projection must be "columns", "rows", "coordinates" or "svd", not "randperm"}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "randperm",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_svd_rank(%p: tensor<8xf32>, %m: tensor<4xf32>, %s: tensor<4xf32>, %n: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{projection "svd" needs a matrix, not 'tensor<8xf32>'; biases and norms take plain AdamW (kiln.adamw), as in the reference}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %p1 : tensor<8xf32>
}

// -----

/// A wide matrix is projected on the left: P is [rows, r] = [4, 2], the state [r, cols].
func.func @frugal_svd_projector_shape(%p: tensor<4x8xf32>, %m: tensor<2x8xf32>, %s: tensor<2x4xf32>, %n: tensor<i64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{subspace (the projector) must be 'tensor<4x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<2x4xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<4x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x4xf32>
  return %p1 : tensor<4x8xf32>
}

// -----

/// The projector is a matrix of the parameter's element type, not indices.
func.func @frugal_svd_projector_type(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2x4xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{subspace (the projector) must be 'tensor<2x4xf32>' (k = 2 for density 5.000000e-01), not 'tensor<2x4xi64>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2x4xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

/// r = round(5 * 0.5) = 2 (half to even, as Python's round), so the state is [8, 2].
func.func @frugal_svd_rank_rounding(%p: tensor<8x5xf32>, %m: tensor<8x3xf32>, %s: tensor<3x5xf32>, %n: tensor<i64>) -> tensor<8x5xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<8x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<8x3xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x5xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<3x5xf32>
  return %p1 : tensor<8x5xf32>
}

// -----

func.func @frugal_blocks_density(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+3 {{attribute 'density' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1]}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 1.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_gap(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+3 {{attribute 'update_gap' failed to satisfy constraint}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 0 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_mirror(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{block_order must be "ascending", "descending" or "random", not "mirror" (the reference's "mirror" is not supported)}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "mirror",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

/// Sizes 10, 1, 10, 1 with k = 2: "ascending" only ever activates [0, 1] and [2, 3], so its
/// pool holds 11 elements, while "random" would need the two largest, 20.
func.func @frugal_blocks_pool(%a: tensor<2x5xf32>, %b: tensor<1xf32>, %c: tensor<10xf32>, %m: tensor<20xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<2x5xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<11xf32>' (k = 2 of 4 tensors for density 5.000000e-01, block_order "ascending"), not 'tensor<20xf32>'}}
  %p:4, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b, %c, %b) grads(%a, %b, %c, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<2x5xf32>, tensor<1xf32>, tensor<10xf32>, tensor<1xf32>), tensor<20xf32>, tensor<20xf32>, tensor<2xi64> grads(tensor<2x5xf32>, tensor<1xf32>, tensor<10xf32>, tensor<1xf32>)
  return %p#0 : tensor<2x5xf32>
}

// -----

func.func @frugal_blocks_grad_type(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %h: tensor<4xf64>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{gradient #1 must be 'tensor<4xf32>', not 'tensor<4xf64>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %h) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf64>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_active(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{active must be 'tensor<1xi64>' (k = 1 of 2 tensors for density 5.000000e-01, block_order "random"), not 'tensor<2xi64>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "random",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<2xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_momentum_second_moment(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg_sq (unused by momentum) must be 'tensor<0xf32>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "descending",
       state_full = "momentum", state_free = "sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_momentum_second_moment(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg_sq (unused by momentum) must be 'tensor<0xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "momentum", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_rules(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{state_free must be "sign_sgd" or "sgd", not "lion"}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "lion"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @edge_without_candidates(%alpha: tensor<0xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{an edge needs at least one candidate operation}}
  %y = "kiln.mixed"(%alpha) {ops = []} : (tensor<0xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @alpha_wrong_length(%alpha: tensor<3xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{alpha must be a [2] tensor, one entry per candidate, not 'tensor<3xf32>'}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect"]} : tensor<3xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @edge_operand_count(%alpha: tensor<3xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{has 1 candidate operands for 2 candidates other than "none"}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect", "max_pool_3x3"]} : tensor<3xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @edge_candidate_type(%alpha: tensor<2xf32>, %x: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{candidate of type 'tensor<5xf32>' does not match 'tensor<4xf32>'}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect"]} : tensor<2xf32>, [tensor<5xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A cell's edges form a DAG: a node that feeds itself is rejected by SSA dominance.
func.func @cell_with_cycle(%alpha: tensor<2xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operand #0 does not dominate this use}}
  %a = arith.addf %b, %x : tensor<4xf32>
  // expected-note @+1 {{operand defined here}}
  %b = kiln.mixed %alpha [%a] {ops = ["none", "skip_connect"]} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

func.func @architecture_negative_input() -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.architecture' op attribute 'input' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %a = kiln.architecture {input = -1 : i64} : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op method must be one of darts1, darts2, rarts, rarts_jacobi, not "darts3"}}
kiln.search_step @step(@search_loss) {method = "darts3", architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture argument 3 is out of range: @search_loss has 3 arguments}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 3>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture lists no argument: a search needs alphas}}
kiln.search_step @step(@search_loss) {architecture = array<i64>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32> {kiln.init = "zeros"},
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture argument 2 of @search_loss is data (kiln.data)}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 2>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32>, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op weight argument 0 of @search_loss needs a kiln.init: the step initialises it}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.init = "zeros"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op @search_loss has no data argument (kiln.data "images"/"labels")}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xi64>) -> tensor<f32>
// expected-error @+1 {{@search_loss argument 2 (a weight) must be an f32 tensor, not 'tensor<4xi64>'; data arguments carry kiln.data}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f64>
// expected-error @+1 {{'kiln.search_step' op @search_loss must return one tensor<f32>, the loss}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "val_images"}) -> tensor<f32>
// expected-error @+1 {{argument 2 is "val_images": the loss names one batch ("images", "labels"); the step adds split B's}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

// expected-error @+1 {{'kiln.search_step' op 'missing_loss' is not a function}}
kiln.search_step @step(@missing_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op lr_min (1.000000e-01) exceeds lr (1.000000e-02)}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, lr = 0.01 : f64, lr_min = 0.1 : f64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op attribute 'beta' failed to satisfy constraint: 64-bit float attribute whose value is non-negative}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, beta = -1.0 : f64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op arch_optimizer must be "adam" or "sgd", not "lamb"}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, arch_optimizer = "lamb"}

// -----

func.func @search_step_in_function() {
  // expected-error @+1 {{'kiln.search_step' op expects parent op 'builtin.module'}}
  kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}
  return
}
