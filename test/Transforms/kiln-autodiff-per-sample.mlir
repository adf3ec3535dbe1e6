// RUN: kiln-opt %s --kiln-autodiff --split-input-file --verify-diagnostics | FileCheck %s
// RUN: kiln-opt %s --kiln-autodiff --cse --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=CSE

// kiln.clipped_value_and_grad: one reverse sweep, then the ghost norms of each parameter's
// per-sample gradient (||a_i||^2 ||d_i||^2 for the weight, ||d_i||^2 for the bias), Opacus'
// clip factor times the sample weights, and the clipped sums as weighted contractions.
// Errors for what cannot be clipped per sample are located at the op.

func.func private @loss(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %z = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func.func private @loss_clipped_value_and_grad_0_1(
// CHECK-SAME:      %[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[X:.*]]: tensor<8x4xf32>, %[[Y:.*]]: tensor<8xi64>, %[[M:.*]]: tensor<8xf32>)
// CHECK-SAME:      -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
// CHECK:         %[[D:.*]] = kiln.softmax_cross_entropy_grad
// CHECK:         %[[RA:.*]] = kiln.per_sample_sq_norm %[[X]] : tensor<8x4xf32> -> tensor<8xf32>
// CHECK:         %[[RD:.*]] = kiln.per_sample_sq_norm %[[D]]
// CHECK:         kiln.mul %[[RA]], %[[RD]]
// CHECK:         kiln.per_sample_sq_norm %[[D]]
// CHECK:         %[[ROOT:.*]] = math.sqrt
// The loss is a mean over 8 samples: g_i is 8 times row i's contribution.
// CHECK:         %[[NORMS:.*]] = arith.mulf %[[ROOT]], %{{.*}} : tensor<8xf32>
// CHECK:         arith.addf %[[NORMS]]
// CHECK:         arith.divf
// CHECK:         arith.minimumf
// CHECK:         %[[F:.*]] = arith.mulf %{{.*}}, %[[M]] : tensor<8xf32>
// CHECK:         %[[C:.*]] = arith.mulf %[[F]], %{{.*}} : tensor<8xf32>
// CHECK:         %[[PLAIN:.*]] = arith.mulf %[[M]], %{{.*}} : tensor<8xf32>
// CHECK:         %[[SD:.*]] = kiln.scale_samples %[[D]], %[[C]]
// CHECK:         %[[XT:.*]] = kiln.transpose %[[X]]
// CHECK:         %[[GW:.*]] = kiln.matmul %[[XT]], %[[SD]]
// CHECK:         %[[SB:.*]] = kiln.scale_samples %[[D]], %[[C]]
// CHECK:         %[[GB:.*]] = kiln.sum_leading %[[SB]]
// CHECK:         kiln.scale_samples %[[D]], %[[PLAIN]]
// CHECK:         return %{{.*}}, %[[NORMS]], %[[GW]], %[[GB]], %{{.*}}, %{{.*}}
// CHECK-LABEL: func.func @step
// CHECK:         call @loss_clipped_value_and_grad_0_1(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
func.func @step(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>, %m: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>) {
  %l, %n, %g:4 = kiln.clipped_value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1] weights %m : tensor<8xf32>
      {max_norm = 1.0 : f64, unclipped}
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>, tensor<8xi64>)
      -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
  return %n, %g#0, %g#1, %g#2, %g#3 : tensor<8xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>
}

// -----

func.func private @shared(%w: tensor<4x4xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  // expected-error @+1 {{kiln.clipped_value_and_grad of @shared: argument 0 is used by 2 ops; a shared parameter has no per-sample gradient from one op, not supported yet}}
  %h2 = kiln.matmul %h, %w : tensor<8x4xf32>, tensor<4x4xf32> -> tensor<8x4xf32>
  %l = kiln.softmax_cross_entropy %h2, %y : tensor<8x4xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%w: tensor<4x4xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<4x4xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %g = kiln.clipped_value_and_grad @shared(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x4xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x4xf32>)
  return %g : tensor<4x4xf32>
}

