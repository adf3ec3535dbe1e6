// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @sgd_static_lr
// CHECK-SAME:    (%[[P:.*]]: tensor<4x3xf32>, %[[G:.*]]: tensor<4x3xf32>)
// CHECK:         kiln.sgd %[[P]], %[[G]] {lr = 1.000000e-01 : f64} : tensor<4x3xf32>
func.func @sgd_static_lr(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @sgd_dynamic_lr_weight_decay
// CHECK-SAME:    (%[[P:.*]]: tensor<?xf32>, %[[G:.*]]: tensor<?xf32>, %[[LR:.*]]: tensor<f32>)
// CHECK:         kiln.sgd %[[P]], %[[G]] lr(%[[LR]]) {weight_decay = 1.000000e-04 : f64} : tensor<?xf32>
func.func @sgd_dynamic_lr_weight_decay(%p: tensor<?xf32>, %g: tensor<?xf32>, %lr: tensor<f32>)
    -> tensor<?xf32> {
  %0 = kiln.sgd %p, %g lr(%lr) {weight_decay = 1.0e-4 : f64} : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// CHECK-LABEL: func.func @momentum_nesterov
// CHECK:         kiln.momentum %{{.*}}, %{{.*}}, %{{.*}} {lr = 2.500000e-02 : f64, momentum = 8.000000e-01 : f64, nesterov} : tensor<8xf32>
func.func @momentum_nesterov(%p: tensor<8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.025 : f64, momentum = 0.8 : f64, nesterov}
      : tensor<8xf32>
  return %p1, %b1 : tensor<8xf32>, tensor<8xf32>
}

// Default-valued attributes are not printed.
// CHECK-LABEL: func.func @momentum_defaults
// CHECK:         kiln.momentum %{{.*}}, %{{.*}}, %{{.*}} {lr = 1.000000e-01 : f64} : tensor<8xf32>
func.func @momentum_defaults(%p: tensor<8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>) {
  %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.1 : f64, momentum = 0.9 : f64} : tensor<8xf32>
  return %p1, %b1 : tensor<8xf32>, tensor<8xf32>
}

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

// CHECK-LABEL: func.func @adamw_dynamic_lr
// CHECK:         kiln.adamw %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) lr(%{{.*}}) {eps = {{.*}} : f64, weight_decay = 1.000000e-01 : f64} : tensor<f32>
func.func @adamw_dynamic_lr(%p: tensor<f32>, %g: tensor<f32>, %m: tensor<f32>, %v: tensor<f32>,
                            %t: tensor<i64>, %lr: tensor<f32>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>) {
  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) lr(%lr)
      {weight_decay = 0.1 : f64, eps = 1.0e-6 : f64} : tensor<f32>
  return %p1, %m1, %v1 : tensor<f32>, tensor<f32>, tensor<f32>
}

/// Entry-point arguments may say how drivers initialise them.
// CHECK-LABEL: func.func @init_attributes
// CHECK-SAME:    {kiln.init = "normal:0.05"}
// CHECK-SAME:    {kiln.init = "zeros"}
// CHECK-SAME:    {kiln.init = "fill:-2.5"}
func.func @init_attributes(%w: tensor<4xf32> {kiln.init = "normal:0.05"},
                           %m: tensor<4xf32> {kiln.init = "zeros"},
                           %c: tensor<4xf32> {kiln.init = "fill:-2.5"}) -> tensor<4xf32> {
  return %w : tensor<4xf32>
}

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

// CHECK-LABEL: func.func @schedules
// CHECK:         kiln.linear_schedule %{{.*}} {end_value = 1.000000e-03 : f64, init_value = 0.000000e+00 : f64, transition_steps = 100 : i64}
// CHECK:         kiln.cosine_decay_schedule
// CHECK:         kiln.warmup_cosine_decay_schedule
// CHECK:         kiln.step_decay_schedule
// CHECK:         kiln.uba_schedule
func.func @schedules(%t: tensor<i64>) {
  %0 = kiln.linear_schedule %t {init_value = 0.0 : f64, end_value = 1.0e-3 : f64, transition_steps = 100 : i64}
  %1 = kiln.cosine_decay_schedule %t {init_value = 0.025 : f64, decay_steps = 500 : i64}
  %2 = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0e-3 : f64,
      warmup_steps = 10 : i64, decay_steps = 100 : i64}
  %3 = kiln.step_decay_schedule %t {init_value = 0.1 : f64, step_size = 30 : i64, gamma = 0.1 : f64}
  %4 = kiln.uba_schedule %t {max_value = 0.1 : f64, min_value = 0.0 : f64, total_steps = 100 : i64, phi = 1.0 : f64}
  return
}

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

