// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Privacy.td (per-sample helpers, the Gaussian mechanism,
// DiceSGD's feedback) and of kiln.clipped_value_and_grad (Autodiff.td).

func.func private @loss(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %z = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func @privacy
// CHECK:         kiln.per_sample_sq_norm %{{.*}} : tensor<8x3xf32> -> tensor<8xf32>
// CHECK:         kiln.scale_samples %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<8xf32>
// CHECK:         kiln.per_sample_dot %{{.*}}, %{{.*}} : tensor<8x3xf32> -> tensor<8xf32>
// CHECK:         %[[L:.*]], %[[N:.*]], %[[G:.*]]:4 = kiln.clipped_value_and_grad @loss(%{{.*}}) wrt [0, 1] weights %{{.*}} : tensor<8xf32> {max_norm = 1.000000e+00 : f64, unclipped}
// CHECK:         kiln.dp_aggregate %[[G]]#0, %[[G]]#1 key(%{{.*}}) noise_multiplier(%{{.*}}) lot(%{{.*}}) {max_norm = 1.000000e+00 : f64} : tensor<4x3xf32>, tensor<3xf32>
// CHECK:         kiln.dice_feedback clipped(%[[G]]#0, %[[G]]#1) sums(%[[G]]#2, %[[G]]#3) errors(%{{.*}}, %{{.*}}) key(%{{.*}}) noise_multiplier(%{{.*}}) lot(%{{.*}}) {error_max_norm = 1.500000e+00 : f64, max_norm = 1.000000e+00 : f64} : tensor<4x3xf32>, tensor<3xf32>
// CHECK:         kiln.clipped_value_and_grad @loss(%{{.*}}) wrt [0] {loss_reduction = "sum", max_norm = 2.000000e+00 : f64}
func.func @privacy(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>,
                   %m: tensor<8xf32>, %d: tensor<8x3xf32>, %k: tensor<i64>, %ew: tensor<4x3xf32>,
                   %eb: tensor<3xf32>, %sigma: tensor<f32>, %lot: tensor<f32>) {
  %r = kiln.per_sample_sq_norm %d : tensor<8x3xf32> -> tensor<8xf32>
  %s = kiln.scale_samples %d, %r : tensor<8x3xf32>, tensor<8xf32>
  %dot = kiln.per_sample_dot %d, %s : tensor<8x3xf32> -> tensor<8xf32>
  %l, %n, %g:4 = kiln.clipped_value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1] weights %m : tensor<8xf32>
      {max_norm = 1.0 : f64, unclipped}
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>, tensor<8xi64>)
      -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
  %a:2, %k1 = kiln.dp_aggregate %g#0, %g#1 key(%k) noise_multiplier(%sigma) lot(%lot)
      {max_norm = 1.0 : f64} : tensor<4x3xf32>, tensor<3xf32>
  %u:2, %e:2, %k2 = kiln.dice_feedback clipped(%g#0, %g#1) sums(%g#2, %g#3) errors(%ew, %eb) key(%k1)
      noise_multiplier(%sigma) lot(%lot) {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64}
      : tensor<4x3xf32>, tensor<3xf32>
  %l2, %n2, %g2 = kiln.clipped_value_and_grad @loss(%w, %b, %x, %y) wrt [0]
      {max_norm = 2.0 : f64, loss_reduction = "sum"}
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>)
  return
}

// -----

func.func @sq_norm_rank(%d: tensor<8x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{reduces 'tensor<8x3xf32>' to one value per sample, not to 'tensor<3xf32>'}}
  %r = kiln.per_sample_sq_norm %d : tensor<8x3xf32> -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