// -----

func.func private @left(%w: tensor<8x8xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate argument 0 per sample: the parameter is kiln.matmul's left operand; per-sample gradients need the batch on the left (x @ W)}}
  %h = kiln.matmul %w, %x : tensor<8x8xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x4xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%w: tensor<8x8xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<8x8xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %g = kiln.clipped_value_and_grad @left(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<8x8xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<8x8xf32>)
  return %g : tensor<8x8xf32>
}

// -----

// A convolution's filter: every sample's filter gradient at once as the groups of one
// grouped backward-weights ([8, 2, 5, 5] folded into [1, 16, 5, 5], groups 2 x 8), its norm,
// and the clipped sum as the weighted sum of those same per-sample gradients (built twice by
// the rules, shared once CSE runs: no second backward-weights). The channel bias: per-sample
// channel sums the same way.

func.func private @conv(%f: tensor<4x1x3x3xf32>, %cb: tensor<4xf32>, %x: tensor<8x2x5x5xf32>) -> tensor<f32> {
  %c = kiln.conv2d %x, %f {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 2} : tensor<8x2x5x5xf32>, tensor<4x1x3x3xf32> -> tensor<8x4x3x3xf32>
  %z = kiln.channel_bias %c, %cb : tensor<8x4x3x3xf32>, tensor<4xf32>
  %s = kiln.sum %z : tensor<8x4x3x3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// CHECK-LABEL: func.func private @conv_clipped_value_and_grad_0_1(
// CHECK-SAME:      %[[F:.*]]: tensor<4x1x3x3xf32>, %[[CB:.*]]: tensor<4xf32>, %[[X:.*]]: tensor<8x2x5x5xf32>)
// CHECK:         %[[D:.*]] = kiln.broadcast
// CHECK:         %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2], [3]] : tensor<8x2x5x5xf32> into tensor<16x5x5xf32>
// CHECK:         %[[XG:.*]] = tensor.expand_shape %[[XC]] {{\[}}[0, 1], [2], [3]] output_shape [1, 16, 5, 5] : tensor<16x5x5xf32> into tensor<1x16x5x5xf32>
// CHECK:         %[[DC:.*]] = tensor.collapse_shape %[[D]] {{.*}} into tensor<32x3x3xf32>
// CHECK:         %[[DG:.*]] = tensor.expand_shape %[[DC]] {{.*}} into tensor<1x32x3x3xf32>
// CHECK:         %[[PF:.*]] = kiln.conv2d_grad_filter %[[XG]], %[[DG]] {groups = 16 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<1x16x5x5xf32>, tensor<1x32x3x3xf32> -> tensor<32x1x3x3xf32>
// CHECK:         %[[PS:.*]] = tensor.expand_shape %[[PF]] {{\[}}[0, 1], [2], [3], [4]] {{.*}} : tensor<32x1x3x3xf32> into tensor<8x4x1x3x3xf32>
// CHECK:         kiln.per_sample_sq_norm %[[PS]] : tensor<8x4x1x3x3xf32> -> tensor<8xf32>
// CHECK:         %[[BS:.*]] = kiln.channel_sum %{{.*}} : tensor<1x32x3x3xf32> -> tensor<32xf32>
// CHECK:         %[[BR:.*]] = tensor.expand_shape %[[BS]] {{\[}}[0, 1]] {{.*}} : tensor<32xf32> into tensor<8x4xf32>
// CHECK:         kiln.per_sample_sq_norm %[[BR]] : tensor<8x4xf32> -> tensor<8xf32>
// CHECK:         %[[FACTOR:.*]] = arith.minimumf
// CHECK:         %[[PF2:.*]] = kiln.conv2d_grad_filter {{.*}}groups = 16
// CHECK:         %[[PS2:.*]] = tensor.expand_shape %[[PF2]]
// CHECK:         %[[PR:.*]] = tensor.collapse_shape %[[PS2]] {{\[}}[0], [1, 2, 3, 4]] : tensor<8x4x1x3x3xf32> into tensor<8x36xf32>
// CHECK:         %[[SF:.*]] = kiln.scale_samples %[[PR]], %{{.*}} : tensor<8x36xf32>, tensor<8xf32>
// CHECK:         %[[SUMF:.*]] = kiln.sum_leading %[[SF]] : tensor<8x36xf32> -> tensor<36xf32>
// CHECK:         %[[GF:.*]] = tensor.expand_shape %[[SUMF]] {{\[}}[0, 1, 2, 3]] {{.*}} : tensor<36xf32> into tensor<4x1x3x3xf32>
// CHECK:         %[[BS2:.*]] = kiln.channel_sum
// CHECK:         %[[BR2:.*]] = tensor.expand_shape %[[BS2]]
// CHECK:         %[[SB:.*]] = kiln.scale_samples %[[BR2]], %{{.*}} : tensor<8x4xf32>, tensor<8xf32>
// CHECK:         %[[GB:.*]] = kiln.sum_leading %[[SB]] : tensor<8x4xf32> -> tensor<4xf32>
// CHECK:         return %{{.*}}, %{{.*}}, %[[GF]], %[[GB]]
// After CSE the norms and the clipped sums read the same per-sample gradients.
// CSE-LABEL:   func.func private @conv_clipped_value_and_grad_0_1(
// CSE-COUNT-1:   kiln.conv2d_grad_filter
// CSE-COUNT-1:   kiln.channel_sum
// CSE-NOT:       kiln.conv2d_grad_filter
// CSE-NOT:       kiln.channel_sum
// CSE:           return
func.func @step(%f: tensor<4x1x3x3xf32>, %cb: tensor<4xf32>, %x: tensor<8x2x5x5xf32>) -> (tensor<4x1x3x3xf32>, tensor<4xf32>) {
  %l, %n, %g:2 = kiln.clipped_value_and_grad @conv(%f, %cb, %x) wrt [0, 1] {max_norm = 1.0 : f64, loss_reduction = "sum"}
      : (tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<8x2x5x5xf32>) -> (tensor<f32>, tensor<8xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>)
  return %g#0, %g#1 : tensor<4x1x3x3xf32>, tensor<4xf32>
}

// -----

// Sequences: 3 consecutive rows per sample (a [4, 3, 8] batch flattened to [12, 8]). The
// layer norm's gamma gets d * xhat per row, xhat recomputed by the layer norm with gamma 1
// and beta 0; each sample's rows are summed by a batched product with ones. The first
// linear layer (K = N = 8, T = 3: T (K + N) <= K N) takes the Gram form, the second (N = 2)
// materializes the per-sample [8, 2] gradients.

func.func private @seq(%g: tensor<8xf32>, %be: tensor<8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x2xf32>, %x: tensor<12x8xf32>) -> tensor<f32> {
  %n = kiln.layer_norm %x, %g, %be : tensor<12x8xf32>, tensor<8xf32>
  %h = kiln.matmul %n, %w1 : tensor<12x8xf32>, tensor<8x8xf32> -> tensor<12x8xf32>
  %o = kiln.matmul %h, %w2 : tensor<12x8xf32>, tensor<8x2xf32> -> tensor<12x2xf32>
  %s = kiln.sum %o : tensor<12x2xf32> -> tensor<f32>
  return %s : tensor<f32>
}

// CHECK-LABEL: func.func private @seq_clipped_value_and_grad_0_1_2_3(
// CHECK-SAME:      %[[G:.*]]: tensor<8xf32>, %[[BE:.*]]: tensor<8xf32>, %[[W1:.*]]: tensor<8x8xf32>, %[[W2:.*]]: tensor<8x2xf32>, %[[X:.*]]: tensor<12x8xf32>)
// CHECK:         %[[N:.*]] = kiln.layer_norm %[[X]], %[[G]], %[[BE]]
// CHECK:         %[[H:.*]] = kiln.matmul %[[N]], %[[W1]]
// CHECK:         %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK:         %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<8xf32>
// CHECK:         %[[XHAT:.*]] = kiln.layer_norm %[[X]], %[[ONE]], %[[ZERO]] :
// CHECK:         %[[GX:.*]] = kiln.mul %[[DN:.*]], %[[XHAT]] : tensor<12x8xf32>, tensor<12x8xf32> -> tensor<12x8xf32>
// CHECK:         %[[GX3:.*]] = tensor.expand_shape %[[GX]] {{\[}}[0, 1], [2]] output_shape [4, 3, 8] : tensor<12x8xf32> into tensor<4x3x8xf32>
// CHECK:         %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<4x1x3xf32>
// CHECK:         %[[GS:.*]] = kiln.batch_matmul %[[ONES]], %[[GX3]] : tensor<4x1x3xf32>, tensor<4x3x8xf32> -> tensor<4x1x8xf32>
// CHECK:         kiln.per_sample_sq_norm %[[GS]] : tensor<4x1x8xf32> -> tensor<4xf32>
// CHECK:         %[[D3:.*]] = tensor.expand_shape %[[DN]] {{.*}} into tensor<4x3x8xf32>
// CHECK:         kiln.batch_matmul %{{.*}}, %[[D3]] : tensor<4x1x3xf32>, tensor<4x3x8xf32> -> tensor<4x1x8xf32>
// CHECK:         %[[A3:.*]] = tensor.expand_shape %[[N]] {{.*}} into tensor<4x3x8xf32>
// CHECK:         %[[A3T:.*]] = kiln.transpose %[[A3]] : tensor<4x3x8xf32> -> tensor<4x8x3xf32>
// CHECK:         %[[GA:.*]] = kiln.batch_matmul %[[A3]], %[[A3T]] : tensor<4x3x8xf32>, tensor<4x8x3xf32> -> tensor<4x3x3xf32>
// CHECK:         %[[GD:.*]] = kiln.batch_matmul %{{.*}}, %{{.*}} : tensor<4x3x8xf32>, tensor<4x8x3xf32> -> tensor<4x3x3xf32>
// CHECK:         kiln.per_sample_dot %[[GA]], %[[GD]] : tensor<4x3x3xf32> -> tensor<4xf32>
// CHECK:         %[[H3:.*]] = tensor.expand_shape %[[H]] {{.*}} into tensor<4x3x8xf32>
// CHECK:         %[[O3:.*]] = tensor.expand_shape %{{.*}} into tensor<4x3x2xf32>
// CHECK:         %[[H3T:.*]] = kiln.transpose %[[H3]] : tensor<4x3x8xf32> -> tensor<4x8x3xf32>
// CHECK:         %[[PG:.*]] = kiln.batch_matmul %[[H3T]], %[[O3]] : tensor<4x8x3xf32>, tensor<4x3x2xf32> -> tensor<4x8x2xf32>
// CHECK:         kiln.per_sample_sq_norm %[[PG]] : tensor<4x8x2xf32> -> tensor<4xf32>
// CHECK:         arith.minimumf
// CHECK:         %[[F:.*]] = arith.mulf
// CHECK:         kiln.scale_samples %{{.*}}, %[[F]] : tensor<4x3x8xf32>, tensor<4xf32>
// CHECK:         %[[GG:.*]] = kiln.sum_leading %{{.*}} : tensor<4x3x8xf32> -> tensor<8xf32>
// CHECK:         %[[SW:.*]] = kiln.scale_samples %{{.*}}, %[[F]] : tensor<4x3x2xf32>, tensor<4xf32>
// CHECK:         %[[SWR:.*]] = tensor.collapse_shape %[[SW]] {{\[}}[0, 1], [2]] : tensor<4x3x2xf32> into tensor<12x2xf32>
// CHECK:         %[[GW2:.*]] = kiln.matmul %{{.*}}, %[[SWR]] : tensor<8x12xf32>, tensor<12x2xf32> -> tensor<8x2xf32>
// CHECK:         return %{{.*}}, %{{.*}}, %[[GG]], %{{.*}}, %{{.*}}, %[[GW2]]
func.func @step(%g: tensor<8xf32>, %be: tensor<8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x2xf32>, %x: tensor<12x8xf32>) -> tensor<8xf32> {
  %l, %n, %gr:4 = kiln.clipped_value_and_grad @seq(%g, %be, %w1, %w2, %x) wrt [0, 1, 2, 3] {max_norm = 1.0 : f64, loss_reduction = "sum"}
      : (tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8x2xf32>, tensor<12x8xf32>) -> (tensor<f32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8x2xf32>)
  return %gr#0 : tensor<8xf32>
}

// -----

func.func private @bmm(%w: tensor<8x4x3xf32>, %x: tensor<8x5x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate argument 0 per sample: 'kiln.batch_matmul' has no per-sample gradient rule}}
  %h = kiln.batch_matmul %x, %w : tensor<8x5x4xf32>, tensor<8x4x3xf32> -> tensor<8x5x3xf32>
  %s = kiln.sum %h : tensor<8x5x3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