// CHECK-LABEL: func.func @convolution_and_pooling
// CHECK:         kiln.conv2d %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<8x4x28x28xf32>, tensor<6x2x3x3xf32> -> tensor<8x6x14x14xf32>
// CHECK:         kiln.channel_bias %{{.*}}, %{{.*}} : tensor<8x6x14x14xf32>, tensor<6xf32>
// CHECK:         kiln.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>} : tensor<8x6x14x14xf32> -> tensor<8x6x7x7xf32>
// CHECK:         kiln.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<8x6x7x7xf32> -> tensor<8x6x7x7xf32>
// CHECK:         kiln.global_avg_pool %{{.*}} : tensor<8x6x7x7xf32> -> tensor<8x6xf32>
func.func @convolution_and_pooling(%x: tensor<8x4x28x28xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>)
    -> tensor<8x6xf32> {
  %c = kiln.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 2}
      : tensor<8x4x28x28xf32>, tensor<6x2x3x3xf32> -> tensor<8x6x14x14xf32>
  %cb = kiln.channel_bias %c, %b : tensor<8x6x14x14xf32>, tensor<6xf32>
  %m = kiln.max_pool2d %cb {kernel = array<i64: 2, 2>} : tensor<8x6x14x14xf32> -> tensor<8x6x7x7xf32>
  %a = kiln.avg_pool2d %m {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>}
      : tensor<8x6x7x7xf32> -> tensor<8x6x7x7xf32>
  %g = kiln.global_avg_pool %a : tensor<8x6x7x7xf32> -> tensor<8x6xf32>
  return %g : tensor<8x6xf32>
}

// CHECK-LABEL: func.func @convolution_gradients
// CHECK:         kiln.conv2d_grad_input %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>} : tensor<2x4x5x5xf64>, tensor<4x3x3x3xf64> -> tensor<2x3x5x5xf64>
// CHECK:         kiln.conv2d_grad_filter %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>} : tensor<2x3x5x5xf64>, tensor<2x4x5x5xf64> -> tensor<4x3x3x3xf64>
// CHECK:         kiln.channel_sum %{{.*}} : tensor<2x4x5x5xf64> -> tensor<4xf64>
// CHECK:         kiln.max_pool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 5, 5>} : tensor<2x4x5x5xf64>, tensor<2x4x1x1xf64>
// CHECK:         kiln.avg_pool2d_grad %{{.*}} {kernel = array<i64: 5, 5>} : tensor<2x4x1x1xf64> -> tensor<2x4x5x5xf64>
// CHECK:         kiln.global_avg_pool_grad %{{.*}} : tensor<2x4xf64> -> tensor<2x4x5x5xf64>
func.func @convolution_gradients(%x: tensor<2x3x5x5xf64>, %w: tensor<4x3x3x3xf64>, %dy: tensor<2x4x5x5xf64>,
                                 %dp: tensor<2x4x1x1xf64>, %dg: tensor<2x4xf64>)
    -> (tensor<2x3x5x5xf64>, tensor<4x3x3x3xf64>, tensor<4xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>) {
  %dx = kiln.conv2d_grad_input %dy, %w {padding = array<i64: 1, 1>}
      : tensor<2x4x5x5xf64>, tensor<4x3x3x3xf64> -> tensor<2x3x5x5xf64>
  %dw = kiln.conv2d_grad_filter %x, %dy {padding = array<i64: 1, 1>}
      : tensor<2x3x5x5xf64>, tensor<2x4x5x5xf64> -> tensor<4x3x3x3xf64>
  %db = kiln.channel_sum %dy : tensor<2x4x5x5xf64> -> tensor<4xf64>
  %dm = kiln.max_pool2d_grad %dy, %dp {kernel = array<i64: 5, 5>} : tensor<2x4x5x5xf64>, tensor<2x4x1x1xf64>
  %da = kiln.avg_pool2d_grad %dp {kernel = array<i64: 5, 5>} : tensor<2x4x1x1xf64> -> tensor<2x4x5x5xf64>
  %dgx = kiln.global_avg_pool_grad %dg : tensor<2x4xf64> -> tensor<2x4x5x5xf64>
  return %dx, %dw, %db, %dm, %da, %dgx
      : tensor<2x3x5x5xf64>, tensor<4x3x3x3xf64>, tensor<4xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>
}

// CHECK-LABEL: func.func @kernel_call
// CHECK:         kiln.kernel_call "avg_pool2d" ins(%{{.*}} : tensor<1x1x4x4xf32>) outs(%{{.*}} : tensor<1x1x2x2xf32>) params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1] -> tensor<1x1x2x2xf32>
// CHECK:         kiln.kernel_call "avg_pool2d" ins(%{{.*}} : memref<1x1x4x4xf32>) outs(%{{.*}} : memref<1x1x2x2xf32>) params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]{{$}}
func.func @kernel_call(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>,
                       %xb: memref<1x1x4x4xf32>, %yb: memref<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = kiln.kernel_call "avg_pool2d" ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1] -> tensor<1x1x2x2xf32>
  kiln.kernel_call "avg_pool2d" ins(%xb : memref<1x1x4x4xf32>) outs(%yb : memref<1x1x2x2xf32>)
      params [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]
  return %y : tensor<1x1x2x2xf32>
}

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

