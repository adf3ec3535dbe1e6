// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Layers.td: model ops, losses and their backward building blocks.

// CHECK-LABEL: func.func @layers
// CHECK:         kiln.matmul %{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
// CHECK:         kiln.bias_add %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<3xf32>
// CHECK:         kiln.relu %{{.*}} : tensor<8x3xf32>
// CHECK:         kiln.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
// CHECK:         kiln.mse %{{.*}}, %{{.*}} : tensor<8x3xf32> -> tensor<f32>
// CHECK:         kiln.value_and_grad @layers_loss(%{{.*}}, %{{.*}}) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>)
func.func private @layers_loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %s = kiln.sum %h : tensor<8x3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @layers(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>, %y: tensor<8xi64>) {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %z = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %a = kiln.relu %z : tensor<8x3xf32>
  %ce = kiln.softmax_cross_entropy %a, %y : tensor<8x3xf32>, tensor<8xi64> -> tensor<f32>
  %mse = kiln.mse %a, %z : tensor<8x3xf32> -> tensor<f32>
  %l, %g = kiln.value_and_grad @layers_loss(%w, %x) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> (tensor<f32>, tensor<4x3xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @more_layers
// CHECK:         kiln.sigmoid %{{.*}} : tensor<8x3xf32>
// CHECK:         kiln.gelu %{{.*}} : tensor<8x3xf32>
// CHECK:         kiln.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f64} : tensor<8x3xf32>
// CHECK:         kiln.log_softmax %{{.*}} : tensor<8x3xf32>
// CHECK:         kiln.dropout %{{.*}} key(%{{.*}}) {rate = 5.000000e-01 : f64} : tensor<8x3xf32>
// CHECK:         kiln.count_correct %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<8xi64>
// CHECK:         kiln.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : tensor<8x3xf32>, tensor<3xf32>
func.func @more_layers(%x: tensor<8x3xf32>, %k: tensor<i64>, %y: tensor<8xi64>, %gamma: tensor<3xf32>) {
  %s = kiln.sigmoid %x : tensor<8x3xf32>
  %g = kiln.gelu %x : tensor<8x3xf32>
  %l = kiln.leaky_relu %x {alpha = 0.2 : f64} : tensor<8x3xf32>
  %p = kiln.log_softmax %x : tensor<8x3xf32>
  %d, %k1 = kiln.dropout %x key(%k) {rate = 0.5 : f64} : tensor<8x3xf32>
  %c = kiln.count_correct %x, %y : tensor<8x3xf32>, tensor<8xi64>
  %n = kiln.layer_norm %x, %gamma, %gamma {eps = 1.0e-3 : f64} : tensor<8x3xf32>, tensor<3xf32>
  return
}

// -----

// The examples of the softmax, broadcasting, batched matmul and batch norm descriptions.
// CHECK-LABEL: func.func @softmax_broadcasting_batch_norm
// CHECK:         kiln.softmax %{{.*}} : tensor<128x10xf32>
// CHECK:         kiln.add %{{.*}}, %{{.*}} : tensor<128x1x64xf32>, tensor<10x1xf32> -> tensor<128x10x64xf32>
// CHECK:         kiln.mul %{{.*}}, %{{.*}} : tensor<128x32x7x7xf32>, tensor<32x1x1xf32> -> tensor<128x32x7x7xf32>
// CHECK:         kiln.batch_matmul %{{.*}}, %{{.*}} : tensor<8x16x32xf32>, tensor<8x32x16xf32> -> tensor<8x16x16xf32>
// CHECK:         kiln.transpose %{{.*}} : tensor<8x16x32xf32> -> tensor<8x32x16xf32>
// CHECK:         kiln.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {training = true} : tensor<128x32x28x28xf32>, tensor<32xf32>
// CHECK:         kiln.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64, momentum = 2.000000e-01 : f64, training = false} : tensor<16x32xf32>, tensor<32xf32>
func.func @softmax_broadcasting_batch_norm(%logits: tensor<128x10xf32>, %h: tensor<128x1x64xf32>,
    %b: tensor<10x1xf32>, %a: tensor<128x32x7x7xf32>, %scale: tensor<32x1x1xf32>,
    %q: tensor<8x16x32xf32>, %kt: tensor<8x32x16xf32>, %x: tensor<128x32x28x28xf32>,
    %gamma: tensor<32xf32>, %beta: tensor<32xf32>, %rm: tensor<32xf32>, %rv: tensor<32xf32>,
    %rows: tensor<16x32xf32>) {
  %p = kiln.softmax %logits : tensor<128x10xf32>
  %z = kiln.add %h, %b : tensor<128x1x64xf32>, tensor<10x1xf32> -> tensor<128x10x64xf32>
  %m = kiln.mul %a, %scale : tensor<128x32x7x7xf32>, tensor<32x1x1xf32> -> tensor<128x32x7x7xf32>
  %s = kiln.batch_matmul %q, %kt : tensor<8x16x32xf32>, tensor<8x32x16xf32> -> tensor<8x16x16xf32>
  %bt = kiln.transpose %q : tensor<8x16x32xf32> -> tensor<8x32x16xf32>
  %y, %rm1, %rv1 = kiln.batch_norm %x, %gamma, %beta, %rm, %rv
      {momentum = 0.1 : f64, eps = 1.0e-5 : f64, training = true}
      : tensor<128x32x28x28xf32>, tensor<32xf32>
  %e:3 = kiln.batch_norm %rows, %gamma, %beta, %rm, %rv {momentum = 0.2 : f64, eps = 1.0e-3 : f64, training = false}
      : tensor<16x32xf32>, tensor<32xf32>
  return
}

// -----

// CHECK-LABEL: func.func @softmax_broadcasting_batch_norm_gradients
// CHECK:         kiln.softmax_grad %{{.*}}, %{{.*}} : tensor<128x10xf32>
// CHECK:         kiln.reduce_to_shape %{{.*}} : tensor<128x10x64xf32> -> tensor<10x1xf32>
// CHECK:         kiln.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {training = true} : tensor<128x32x28x28xf32>, tensor<32xf32>
func.func @softmax_broadcasting_batch_norm_gradients(%y: tensor<128x10xf32>, %dy: tensor<128x10xf32>,
    %dz: tensor<128x10x64xf32>, %x: tensor<128x32x28x28xf32>, %gamma: tensor<32xf32>,
    %rm: tensor<32xf32>, %rv: tensor<32xf32>, %dbn: tensor<128x32x28x28xf32>) {
  %dx = kiln.softmax_grad %y, %dy : tensor<128x10xf32>
  %db = kiln.reduce_to_shape %dz : tensor<128x10x64xf32> -> tensor<10x1xf32>
  %dxn, %dg, %dbeta = kiln.batch_norm_grad %x, %gamma, %rm, %rv, %dbn
      {eps = 1.0e-5 : f64, training = true} : tensor<128x32x28x28xf32>, tensor<32xf32>
  return
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
  // expected-error @+1 {{attribute 'reduction' failed to satisfy constraint: a loss reduction: mean or sum}}
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

func.func @layer_norm_width(%x: tensor<4x6xf32>, %g: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<4x6xf32> {
  // expected-error @+1 {{gamma has 5 elements for rows of 6}}
  %y = kiln.layer_norm %x, %g, %b : tensor<4x6xf32>, tensor<5xf32>
  return %y : tensor<4x6xf32>
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

/// A dynamic result would leave the lowering without a size (found by a lowering test:
/// the gradient of kiln.sum over a dynamic input crashed the compiler).
func.func @broadcast_dynamic(%x: tensor<f32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{broadcasts to a static shape, not 'tensor<?x3xf32>'}}
  %0 = kiln.broadcast %x : tensor<f32> -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}