func.func @dot_rank(%a: tensor<8x3xf32>, %b: tensor<8x3xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{reduces 'tensor<8x3xf32>' to one value per sample, not to 'tensor<4xf32>'}}
  %r = kiln.per_sample_dot %a, %b : tensor<8x3xf32> -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @scale_samples_count(%d: tensor<8x3xf32>, %w: tensor<7xf32>) -> tensor<8x3xf32> {
  // expected-error @+1 {{needs one weight per sample of 'tensor<8x3xf32>', not 'tensor<7xf32>'}}
  %s = kiln.scale_samples %d, %w : tensor<8x3xf32>, tensor<7xf32>
  return %s : tensor<8x3xf32>
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @noise_for_another_norm(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>, %k: tensor<i64>, %sigma: tensor<f32>, %lot: tensor<f32>) -> tensor<4x3xf32> {
  %l, %n, %g = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>)
  // expected-error @+1 {{max_norm 2.000000e+00 differs from the clipping norm of its gradients, 1.000000e+00: the noise must be calibrated to the sensitivity actually used}}
  %a, %k1 = kiln.dp_aggregate %g key(%k) noise_multiplier(%sigma) lot(%lot) {max_norm = 2.0 : f64} : tensor<4x3xf32>
  return %a : tensor<4x3xf32>
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @noise_on_unclipped(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>, %k: tensor<i64>, %sigma: tensor<f32>, %lot: tensor<f32>) -> tensor<4x3xf32> {
  %l, %n, %g:2 = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64, unclipped}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<4x3xf32>)
  // expected-error @+1 {{clipped sum operand 0 is not one of the clipped sums of kiln.clipped_value_and_grad}}
  %a, %k1 = kiln.dp_aggregate %g#1 key(%k) noise_multiplier(%sigma) lot(%lot) {max_norm = 1.0 : f64} : tensor<4x3xf32>
  return %a : tensor<4x3xf32>
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @dice_sums_swapped(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>, %k: tensor<i64>, %e: tensor<4x3xf32>, %sigma: tensor<f32>, %lot: tensor<f32>) -> tensor<4x3xf32> {
  %l, %n, %g:2 = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64, unclipped}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<4x3xf32>)
  // expected-error @+1 {{sum operand 0 is not one of the unclipped (`unclipped`) sums of kiln.clipped_value_and_grad}}
  %u, %e1, %k1 = kiln.dice_feedback clipped(%g#0) sums(%g#0) errors(%e) key(%k) noise_multiplier(%sigma) lot(%lot)
      {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64} : tensor<4x3xf32>
  return %u : tensor<4x3xf32>
}

// -----

func.func @dp_noise_type(%g: tensor<4x3xf32>, %k: tensor<i64>, %sigma: tensor<f64>, %lot: tensor<f32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{operand #2 must be 0D tensor of 32-bit float values}}
  %a, %k1 = "kiln.dp_aggregate"(%g, %k, %sigma, %lot) {max_norm = 1.0 : f64} : (tensor<4x3xf32>, tensor<i64>, tensor<f64>, tensor<f32>) -> (tensor<4x3xf32>, tensor<i64>)
  return %a : tensor<4x3xf32>
}

// -----

func.func @dp_bad_clip(%g: tensor<4x3xf32>, %k: tensor<i64>, %sigma: tensor<f32>, %lot: tensor<f32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{attribute 'max_norm' failed to satisfy constraint}}
  %a, %k1 = kiln.dp_aggregate %g key(%k) noise_multiplier(%sigma) lot(%lot) {max_norm = 0.0 : f64} : tensor<4x3xf32>
  return %a : tensor<4x3xf32>
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @clip_bad_weights(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>, %m: tensor<7xf32>) {
  // expected-error @+1 {{weights 'tensor<7xf32>' must be one per sample, as the norms 'tensor<8xf32>'}}
  %l, %n, %g = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] weights %m : tensor<7xf32> {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>)
  return
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @clip_missing_unclipped(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) {
  // expected-error @+1 {{has 2 gradient results for 1 wrt arguments}}
  %l, %n, %g:2 = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @clip_dynamic_norms(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) {
  // expected-error @+1 {{returns one norm per sample, a static [B] tensor, not 'tensor<?xf32>'}}
  %l, %n, %g = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<?xf32>, tensor<4x3xf32>)
  return
}