// CHECK-LABEL: func.func @initializers
// CHECK:         kiln.random_uniform %{{.*}} {high = 6.250000e-02 : f64, low = -6.250000e-02 : f64} : tensor<256xf32>
// CHECK:         kiln.random_normal %{{.*}} {stddev = 2.000000e-02 : f64} : tensor<784x256xf32>
// CHECK:         kiln.variance_scaling %{{.*}} {distribution = "normal", in_axis = 1 : i64, mode = "fan_in", out_axis = 0 : i64, scale = 2.000000e+00 : f64} : tensor<32x1x3x3xf32>
func.func @initializers(%k0: tensor<i64>) -> (tensor<256xf32>, tensor<784x256xf32>, tensor<32x1x3x3xf32>, tensor<i64>) {
  %b, %k1 = kiln.random_uniform %k0 {low = -0.0625 : f64, high = 0.0625 : f64} : tensor<256xf32>
  %w, %k2 = kiln.random_normal %k1 {stddev = 0.02 : f64} : tensor<784x256xf32>
  %c, %k3 = kiln.variance_scaling %k2 {scale = 2.0 : f64, mode = "fan_in", distribution = "normal",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<32x1x3x3xf32>
  return %b, %w, %c, %k3 : tensor<256xf32>, tensor<784x256xf32>, tensor<32x1x3x3xf32>, tensor<i64>
}

// CHECK-LABEL: func.func @frugal
// CHECK:         kiln.frugal %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} subspace(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {density = 2.500000e-01 : f64, lr = 1.000000e-03 : f64, projection = "rows", state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
// CHECK:         kiln.frugal {{.*}}projection = "columns", state_free = "sgd", state_full = "momentum"{{.*}} : tensor<8x6xf32>, tensor<8x3xf32>, tensor<0xf32>, tensor<3xi64>
func.func @frugal(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<196x256xf32>,
                  %v: tensor<196x256xf32>, %s: tensor<196xi64>, %n: tensor<i64>, %k: tensor<i64>,
                  %q: tensor<8x6xf32>, %h: tensor<8x6xf32>, %mq: tensor<8x3xf32>, %none: tensor<0xf32>,
                  %sq: tensor<3xi64>) -> (tensor<784x256xf32>, tensor<8x6xf32>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "rows", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
  %q1, %mq1, %no1, %sq1, %n2, %k2 = kiln.frugal %q, %h, %mq, %none subspace(%sq) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 10 : i64, projection = "columns",
       state_full = "momentum", state_free = "sgd", free_lr_scale = 0.1 : f64}
      : tensor<8x6xf32>, tensor<8x3xf32>, tensor<0xf32>, tensor<3xi64>
  return %p1, %q1 : tensor<784x256xf32>, tensor<8x6xf32>
}

/// GaLore's SVD projection: a tall matrix is projected on the right (P is [r, cols], the
/// state [rows, r], r = round(256 * 0.25)), a wide one on the left (P [rows, r], state
/// [r, cols], r = round(6 * 0.5)).
// CHECK-LABEL: func.func @frugal_svd
// CHECK:         kiln.frugal %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} subspace(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {density = 2.500000e-01 : f64, lr = 1.000000e-03 : f64, projection = "svd", state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
// CHECK:         kiln.frugal {{.*}}projection = "svd", state_free = "sgd", state_full = "momentum"{{.*}} : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>
func.func @frugal_svd(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<784x64xf32>,
                      %v: tensor<784x64xf32>, %s: tensor<64x256xf32>, %n: tensor<i64>, %k: tensor<i64>,
                      %q: tensor<6x10xf64>, %h: tensor<6x10xf64>, %mq: tensor<3x10xf64>, %none: tensor<0xf64>,
                      %sq: tensor<6x3xf64>) -> (tensor<784x256xf32>, tensor<64x256xf32>, tensor<6x3xf64>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "svd", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
  %q1, %mq1, %no1, %sq1, %n2, %k2 = kiln.frugal %q, %h, %mq, %none subspace(%sq) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 10 : i64, projection = "svd",
       state_full = "momentum", state_free = "sgd"}
      : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>
  return %p1, %s1, %sq1 : tensor<784x256xf32>, tensor<64x256xf32>, tensor<6x3xf64>
}

