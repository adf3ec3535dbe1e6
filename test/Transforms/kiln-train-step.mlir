// RUN: kiln-opt %s --kiln-train-step --split-input-file -verify-diagnostics | FileCheck %s

/// AdamW with warm-up + cosine and global-norm clipping: parameters, then m of each, then v of
/// each, then the counter, then the batch; state named after the optimizer, kind and
/// parameter. The schedule reads the counter before its increment; the updates take t.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:    %[[W:.*]]: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
// CHECK-SAME:    %[[B:.*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"},
// CHECK-SAME:    %[[MW:.*]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "adamw.m.w"},
// CHECK-SAME:    %[[MB:.*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "adamw.m.b"},
// CHECK-SAME:    %[[VW:.*]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "adamw.v.w"},
// CHECK-SAME:    %[[VB:.*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "adamw.v.b"},
// CHECK-SAME:    %[[STEP:.*]]: tensor<i64> {kiln.init = "zeros", kiln.name = "step"},
// CHECK-SAME:    %[[X:.*]]: tensor<2x4xf32> {kiln.data = "images", kiln.name = "x"},
// CHECK-SAME:    %[[Y:.*]]: tensor<2xi64> {kiln.data = "labels", kiln.name = "y"})
// CHECK:         %[[L:.*]]:3 = kiln.value_and_grad @loss(%[[X]], %[[W]], %[[Y]], %[[B]]) wrt [1, 3]
// CHECK:         %[[LR:.*]] = kiln.warmup_cosine_decay_schedule %[[STEP]] {decay_steps = 100 : i64, init_value = 0.000000e+00 : f64, peak_value = 1.000000e-03 : f64, warmup_steps = 10 : i64}
// CHECK:         %[[T:.*]] = arith.addi %[[STEP]],
// CHECK:         %[[G:.*]]:2 = kiln.clip_by_global_norm %[[L]]#1, %[[L]]#2 {max_norm = 1.000000e+00 : f64}
// CHECK:         %[[NW:[^,]*]], %[[NMW:[^,]*]], %[[NVW:[^ ]*]] = kiln.adamw %[[W]], %[[G]]#0, %[[MW]], %[[VW]] step(%[[T]]) lr(%[[LR]]) {beta2 = 5.000000e-01 : f64, weight_decay = 1.000000e-01 : f64}
// CHECK:         %[[NB:[^,]*]], %[[NMB:[^,]*]], %[[NVB:[^ ]*]] = kiln.adamw %[[B]], %[[G]]#1, %[[MB]], %[[VB]] step(%[[T]]) lr(%[[LR]]) {beta2 = 5.000000e-01 : f64, weight_decay = 1.000000e-01 : f64}
// CHECK:         return %[[NW]], %[[NB]], %[[NMW]], %[[NMB]], %[[NVW]], %[[NVB]], %[[T]], %[[L]]#0
// CHECK-NOT:     kiln.train_step
func.func private @loss(%x: tensor<2x4xf32> {kiln.data = "images", kiln.name = "x"},
                        %w: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
                        %y: tensor<2xi64> {kiln.data = "labels", kiln.name = "y"},
                        %b: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  %z = kiln.bias_add %h, %b : tensor<2x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adamw", lr = 1.0e-3 : f64,
    weight_decay = 0.1 : f64, options = {beta2 = 0.5 : f64}, clip_global_norm = 1.0 : f64,
    schedule = "warmup_cosine_decay",
    schedule_options = {init_value = 0.0 : f64, warmup_steps = 10 : i64, decay_steps = 100 : i64}}

// -----