func.func @step(%w: tensor<8x4x3xf32>, %x: tensor<8x5x4xf32>) -> tensor<8x4x3xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %g = kiln.clipped_value_and_grad @bmm(%w, %x) wrt [0] {max_norm = 1.0 : f64, loss_reduction = "sum"}
      : (tensor<8x4x3xf32>, tensor<8x5x4xf32>) -> (tensor<f32>, tensor<8xf32>, tensor<8x4x3xf32>)
  return %g : tensor<8x4x3xf32>
}

// -----

func.func private @bn(%w: tensor<4x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %rm: tensor<3xf32>, %rv: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  // expected-error @+1 {{kiln.batch_norm in training mode mixes the samples of a batch, so no gradient is one sample's (as Opacus); use layer_norm, or batch_norm with training = false}}
  %n, %rm1, %rv1 = kiln.batch_norm %h, %g, %b, %rm, %rv {training = true} : tensor<8x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %n, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%w: tensor<4x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %rm: tensor<3xf32>, %rv: tensor<3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<4x3xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %gw = kiln.clipped_value_and_grad @bn(%w, %g, %b, %rm, %rv, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<8xf32>, tensor<4x3xf32>)
  return %gw : tensor<4x3xf32>
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate argument 0 per sample: its operand 'tensor<8x4xf32>' does not lead with the 6 samples of the batch (or a multiple: T consecutive rows per sample)}}
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %y: tensor<8xi64>) -> tensor<4x3xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %g = kiln.clipped_value_and_grad @loss(%w, %x, %y) wrt [0] {max_norm = 1.0 : f64}
      : (tensor<4x3xf32>, tensor<8x4xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<6xf32>, tensor<4x3xf32>)
  return %g : tensor<4x3xf32>
}