/// Blockwise FRUGAL: 3 tensors at density 0.5 give k = round(1.5) = 2; "ascending" visits
/// [0, 1], [2, 0], [1, 2], so the pools hold the largest window, 100352 + 1280 elements.
/// "random" over 2 tensors (k = 1) needs the largest one; momentum leaves exp_avg_sq empty.
// CHECK-LABEL: func.func @frugal_blocks
// CHECK:         %{{.*}}:3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = kiln.frugal_blocks(%{{.*}}, %{{.*}}, %{{.*}}) grads(%{{.*}}, %{{.*}}, %{{.*}}) state(%{{.*}}, %{{.*}}) active(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {block_order = "ascending", density = 5.000000e-01 : f64, lr = 1.000000e-03 : f64, state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : (tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>), tensor<101632xf32>, tensor<101632xf32>, tensor<2xi64> grads(tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>)
// CHECK:         %{{.*}}:2, {{.*}} = kiln.frugal_blocks{{.*}}{block_order = "random", density = 5.000000e-01 : f64, free_lr_scale = 1.000000e-01 : f64, lr = 1.000000e-02 : f64, state_free = "sgd", state_full = "momentum", update_gap = 50 : i64} : (tensor<128x10xf32>, tensor<10xf32>), tensor<1280xf32>, tensor<0xf32>, tensor<1xi64> grads(tensor<128x10xf32>, tensor<10xf32>)
func.func @frugal_blocks(%w1: tensor<784x128xf32>, %w2: tensor<128x10xf32>, %b: tensor<10xf32>,
                         %g1: tensor<784x128xf32>, %g2: tensor<128x10xf32>, %gb: tensor<10xf32>,
                         %m: tensor<101632xf32>, %v: tensor<101632xf32>, %a: tensor<2xi64>,
                         %mr: tensor<1280xf32>, %none: tensor<0xf32>, %ar: tensor<1xi64>,
                         %n: tensor<i64>, %k: tensor<i64>)
    -> (tensor<784x128xf32>, tensor<10xf32>, tensor<2xi64>, tensor<1xi64>, tensor<i64>) {
  %p:3, %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (%w1, %w2, %b) grads(%g1, %g2, %gb)
      state(%m, %v) active(%a) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64,
       block_order = "ascending", state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>), tensor<101632xf32>,
        tensor<101632xf32>, tensor<2xi64>
        grads(tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  %q:2, %m2, %v2, %a2, %n2, %k2 = kiln.frugal_blocks (%w2, %b) grads(%g2, %gb)
      state(%mr, %none) active(%ar) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 50 : i64, block_order = "random",
       state_full = "momentum", state_free = "sgd", free_lr_scale = 0.1 : f64}
      : (tensor<128x10xf32>, tensor<10xf32>), tensor<1280xf32>, tensor<0xf32>, tensor<1xi64>
        grads(tensor<128x10xf32>, tensor<10xf32>)
  return %p#0, %p#2, %a1, %a2, %k2 : tensor<784x128xf32>, tensor<10xf32>, tensor<2xi64>, tensor<1xi64>, tensor<i64>
}

// CHECK-LABEL: func.func @supernet_edge
// CHECK:         kiln.mixed %{{.*}} [%{{.*}}, %{{.*}}] {ops = ["none", "max_pool_3x3", "skip_connect"]} : tensor<3xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>
// CHECK:         kiln.mixed_grad %{{.*}}, %{{.*}} [%{{.*}}, %{{.*}}] {ops = ["none", "max_pool_3x3", "skip_connect"]} : tensor<3xf32>, tensor<8x16x14x14xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>
func.func @supernet_edge(%alpha: tensor<3xf32>, %pool: tensor<8x16x14x14xf32>, %skip: tensor<8x16x14x14xf32>,
                         %dy: tensor<8x16x14x14xf32>) -> (tensor<8x16x14x14xf32>, tensor<3xf32>) {
  %y = kiln.mixed %alpha [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>
  %da, %dp, %ds = kiln.mixed_grad %alpha, %dy [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, tensor<8x16x14x14xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>]
      -> tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>
  return %y, %da : tensor<8x16x14x14xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @architecture
// CHECK:         kiln.architecture {input = 8 : i64} : tensor<4xf32>
func.func @architecture() -> tensor<4xf32> {
  %a = kiln.architecture {input = 8 : i64} : tensor<4xf32>
  return %a : tensor<4xf32>
}

// A search declaration round-trips; the defaults (DARTS') stay implicit.
// CHECK:       kiln.search_step @search_train_step(@search_loss) {architecture = array<i64: 1>, decay_steps = 2340 : i64, lambda = 5.000000e-01 : f64, method = "rarts"}
func.func private @search_loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5"}, %a: tensor<2xf32>,
                               %x: tensor<8x4xf32> {kiln.data = "images"}) -> tensor<f32>
kiln.search_step @search_train_step(@search_loss) {method = "rarts", architecture = array<i64: 1>,
                                                   decay_steps = 2340 : i64, lambda = 0.5 : f64}