/// Plain SGD keeps no state and no step; a constant lr is the op's attribute. With a forward
/// function the pass also writes @eval_step: loss and correct rows from one batch. Unnamed
/// loss arguments leave the step's unnamed (the runtime falls back to indices).
// CHECK-LABEL: func.func @sgd_step(
// CHECK-SAME:    %[[W:[^:]*]]: tensor<4x3xf32> {kiln.init = "uniform:0.5"},
// CHECK-SAME:    %[[STEP:[^:]*]]: tensor<i64> {kiln.init = "zeros", kiln.name = "step"},
// CHECK-SAME:    %[[X:[^:]*]]: tensor<2x4xf32> {kiln.data = "images"},
// CHECK-SAME:    %[[Y:[^:]*]]: tensor<2xi64> {kiln.data = "labels"}) -> (tensor<4x3xf32>, tensor<i64>, tensor<f32>)
// CHECK:         %[[L:.*]]:2 = kiln.value_and_grad @loss(%[[W]], %[[X]], %[[Y]]) wrt [0]
// CHECK-NOT:     clip_by_global_norm
// CHECK:         %[[T:.*]] = arith.addi %[[STEP]],
// CHECK:         %[[NW:.*]] = kiln.sgd %[[W]], %[[L]]#1 {lr = 1.000000e-01 : f64}
// CHECK:         return %[[NW]], %[[T]], %[[L]]#0
// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:    %[[W:[^:]*]]: tensor<4x3xf32>,
// CHECK-SAME:    %[[X:[^:]*]]: tensor<2x4xf32> {kiln.data = "images"},
// CHECK-SAME:    %[[Y:[^:]*]]: tensor<2xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>)
// CHECK:         %[[Z:.*]] = call @forward(%[[W]], %[[X]])
// CHECK:         %[[L:.*]] = call @loss(%[[W]], %[[X]], %[[Y]])
// CHECK:         %[[C:.*]] = kiln.count_correct %[[Z]], %[[Y]]
// CHECK:         return %[[L]], %[[C]]
func.func private @forward(%w: tensor<4x3xf32>, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  return %h : tensor<2x3xf32>
}
func.func private @loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5"},
                        %x: tensor<2x4xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @forward(%w, %x) : (tensor<4x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @sgd_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, forward = @forward}

// -----

/// Adagrad's step and lr operands are both optional: the generated op names both segments.
// CHECK-LABEL: func.func @adagrad_step(
// CHECK:         kiln.adagrad %{{.*}}, %{{.*}}, %{{.*}} step(%{{.*}}) lr(%{{.*}}) {lr_decay = 1.000000e-02 : f64}
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
kiln.train_step @adagrad_step(@loss) {optimizer = "adagrad", lr = 0.1 : f64,
    options = {lr_decay = 0.01 : f64}, schedule = "step_decay",
    schedule_options = {step_size = 10 : i64, gamma = 0.5 : f64}}

// -----

/// An option of the wrong type is an error at the train step, not a dropped attribute.
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{options: 'beta1' = "0.9" is not a valid value for kiln.adam}}
kiln.train_step @bad_type(@loss) {optimizer = "adam", lr = 0.1 : f64, options = {beta1 = "0.9"}}

// -----

/// The optimizer's own verifier runs on what the options make of it.
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{'kiln.momentum' op}}
kiln.train_step @bad_value(@loss) {optimizer = "momentum", lr = 0.1 : f64, options = {momentum = 0.0 : f64, nesterov}}

// -----

/// DP-SGD: per-example clipping on weighted examples, the accumulated sums (dp.acc.*) plus
/// this batch's, the Gaussian mechanism with the noise multiplier and lot as inputs, and the
/// accumulators zeroed after the updates; @s_accumulate only adds a batch's sums.
func.func private @loss(%w: tensor<2x2xf32> {kiln.init = "zeros"}, %x: tensor<4x2xf32> {kiln.data = "images"},
                        %y: tensor<4xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = kiln.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.5 : f64, privacy = "dp_sgd",
    max_grad_norm = 1.0 : f64, noise_multiplier = 1.25 : f64, expected_batch_size = 3}