// -----

// A convolution needs one image per sample: 12 images for 6 samples is no per-sample rule.
func.func private @frames(%f: tensor<2x1x3x3xf32>, %x: tensor<12x1x5x5xf32>) -> tensor<f32> {
  // expected-error @+1 {{cannot differentiate argument 0 per sample: its input 'tensor<12x1x5x5xf32>' does not hold one image per sample of the 6-sample batch}}
  %c = kiln.conv2d %x, %f : tensor<12x1x5x5xf32>, tensor<2x1x3x3xf32> -> tensor<12x2x3x3xf32>
  %s = kiln.sum %c : tensor<12x2x3x3xf32> -> tensor<f32>
  return %s : tensor<f32>
}

func.func @step(%f: tensor<2x1x3x3xf32>, %x: tensor<12x1x5x5xf32>) -> tensor<2x1x3x3xf32> {
  // expected-note @+1 {{per-sample gradients requested here}}
  %l, %n, %g = kiln.clipped_value_and_grad @frames(%f, %x) wrt [0] {max_norm = 1.0 : f64, loss_reduction = "sum"}
      : (tensor<2x1x3x3xf32>, tensor<12x1x5x5xf32>) -> (tensor<f32>, tensor<6xf32>, tensor<2x1x3x3xf32>)
  return %g : tensor<2x1x3x3xf32>
}