// CHECK-LABEL: func.func @s(
// CHECK-SAME:      %[[W:.*]]: tensor<2x2xf32> {kiln.init = "zeros"}, %[[ACC:.*]]: tensor<2x2xf32> {kiln.init = "zeros"},
// CHECK-SAME:      %[[STEP:.*]]: tensor<i64> {kiln.init = "zeros", kiln.name = "step"},
// CHECK-SAME:      %[[KEY:.*]]: tensor<i64> {kiln.init = "key", kiln.name = "dp.key"},
// CHECK-SAME:      %[[SIGMA:.*]]: tensor<f32> {kiln.init = "fill:1.25", kiln.name = "dp.noise_multiplier"},
// CHECK-SAME:      %[[LOT:.*]]: tensor<f32> {kiln.init = "fill:3", kiln.name = "dp.lot"},
// CHECK-SAME:      %[[X:.*]]: tensor<4x2xf32> {kiln.data = "images"}, %[[Y:.*]]: tensor<4xi64> {kiln.data = "labels"},
// CHECK-SAME:      %[[M:.*]]: tensor<4xf32> {kiln.data = "weights", kiln.init = "ones", kiln.name = "weights"})
// CHECK:         %[[L:.*]], %{{.*}}, %[[G:.*]] = kiln.clipped_value_and_grad @loss(%[[W]], %[[X]], %[[Y]]) wrt [0] weights %[[M]] : tensor<4xf32> {max_norm = 1.000000e+00 : f64}
// CHECK:         %[[SUM:.*]] = arith.addf %[[ACC]], %[[G]]
// CHECK:         %[[NOISY:.*]], %[[NEXT:.*]] = kiln.dp_aggregate %[[SUM]] key(%[[KEY]]) noise_multiplier(%[[SIGMA]]) lot(%[[LOT]]) {max_norm = 1.000000e+00 : f64}
// CHECK:         %[[NEW:.*]] = kiln.sgd %[[W]], %[[NOISY]]
// CHECK:         %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[SUM]] : tensor<2x2xf32>)
// CHECK:         return %[[NEW]], %[[ZERO]], %{{.*}}, %[[NEXT]], %[[L]]
// CHECK-LABEL: func.func @s_accumulate(
// CHECK:         %[[L2:.*]], %{{.*}}, %[[G2:.*]] = kiln.clipped_value_and_grad @loss
// CHECK:         %[[SUM2:.*]] = arith.addf %{{.*}}, %[[G2]]
// CHECK-NOT:     kiln.dp_aggregate
// CHECK:         return %{{.*}}, %[[SUM2]], %{{.*}}, %[[L2]]

// -----

/// A data-parallel step: the gradients of the backward pass are exchanged before anything
/// reads them (the clipping here).
// CHECK-LABEL: func.func @ddp_step(
// CHECK:         %[[L:.*]]:2 = kiln.value_and_grad @loss(
// CHECK:         %[[E:.*]] = kiln.exchange_gradients %[[L]]#1 : tensor<4x3xf32>
// CHECK:         kiln.clip_by_global_norm %[[E]] {max_norm = 1.000000e+00 : f64}
func.func private @loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
                        %x: tensor<2x4xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @ddp_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "mean",
    clip_global_norm = 1.0 : f64}

// -----

/// EControl: per-parameter state e, h and h-bar after the optimizer's (zeros, named after the
/// exchange, kind and parameter), exchanged with the 1-based step; k = round(0.25 * 15) = 4.
// CHECK-LABEL: func.func @econtrol_step(
// CHECK-SAME:    %[[W:[^:]*]]: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
// CHECK-SAME:    %[[B:[^:]*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"},
// CHECK-SAME:    %[[EW:[^:]*]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "econtrol.e.w"},
// CHECK-SAME:    %[[EB:[^:]*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "econtrol.e.b"},
// CHECK-SAME:    %[[HW:[^:]*]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "econtrol.h.w"},
// CHECK-SAME:    %[[HB:[^:]*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "econtrol.h.b"},
// CHECK-SAME:    %[[SW:[^:]*]]: tensor<4x3xf32> {kiln.init = "zeros", kiln.name = "econtrol.hbar.w"},
// CHECK-SAME:    %[[SB:[^:]*]]: tensor<3xf32> {kiln.init = "zeros", kiln.name = "econtrol.hbar.b"},
// CHECK-SAME:    %[[STEP:[^:]*]]: tensor<i64> {kiln.init = "zeros", kiln.name = "step"},
// CHECK:         %[[L:.*]]:3 = kiln.value_and_grad @loss(
// CHECK:         %[[T:.*]] = arith.addi %[[STEP]],
// CHECK:         %[[X:.*]]:8 = kiln.compressed_exchange %[[L]]#1, %[[L]]#2 state(%[[EW]], %[[EB]], %[[HW]], %[[HB]], %[[SW]], %[[SB]] : {{.*}}) step(%[[T]]) {compressor = "rand_k", eta = 2.000000e-01 : f64, k = 4 : i64, method = "econtrol"}
// CHECK:         kiln.sgd %[[W]], %[[X]]#0
// CHECK:         kiln.sgd %[[B]], %[[X]]#1
// CHECK:         return %{{.*}}, %{{.*}}, %[[X]]#2, %[[X]]#3, %[[X]]#4, %[[X]]#5, %[[X]]#6, %[[X]]#7, %{{.*}}, %[[L]]#0
func.func private @loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5", kiln.name = "w"},
                        %b: tensor<3xf32> {kiln.init = "zeros", kiln.name = "b"},
                        %x: tensor<2x4xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  %z = kiln.bias_add %h, %b : tensor<2x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @econtrol_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "econtrol",
    compressor = "rand_k", compression_ratio = 0.25 : f64, eta = 0.2 : f64}
