// Differentiable architecture search on Fashion-MNIST with two data streams: the supernet of
// supernet.mlir (two kiln.mixed edges over linear+ReLU, linear+tanh, skip_connect and none)
// searched by DARTS first order (@train_step), DARTS second order (@darts2_step) or RARTS
// (@rarts_step; @rarts_jacobi_step takes alpha's gradient from the weights' backward
// passes), chosen with --entry:
//
//     kiln-run examples/search/search.mlir --train fashion-mnist --epochs 10 [--entry rarts_step]
//
// Each step takes a batch of each half of the training data: kiln.data "images"/"labels"
// (split A: DARTS' train half, on which the weights learn) and "val_images"/"val_labels"
// (split B: DARTS' search half). kiln-run splits the training set in two with the seed
// (twoWaySplit) and feeds one batch of each per step. The optimizers are DARTS': SGD with
// momentum and a cosine schedule for the weights, Adam for alpha. The order of updates is
// ALGORITHMS.md 1.2 (DARTS: the architecture step first, at the current weights) and 1.3
// (RARTS: w, then y, then alpha, each from the newest values).

func.func private @forward(%w1: tensor<784x64xf32>, %b1: tensor<64xf32>, %e1_relu: tensor<64x64xf32>, %e1_tanh: tensor<64x64xf32>, %e2_relu: tensor<64x64xf32>, %e2_tanh: tensor<64x64xf32>, %w4: tensor<64x10xf32>, %b4: tensor<10xf32>, %a1: tensor<4xf32>, %a2: tensor<4xf32>, %x: tensor<128x784xf32>) -> tensor<128x10xf32> {
  %h0 = kiln.matmul %x, %w1 : tensor<128x784xf32>, tensor<784x64xf32> -> tensor<128x64xf32>
  %h1 = kiln.bias_add %h0, %b1 : tensor<128x64xf32>, tensor<64xf32>
  %h = kiln.relu %h1 : tensor<128x64xf32>
  // Edge 1 (node 1), from h: two linear candidates, skip, and none.
  %r1 = kiln.matmul %h, %e1_relu : tensor<128x64xf32>, tensor<64x64xf32> -> tensor<128x64xf32>
  %c1 = kiln.relu %r1 : tensor<128x64xf32>
  %t1 = kiln.matmul %h, %e1_tanh : tensor<128x64xf32>, tensor<64x64xf32> -> tensor<128x64xf32>
  %d1 = math.tanh %t1 : tensor<128x64xf32>
  %n1 = kiln.mixed %a1 [%c1, %d1, %h] {ops = ["none", "linear_relu", "linear_tanh", "skip_connect"], node = 1 : i64}
      : tensor<4xf32>, [tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>] -> tensor<128x64xf32>
  // Edge 2 (node 2), from node 1.
  %r2 = kiln.matmul %n1, %e2_relu : tensor<128x64xf32>, tensor<64x64xf32> -> tensor<128x64xf32>
  %c2 = kiln.relu %r2 : tensor<128x64xf32>
  %t2 = kiln.matmul %n1, %e2_tanh : tensor<128x64xf32>, tensor<64x64xf32> -> tensor<128x64xf32>
  %d2 = math.tanh %t2 : tensor<128x64xf32>
  %n2 = kiln.mixed %a2 [%c2, %d2, %n1] {ops = ["none", "linear_relu", "linear_tanh", "skip_connect"], node = 2 : i64}
      : tensor<4xf32>, [tensor<128x64xf32>, tensor<128x64xf32>, tensor<128x64xf32>] -> tensor<128x64xf32>
  %o = kiln.matmul %n2, %w4 : tensor<128x64xf32>, tensor<64x10xf32> -> tensor<128x10xf32>
  %logits = kiln.bias_add %o, %b4 : tensor<128x10xf32>, tensor<10xf32>
  return %logits : tensor<128x10xf32>
}
func.func private @loss(%w1: tensor<784x64xf32>, %b1: tensor<64xf32>, %e1_relu: tensor<64x64xf32>, %e1_tanh: tensor<64x64xf32>, %e2_relu: tensor<64x64xf32>, %e2_tanh: tensor<64x64xf32>, %w4: tensor<64x10xf32>, %b4: tensor<10xf32>, %a1: tensor<4xf32>, %a2: tensor<4xf32>, %x: tensor<128x784xf32>, %y: tensor<128xi64>) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x) : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  return %l : tensor<f32>
}
// DARTS, first order (ALGORITHMS.md 1.2): g_alpha = grad_alpha L_val(w, alpha).
// DARTS, first order (ALGORITHMS.md 1.2): g_alpha = grad_alpha L_val(w, alpha).
func.func @train_step(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32> {kiln.init = "normal:0.001"},
    %a2: tensor<4xf32> {kiln.init = "normal:0.001"},
    %buf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %buf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %buf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %buf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %m_a1: tensor<4xf32> {kiln.init = "zeros"},
    %m_a2: tensor<4xf32> {kiln.init = "zeros"},
    %v_a1: tensor<4xf32> {kiln.init = "zeros"},
    %v_a2: tensor<4xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"},
    %xv: tensor<128x784xf32> {kiln.data = "val_images"},
    %yv: tensor<128xi64> {kiln.data = "val_labels"})
    -> (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  // Weights: SGD with momentum 0.9, weight decay 3e-4, the cosine schedule of DARTS
  // (0.025 down to 0.001, over 10 epochs of 234 steps), global-norm clipping at 5.
  %lr = kiln.cosine_decay_schedule %step {init_value = 0.025 : f64, decay_steps = 2340 : i64, alpha = 0.04 : f64}
  // The architecture step first, at the current weights, on the val batch.
  %unused_ga_a1, %ga_a1, %ga_a2 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %xv, %yv) wrt [8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>)
  // Architecture: Adam, betas (0.5, 0.999), L2 decay 1e-3 as DARTS; lr 3e-3, ten times
  // DARTS' for a search of 10 epochs rather than 50.
  %na1, %nm_a1, %nv_a1 = kiln.adam %a1, %ga_a1, %m_a1, %v_a1 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  %na2, %nm_a2, %nv_a2 = kiln.adam %a2, %ga_a2, %m_a2, %v_a2 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  // Then the weight step on the train batch, with the updated architecture.
  %loss, %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %na1, %na2, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %c:8 = kiln.clip_by_global_norm %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %nw_w1, %nb_w1 = kiln.momentum %w1, %c#0, %buf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %nw_b1, %nb_b1 = kiln.momentum %b1, %c#1, %buf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %nw_e1_relu, %nb_e1_relu = kiln.momentum %e1_relu, %c#2, %buf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e1_tanh, %nb_e1_tanh = kiln.momentum %e1_tanh, %c#3, %buf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_relu, %nb_e2_relu = kiln.momentum %e2_relu, %c#4, %buf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_tanh, %nb_e2_tanh = kiln.momentum %e2_tanh, %c#5, %buf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_w4, %nb_w4 = kiln.momentum %w4, %c#6, %buf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %nw_b4, %nb_b4 = kiln.momentum %b4, %c#7, %buf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  return %nw_w1, %nw_b1, %nw_e1_relu, %nw_e1_tanh, %nw_e2_relu, %nw_e2_tanh, %nw_w4, %nw_b4, %na1, %na2, %nb_w1, %nb_b1, %nb_e1_relu, %nb_e1_tanh, %nb_e2_relu, %nb_e2_tanh, %nb_w4, %nb_b4, %nm_a1, %nm_a2, %nv_a1, %nv_a2, %t, %loss
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>
}
// DARTS, second order (ALGORITHMS.md 1.2): the unrolled step and the finite-difference
// Hessian-vector product.
func.func @darts2_step(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32> {kiln.init = "normal:0.001"},
    %a2: tensor<4xf32> {kiln.init = "normal:0.001"},
    %buf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %buf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %buf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %buf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %m_a1: tensor<4xf32> {kiln.init = "zeros"},
    %m_a2: tensor<4xf32> {kiln.init = "zeros"},
    %v_a1: tensor<4xf32> {kiln.init = "zeros"},
    %v_a2: tensor<4xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"},
    %xv: tensor<128x784xf32> {kiln.data = "val_images"},
    %yv: tensor<128xi64> {kiln.data = "val_labels"})
    -> (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  // Weights: SGD with momentum 0.9, weight decay 3e-4, the cosine schedule of DARTS
  // (0.025 down to 0.001, over 10 epochs of 234 steps), global-norm clipping at 5.
  %lr = kiln.cosine_decay_schedule %step {init_value = 0.025 : f64, decay_steps = 2340 : i64, alpha = 0.04 : f64}
  // Unrolled weights w' = w - xi (momentum buf + grad_w L_train + wd w), xi = lr: the
  // weight optimizer's own step, whose new buffer is dropped.
  %l_unroll, %gu_w1, %gu_b1, %gu_e1_relu, %gu_e1_tanh, %gu_e2_relu, %gu_e2_tanh, %gu_w4, %gu_b4 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %u_w1, %ub_w1 = kiln.momentum %w1, %gu_w1, %buf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %u_b1, %ub_b1 = kiln.momentum %b1, %gu_b1, %buf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %u_e1_relu, %ub_e1_relu = kiln.momentum %e1_relu, %gu_e1_relu, %buf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %u_e1_tanh, %ub_e1_tanh = kiln.momentum %e1_tanh, %gu_e1_tanh, %buf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %u_e2_relu, %ub_e2_relu = kiln.momentum %e2_relu, %gu_e2_relu, %buf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %u_e2_tanh, %ub_e2_tanh = kiln.momentum %e2_tanh, %gu_e2_tanh, %buf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %u_w4, %ub_w4 = kiln.momentum %w4, %gu_w4, %buf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %u_b4, %ub_b4 = kiln.momentum %b4, %gu_b4, %buf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  // g0 = grad_alpha L_val(w', alpha) and v = grad_w' L_val(w', alpha), one backward.
  %l_val, %v_w1, %v_b1, %v_e1_relu, %v_e1_tanh, %v_e2_relu, %v_e2_tanh, %v_w4, %v_b4, %g0_a1, %g0_a2 = kiln.value_and_grad @loss(%u_w1, %u_b1, %u_e1_relu, %u_e1_tanh, %u_e2_relu, %u_e2_tanh, %u_w4, %u_b4, %a1, %a2, %xv, %yv) wrt [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>)
  // R = 0.01 / ||v|| over all weights (guarded at ||v|| = 0, where the product is 0).
  %vv_w1 = arith.mulf %v_w1, %v_w1 : tensor<784x64xf32>
  %sv_w1 = kiln.sum %vv_w1 : tensor<784x64xf32> -> tensor<f32>
  %vv_b1 = arith.mulf %v_b1, %v_b1 : tensor<64xf32>
  %sv_b1 = kiln.sum %vv_b1 : tensor<64xf32> -> tensor<f32>
  %vv_e1_relu = arith.mulf %v_e1_relu, %v_e1_relu : tensor<64x64xf32>
  %sv_e1_relu = kiln.sum %vv_e1_relu : tensor<64x64xf32> -> tensor<f32>
  %vv_e1_tanh = arith.mulf %v_e1_tanh, %v_e1_tanh : tensor<64x64xf32>
  %sv_e1_tanh = kiln.sum %vv_e1_tanh : tensor<64x64xf32> -> tensor<f32>
  %vv_e2_relu = arith.mulf %v_e2_relu, %v_e2_relu : tensor<64x64xf32>
  %sv_e2_relu = kiln.sum %vv_e2_relu : tensor<64x64xf32> -> tensor<f32>
  %vv_e2_tanh = arith.mulf %v_e2_tanh, %v_e2_tanh : tensor<64x64xf32>
  %sv_e2_tanh = kiln.sum %vv_e2_tanh : tensor<64x64xf32> -> tensor<f32>
  %vv_w4 = arith.mulf %v_w4, %v_w4 : tensor<64x10xf32>
  %sv_w4 = kiln.sum %vv_w4 : tensor<64x10xf32> -> tensor<f32>
  %vv_b4 = arith.mulf %v_b4, %v_b4 : tensor<10xf32>
  %sv_b4 = kiln.sum %vv_b4 : tensor<10xf32> -> tensor<f32>
  %acc0 = arith.addf %sv_w1, %sv_b1 : tensor<f32>
  %acc1 = arith.addf %acc0, %sv_e1_relu : tensor<f32>
  %acc2 = arith.addf %acc1, %sv_e1_tanh : tensor<f32>
  %acc3 = arith.addf %acc2, %sv_e2_relu : tensor<f32>
  %acc4 = arith.addf %acc3, %sv_e2_tanh : tensor<f32>
  %acc5 = arith.addf %acc4, %sv_w4 : tensor<f32>
  %acc6 = arith.addf %acc5, %sv_b4 : tensor<f32>
  %norm = math.sqrt %acc6 : tensor<f32>
  %tiny = arith.constant dense<1.0e-30> : tensor<f32>
  %norm_safe = arith.maximumf %norm, %tiny : tensor<f32>
  %r = arith.constant dense<0.01> : tensor<f32>
  %big_r = arith.divf %r, %norm_safe : tensor<f32>
  %rv_w1 = kiln.mul %big_r, %v_w1 : tensor<f32>, tensor<784x64xf32> -> tensor<784x64xf32>
  %wp_w1 = arith.addf %w1, %rv_w1 : tensor<784x64xf32>
  %wm_w1 = arith.subf %w1, %rv_w1 : tensor<784x64xf32>
  %rv_b1 = kiln.mul %big_r, %v_b1 : tensor<f32>, tensor<64xf32> -> tensor<64xf32>
  %wp_b1 = arith.addf %b1, %rv_b1 : tensor<64xf32>
  %wm_b1 = arith.subf %b1, %rv_b1 : tensor<64xf32>
  %rv_e1_relu = kiln.mul %big_r, %v_e1_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %wp_e1_relu = arith.addf %e1_relu, %rv_e1_relu : tensor<64x64xf32>
  %wm_e1_relu = arith.subf %e1_relu, %rv_e1_relu : tensor<64x64xf32>
  %rv_e1_tanh = kiln.mul %big_r, %v_e1_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %wp_e1_tanh = arith.addf %e1_tanh, %rv_e1_tanh : tensor<64x64xf32>
  %wm_e1_tanh = arith.subf %e1_tanh, %rv_e1_tanh : tensor<64x64xf32>
  %rv_e2_relu = kiln.mul %big_r, %v_e2_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %wp_e2_relu = arith.addf %e2_relu, %rv_e2_relu : tensor<64x64xf32>
  %wm_e2_relu = arith.subf %e2_relu, %rv_e2_relu : tensor<64x64xf32>
  %rv_e2_tanh = kiln.mul %big_r, %v_e2_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %wp_e2_tanh = arith.addf %e2_tanh, %rv_e2_tanh : tensor<64x64xf32>
  %wm_e2_tanh = arith.subf %e2_tanh, %rv_e2_tanh : tensor<64x64xf32>
  %rv_w4 = kiln.mul %big_r, %v_w4 : tensor<f32>, tensor<64x10xf32> -> tensor<64x10xf32>
  %wp_w4 = arith.addf %w4, %rv_w4 : tensor<64x10xf32>
  %wm_w4 = arith.subf %w4, %rv_w4 : tensor<64x10xf32>
  %rv_b4 = kiln.mul %big_r, %v_b4 : tensor<f32>, tensor<10xf32> -> tensor<10xf32>
  %wp_b4 = arith.addf %b4, %rv_b4 : tensor<10xf32>
  %wm_b4 = arith.subf %b4, %rv_b4 : tensor<10xf32>
  // hvp = (grad_alpha L_train(w+) - grad_alpha L_train(w-)) / 2R; g = g0 - xi hvp.
  %unused_gp_a1, %gp_a1, %gp_a2 = kiln.value_and_grad @loss(%wp_w1, %wp_b1, %wp_e1_relu, %wp_e1_tanh, %wp_e2_relu, %wp_e2_tanh, %wp_w4, %wp_b4, %a1, %a2, %x, %y) wrt [8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>)
  %unused_gm_a1, %gm_a1, %gm_a2 = kiln.value_and_grad @loss(%wm_w1, %wm_b1, %wm_e1_relu, %wm_e1_tanh, %wm_e2_relu, %wm_e2_tanh, %wm_w4, %wm_b4, %a1, %a2, %x, %y) wrt [8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>)
  %two = arith.constant dense<2.0> : tensor<f32>
  %two_r = arith.mulf %two, %big_r : tensor<f32>
  %coef = arith.divf %lr, %two_r : tensor<f32>
  %d_a1 = arith.subf %gp_a1, %gm_a1 : tensor<4xf32>
  %h_a1 = kiln.mul %coef, %d_a1 : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %ga_a1 = arith.subf %g0_a1, %h_a1 : tensor<4xf32>
  %d_a2 = arith.subf %gp_a2, %gm_a2 : tensor<4xf32>
  %h_a2 = kiln.mul %coef, %d_a2 : tensor<f32>, tensor<4xf32> -> tensor<4xf32>
  %ga_a2 = arith.subf %g0_a2, %h_a2 : tensor<4xf32>
  // Architecture: Adam, betas (0.5, 0.999), L2 decay 1e-3 as DARTS; lr 3e-3, ten times
  // DARTS' for a search of 10 epochs rather than 50.
  %na1, %nm_a1, %nv_a1 = kiln.adam %a1, %ga_a1, %m_a1, %v_a1 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  %na2, %nm_a2, %nv_a2 = kiln.adam %a2, %ga_a2, %m_a2, %v_a2 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  // The weight step, as in first order.
  %loss, %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %na1, %na2, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %c:8 = kiln.clip_by_global_norm %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %nw_w1, %nb_w1 = kiln.momentum %w1, %c#0, %buf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %nw_b1, %nb_b1 = kiln.momentum %b1, %c#1, %buf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %nw_e1_relu, %nb_e1_relu = kiln.momentum %e1_relu, %c#2, %buf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e1_tanh, %nb_e1_tanh = kiln.momentum %e1_tanh, %c#3, %buf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_relu, %nb_e2_relu = kiln.momentum %e2_relu, %c#4, %buf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_tanh, %nb_e2_tanh = kiln.momentum %e2_tanh, %c#5, %buf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_w4, %nb_w4 = kiln.momentum %w4, %c#6, %buf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %nw_b4, %nb_b4 = kiln.momentum %b4, %c#7, %buf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  return %nw_w1, %nw_b1, %nw_e1_relu, %nw_e1_tanh, %nw_e2_relu, %nw_e2_tanh, %nw_w4, %nw_b4, %na1, %na2, %nb_w1, %nb_b1, %nb_e1_relu, %nb_e1_tanh, %nb_e2_relu, %nb_e2_tanh, %nb_w4, %nb_b4, %nm_a1, %nm_a2, %nv_a1, %nv_a2, %t, %loss
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>
}
// RARTS (ALGORITHMS.md 1.3): data and network splitting, one Gauss-Seidel sweep.
func.func @rarts_step(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32> {kiln.init = "normal:0.001"},
    %a2: tensor<4xf32> {kiln.init = "normal:0.001"},
    %y_w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %y_b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %y_e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %y_b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %buf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %buf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %buf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %buf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %ybuf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %ybuf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %ybuf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %ybuf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %m_a1: tensor<4xf32> {kiln.init = "zeros"},
    %m_a2: tensor<4xf32> {kiln.init = "zeros"},
    %v_a1: tensor<4xf32> {kiln.init = "zeros"},
    %v_a2: tensor<4xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"},
    %xv: tensor<128x784xf32> {kiln.data = "val_images"},
    %yv: tensor<128xi64> {kiln.data = "val_labels"})
    -> (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  // Weights: SGD with momentum 0.9, weight decay 3e-4, the cosine schedule of DARTS
  // (0.025 down to 0.001, over 10 epochs of 234 steps), global-norm clipping at 5.
  %lr = kiln.cosine_decay_schedule %step {init_value = 0.025 : f64, decay_steps = 2340 : i64, alpha = 0.04 : f64}
  // lambda = 1 (weight of split A) and beta = 0.1 (the coupling of w and y): user
  // hyperparameters, as ALGORITHMS.md 1.3 leaves them.
  %beta = arith.constant dense<0.1> : tensor<f32>
  // w on split A: G_w = lambda grad_w L_A(w, alpha) + beta (w - y).
  %loss, %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %dwy_w1 = arith.subf %w1, %y_w1 : tensor<784x64xf32>
  %cwy_w1 = kiln.mul %beta, %dwy_w1 : tensor<f32>, tensor<784x64xf32> -> tensor<784x64xf32>
  %G_w1 = arith.addf %g_w1, %cwy_w1 : tensor<784x64xf32>
  %dwy_b1 = arith.subf %b1, %y_b1 : tensor<64xf32>
  %cwy_b1 = kiln.mul %beta, %dwy_b1 : tensor<f32>, tensor<64xf32> -> tensor<64xf32>
  %G_b1 = arith.addf %g_b1, %cwy_b1 : tensor<64xf32>
  %dwy_e1_relu = arith.subf %e1_relu, %y_e1_relu : tensor<64x64xf32>
  %cwy_e1_relu = kiln.mul %beta, %dwy_e1_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e1_relu = arith.addf %g_e1_relu, %cwy_e1_relu : tensor<64x64xf32>
  %dwy_e1_tanh = arith.subf %e1_tanh, %y_e1_tanh : tensor<64x64xf32>
  %cwy_e1_tanh = kiln.mul %beta, %dwy_e1_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e1_tanh = arith.addf %g_e1_tanh, %cwy_e1_tanh : tensor<64x64xf32>
  %dwy_e2_relu = arith.subf %e2_relu, %y_e2_relu : tensor<64x64xf32>
  %cwy_e2_relu = kiln.mul %beta, %dwy_e2_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e2_relu = arith.addf %g_e2_relu, %cwy_e2_relu : tensor<64x64xf32>
  %dwy_e2_tanh = arith.subf %e2_tanh, %y_e2_tanh : tensor<64x64xf32>
  %cwy_e2_tanh = kiln.mul %beta, %dwy_e2_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e2_tanh = arith.addf %g_e2_tanh, %cwy_e2_tanh : tensor<64x64xf32>
  %dwy_w4 = arith.subf %w4, %y_w4 : tensor<64x10xf32>
  %cwy_w4 = kiln.mul %beta, %dwy_w4 : tensor<f32>, tensor<64x10xf32> -> tensor<64x10xf32>
  %G_w4 = arith.addf %g_w4, %cwy_w4 : tensor<64x10xf32>
  %dwy_b4 = arith.subf %b4, %y_b4 : tensor<10xf32>
  %cwy_b4 = kiln.mul %beta, %dwy_b4 : tensor<f32>, tensor<10xf32> -> tensor<10xf32>
  %G_b4 = arith.addf %g_b4, %cwy_b4 : tensor<10xf32>
  %c:8 = kiln.clip_by_global_norm %G_w1, %G_b1, %G_e1_relu, %G_e1_tanh, %G_e2_relu, %G_e2_tanh, %G_w4, %G_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %nw_w1, %nb_w1 = kiln.momentum %w1, %c#0, %buf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %nw_b1, %nb_b1 = kiln.momentum %b1, %c#1, %buf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %nw_e1_relu, %nb_e1_relu = kiln.momentum %e1_relu, %c#2, %buf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e1_tanh, %nb_e1_tanh = kiln.momentum %e1_tanh, %c#3, %buf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_relu, %nb_e2_relu = kiln.momentum %e2_relu, %c#4, %buf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_tanh, %nb_e2_tanh = kiln.momentum %e2_tanh, %c#5, %buf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_w4, %nb_w4 = kiln.momentum %w4, %c#6, %buf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %nw_b4, %nb_b4 = kiln.momentum %b4, %c#7, %buf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  // y on split B, coupled to the new w: G_y = grad_y L_B(y, alpha) + beta (y - w1).
  %loss_b, %gy_w1, %gy_b1, %gy_e1_relu, %gy_e1_tanh, %gy_e2_relu, %gy_e2_tanh, %gy_w4, %gy_b4 = kiln.value_and_grad @loss(%y_w1, %y_b1, %y_e1_relu, %y_e1_tanh, %y_e2_relu, %y_e2_tanh, %y_w4, %y_b4, %a1, %a2, %xv, %yv) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %dyw_w1 = arith.subf %y_w1, %nw_w1 : tensor<784x64xf32>
  %cyw_w1 = kiln.mul %beta, %dyw_w1 : tensor<f32>, tensor<784x64xf32> -> tensor<784x64xf32>
  %Gy_w1 = arith.addf %gy_w1, %cyw_w1 : tensor<784x64xf32>
  %dyw_b1 = arith.subf %y_b1, %nw_b1 : tensor<64xf32>
  %cyw_b1 = kiln.mul %beta, %dyw_b1 : tensor<f32>, tensor<64xf32> -> tensor<64xf32>
  %Gy_b1 = arith.addf %gy_b1, %cyw_b1 : tensor<64xf32>
  %dyw_e1_relu = arith.subf %y_e1_relu, %nw_e1_relu : tensor<64x64xf32>
  %cyw_e1_relu = kiln.mul %beta, %dyw_e1_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e1_relu = arith.addf %gy_e1_relu, %cyw_e1_relu : tensor<64x64xf32>
  %dyw_e1_tanh = arith.subf %y_e1_tanh, %nw_e1_tanh : tensor<64x64xf32>
  %cyw_e1_tanh = kiln.mul %beta, %dyw_e1_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e1_tanh = arith.addf %gy_e1_tanh, %cyw_e1_tanh : tensor<64x64xf32>
  %dyw_e2_relu = arith.subf %y_e2_relu, %nw_e2_relu : tensor<64x64xf32>
  %cyw_e2_relu = kiln.mul %beta, %dyw_e2_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e2_relu = arith.addf %gy_e2_relu, %cyw_e2_relu : tensor<64x64xf32>
  %dyw_e2_tanh = arith.subf %y_e2_tanh, %nw_e2_tanh : tensor<64x64xf32>
  %cyw_e2_tanh = kiln.mul %beta, %dyw_e2_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e2_tanh = arith.addf %gy_e2_tanh, %cyw_e2_tanh : tensor<64x64xf32>
  %dyw_w4 = arith.subf %y_w4, %nw_w4 : tensor<64x10xf32>
  %cyw_w4 = kiln.mul %beta, %dyw_w4 : tensor<f32>, tensor<64x10xf32> -> tensor<64x10xf32>
  %Gy_w4 = arith.addf %gy_w4, %cyw_w4 : tensor<64x10xf32>
  %dyw_b4 = arith.subf %y_b4, %nw_b4 : tensor<10xf32>
  %cyw_b4 = kiln.mul %beta, %dyw_b4 : tensor<f32>, tensor<10xf32> -> tensor<10xf32>
  %Gy_b4 = arith.addf %gy_b4, %cyw_b4 : tensor<10xf32>
  %cy_:8 = kiln.clip_by_global_norm %Gy_w1, %Gy_b1, %Gy_e1_relu, %Gy_e1_tanh, %Gy_e2_relu, %Gy_e2_tanh, %Gy_w4, %Gy_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %ny_w1, %nb_y_w1 = kiln.momentum %y_w1, %cy_#0, %ybuf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %ny_b1, %nb_y_b1 = kiln.momentum %y_b1, %cy_#1, %ybuf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %ny_e1_relu, %nb_y_e1_relu = kiln.momentum %y_e1_relu, %cy_#2, %ybuf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e1_tanh, %nb_y_e1_tanh = kiln.momentum %y_e1_tanh, %cy_#3, %ybuf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e2_relu, %nb_y_e2_relu = kiln.momentum %y_e2_relu, %cy_#4, %ybuf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e2_tanh, %nb_y_e2_tanh = kiln.momentum %y_e2_tanh, %cy_#5, %ybuf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_w4, %nb_y_w4 = kiln.momentum %y_w4, %cy_#6, %ybuf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %ny_b4, %nb_y_b4 = kiln.momentum %y_b4, %cy_#7, %ybuf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  // alpha from both splits at the new weights: grad_alpha L_B(y1) + lambda grad_alpha L_A(w1).
  %unused_gb_a1, %gb_a1, %gb_a2 = kiln.value_and_grad @loss(%ny_w1, %ny_b1, %ny_e1_relu, %ny_e1_tanh, %ny_e2_relu, %ny_e2_tanh, %ny_w4, %ny_b4, %a1, %a2, %xv, %yv) wrt [8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>)
  %unused_gA_a1, %gA_a1, %gA_a2 = kiln.value_and_grad @loss(%nw_w1, %nw_b1, %nw_e1_relu, %nw_e1_tanh, %nw_e2_relu, %nw_e2_tanh, %nw_w4, %nw_b4, %a1, %a2, %x, %y) wrt [8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>)
  %ga_a1 = arith.addf %gb_a1, %gA_a1 : tensor<4xf32>
  %ga_a2 = arith.addf %gb_a2, %gA_a2 : tensor<4xf32>
  // Architecture: Adam, betas (0.5, 0.999), L2 decay 1e-3 as DARTS; lr 3e-3, ten times
  // DARTS' for a search of 10 epochs rather than 50.
  %na1, %nm_a1, %nv_a1 = kiln.adam %a1, %ga_a1, %m_a1, %v_a1 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  %na2, %nm_a2, %nv_a2 = kiln.adam %a2, %ga_a2, %m_a2, %v_a2 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  return %nw_w1, %nw_b1, %nw_e1_relu, %nw_e1_tanh, %nw_e2_relu, %nw_e2_tanh, %nw_w4, %nw_b4, %na1, %na2, %ny_w1, %ny_b1, %ny_e1_relu, %ny_e1_tanh, %ny_e2_relu, %ny_e2_tanh, %ny_w4, %ny_b4, %nb_w1, %nb_b1, %nb_e1_relu, %nb_e1_tanh, %nb_e2_relu, %nb_e2_tanh, %nb_w4, %nb_b4, %nb_y_w1, %nb_y_b1, %nb_y_e1_relu, %nb_y_e1_tanh, %nb_y_e2_relu, %nb_y_e2_tanh, %nb_y_w4, %nb_y_b4, %nm_a1, %nm_a2, %nv_a1, %nv_a2, %t, %loss
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>
}
// RARTS with a Jacobi alpha update (ALGORITHMS.md 1.3, last paragraph): w and y as
// @rarts_step, alpha from the gradients of the same two backward passes.
func.func @rarts_jacobi_step(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32> {kiln.init = "normal:0.001"},
    %a2: tensor<4xf32> {kiln.init = "normal:0.001"},
    %y_w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %y_b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %y_e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %y_w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %y_b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %buf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %buf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %buf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %buf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %buf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %ybuf_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %ybuf_b1: tensor<64xf32> {kiln.init = "zeros"},
    %ybuf_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %ybuf_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %ybuf_b4: tensor<10xf32> {kiln.init = "zeros"},
    %m_a1: tensor<4xf32> {kiln.init = "zeros"},
    %m_a2: tensor<4xf32> {kiln.init = "zeros"},
    %v_a1: tensor<4xf32> {kiln.init = "zeros"},
    %v_a2: tensor<4xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"},
    %xv: tensor<128x784xf32> {kiln.data = "val_images"},
    %yv: tensor<128xi64> {kiln.data = "val_labels"})
    -> (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  // Weights: SGD with momentum 0.9, weight decay 3e-4, the cosine schedule of DARTS
  // (0.025 down to 0.001, over 10 epochs of 234 steps), global-norm clipping at 5.
  %lr = kiln.cosine_decay_schedule %step {init_value = 0.025 : f64, decay_steps = 2340 : i64, alpha = 0.04 : f64}
  %beta = arith.constant dense<0.1> : tensor<f32>
  // One backward on split A gives grad_w L_A(w) and grad_alpha L_A(w); one on split B
  // grad_y L_B(y) and grad_alpha L_B(y): alpha moves by the gradient at (w, y), not at
  // the new weights, which saves the two alpha-only passes of the Gauss-Seidel sweep.
  %loss, %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4, %gA_a1, %gA_a2 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>)
  %dwy_w1 = arith.subf %w1, %y_w1 : tensor<784x64xf32>
  %cwy_w1 = kiln.mul %beta, %dwy_w1 : tensor<f32>, tensor<784x64xf32> -> tensor<784x64xf32>
  %G_w1 = arith.addf %g_w1, %cwy_w1 : tensor<784x64xf32>
  %dwy_b1 = arith.subf %b1, %y_b1 : tensor<64xf32>
  %cwy_b1 = kiln.mul %beta, %dwy_b1 : tensor<f32>, tensor<64xf32> -> tensor<64xf32>
  %G_b1 = arith.addf %g_b1, %cwy_b1 : tensor<64xf32>
  %dwy_e1_relu = arith.subf %e1_relu, %y_e1_relu : tensor<64x64xf32>
  %cwy_e1_relu = kiln.mul %beta, %dwy_e1_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e1_relu = arith.addf %g_e1_relu, %cwy_e1_relu : tensor<64x64xf32>
  %dwy_e1_tanh = arith.subf %e1_tanh, %y_e1_tanh : tensor<64x64xf32>
  %cwy_e1_tanh = kiln.mul %beta, %dwy_e1_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e1_tanh = arith.addf %g_e1_tanh, %cwy_e1_tanh : tensor<64x64xf32>
  %dwy_e2_relu = arith.subf %e2_relu, %y_e2_relu : tensor<64x64xf32>
  %cwy_e2_relu = kiln.mul %beta, %dwy_e2_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e2_relu = arith.addf %g_e2_relu, %cwy_e2_relu : tensor<64x64xf32>
  %dwy_e2_tanh = arith.subf %e2_tanh, %y_e2_tanh : tensor<64x64xf32>
  %cwy_e2_tanh = kiln.mul %beta, %dwy_e2_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %G_e2_tanh = arith.addf %g_e2_tanh, %cwy_e2_tanh : tensor<64x64xf32>
  %dwy_w4 = arith.subf %w4, %y_w4 : tensor<64x10xf32>
  %cwy_w4 = kiln.mul %beta, %dwy_w4 : tensor<f32>, tensor<64x10xf32> -> tensor<64x10xf32>
  %G_w4 = arith.addf %g_w4, %cwy_w4 : tensor<64x10xf32>
  %dwy_b4 = arith.subf %b4, %y_b4 : tensor<10xf32>
  %cwy_b4 = kiln.mul %beta, %dwy_b4 : tensor<f32>, tensor<10xf32> -> tensor<10xf32>
  %G_b4 = arith.addf %g_b4, %cwy_b4 : tensor<10xf32>
  %c:8 = kiln.clip_by_global_norm %G_w1, %G_b1, %G_e1_relu, %G_e1_tanh, %G_e2_relu, %G_e2_tanh, %G_w4, %G_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %nw_w1, %nb_w1 = kiln.momentum %w1, %c#0, %buf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %nw_b1, %nb_b1 = kiln.momentum %b1, %c#1, %buf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %nw_e1_relu, %nb_e1_relu = kiln.momentum %e1_relu, %c#2, %buf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e1_tanh, %nb_e1_tanh = kiln.momentum %e1_tanh, %c#3, %buf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_relu, %nb_e2_relu = kiln.momentum %e2_relu, %c#4, %buf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_e2_tanh, %nb_e2_tanh = kiln.momentum %e2_tanh, %c#5, %buf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %nw_w4, %nb_w4 = kiln.momentum %w4, %c#6, %buf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %nw_b4, %nb_b4 = kiln.momentum %b4, %c#7, %buf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  %loss_b, %gy_w1, %gy_b1, %gy_e1_relu, %gy_e1_tanh, %gy_e2_relu, %gy_e2_tanh, %gy_w4, %gy_b4, %gb_a1, %gb_a2 = kiln.value_and_grad @loss(%y_w1, %y_b1, %y_e1_relu, %y_e1_tanh, %y_e2_relu, %y_e2_tanh, %y_w4, %y_b4, %a1, %a2, %xv, %yv) wrt [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>)
  %dyw_w1 = arith.subf %y_w1, %nw_w1 : tensor<784x64xf32>
  %cyw_w1 = kiln.mul %beta, %dyw_w1 : tensor<f32>, tensor<784x64xf32> -> tensor<784x64xf32>
  %Gy_w1 = arith.addf %gy_w1, %cyw_w1 : tensor<784x64xf32>
  %dyw_b1 = arith.subf %y_b1, %nw_b1 : tensor<64xf32>
  %cyw_b1 = kiln.mul %beta, %dyw_b1 : tensor<f32>, tensor<64xf32> -> tensor<64xf32>
  %Gy_b1 = arith.addf %gy_b1, %cyw_b1 : tensor<64xf32>
  %dyw_e1_relu = arith.subf %y_e1_relu, %nw_e1_relu : tensor<64x64xf32>
  %cyw_e1_relu = kiln.mul %beta, %dyw_e1_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e1_relu = arith.addf %gy_e1_relu, %cyw_e1_relu : tensor<64x64xf32>
  %dyw_e1_tanh = arith.subf %y_e1_tanh, %nw_e1_tanh : tensor<64x64xf32>
  %cyw_e1_tanh = kiln.mul %beta, %dyw_e1_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e1_tanh = arith.addf %gy_e1_tanh, %cyw_e1_tanh : tensor<64x64xf32>
  %dyw_e2_relu = arith.subf %y_e2_relu, %nw_e2_relu : tensor<64x64xf32>
  %cyw_e2_relu = kiln.mul %beta, %dyw_e2_relu : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e2_relu = arith.addf %gy_e2_relu, %cyw_e2_relu : tensor<64x64xf32>
  %dyw_e2_tanh = arith.subf %y_e2_tanh, %nw_e2_tanh : tensor<64x64xf32>
  %cyw_e2_tanh = kiln.mul %beta, %dyw_e2_tanh : tensor<f32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %Gy_e2_tanh = arith.addf %gy_e2_tanh, %cyw_e2_tanh : tensor<64x64xf32>
  %dyw_w4 = arith.subf %y_w4, %nw_w4 : tensor<64x10xf32>
  %cyw_w4 = kiln.mul %beta, %dyw_w4 : tensor<f32>, tensor<64x10xf32> -> tensor<64x10xf32>
  %Gy_w4 = arith.addf %gy_w4, %cyw_w4 : tensor<64x10xf32>
  %dyw_b4 = arith.subf %y_b4, %nw_b4 : tensor<10xf32>
  %cyw_b4 = kiln.mul %beta, %dyw_b4 : tensor<f32>, tensor<10xf32> -> tensor<10xf32>
  %Gy_b4 = arith.addf %gy_b4, %cyw_b4 : tensor<10xf32>
  %cy_:8 = kiln.clip_by_global_norm %Gy_w1, %Gy_b1, %Gy_e1_relu, %Gy_e1_tanh, %Gy_e2_relu, %Gy_e2_tanh, %Gy_w4, %Gy_b4 {max_norm = 5.0 : f64}
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>
  %ny_w1, %nb_y_w1 = kiln.momentum %y_w1, %cy_#0, %ybuf_w1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<784x64xf32>
  %ny_b1, %nb_y_b1 = kiln.momentum %y_b1, %cy_#1, %ybuf_b1 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64xf32>
  %ny_e1_relu, %nb_y_e1_relu = kiln.momentum %y_e1_relu, %cy_#2, %ybuf_e1_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e1_tanh, %nb_y_e1_tanh = kiln.momentum %y_e1_tanh, %cy_#3, %ybuf_e1_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e2_relu, %nb_y_e2_relu = kiln.momentum %y_e2_relu, %cy_#4, %ybuf_e2_relu lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_e2_tanh, %nb_y_e2_tanh = kiln.momentum %y_e2_tanh, %cy_#5, %ybuf_e2_tanh lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x64xf32>
  %ny_w4, %nb_y_w4 = kiln.momentum %y_w4, %cy_#6, %ybuf_w4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<64x10xf32>
  %ny_b4, %nb_y_b4 = kiln.momentum %y_b4, %cy_#7, %ybuf_b4 lr(%lr) {momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64} : tensor<10xf32>
  %ga_a1 = arith.addf %gb_a1, %gA_a1 : tensor<4xf32>
  %ga_a2 = arith.addf %gb_a2, %gA_a2 : tensor<4xf32>
  // Architecture: Adam, betas (0.5, 0.999), L2 decay 1e-3 as DARTS; lr 3e-3, ten times
  // DARTS' for a search of 10 epochs rather than 50.
  %na1, %nm_a1, %nv_a1 = kiln.adam %a1, %ga_a1, %m_a1, %v_a1 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  %na2, %nm_a2, %nv_a2 = kiln.adam %a2, %ga_a2, %m_a2, %v_a2 step(%t) {lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64} : tensor<4xf32>
  return %nw_w1, %nw_b1, %nw_e1_relu, %nw_e1_tanh, %nw_e2_relu, %nw_e2_tanh, %nw_w4, %nw_b4, %na1, %na2, %ny_w1, %ny_b1, %ny_e1_relu, %ny_e1_tanh, %ny_e2_relu, %ny_e2_tanh, %ny_w4, %ny_b4, %nb_w1, %nb_b1, %nb_e1_relu, %nb_e1_tanh, %nb_e2_relu, %nb_e2_tanh, %nb_w4, %nb_b4, %nb_y_w1, %nb_y_b1, %nb_y_e1_relu, %nb_y_e1_tanh, %nb_y_e2_relu, %nb_y_e2_tanh, %nb_y_w4, %nb_y_b4, %nm_a1, %nm_a2, %nv_a1, %nv_a2, %t, %loss
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<i64>, tensor<f32>
}
func.func @eval_step(%w1: tensor<784x64xf32>,
    %b1: tensor<64xf32>,
    %e1_relu: tensor<64x64xf32>,
    %e1_tanh: tensor<64x64xf32>,
    %e2_relu: tensor<64x64xf32>,
    %e2_tanh: tensor<64x64xf32>,
    %w4: tensor<64x10xf32>,
    %b4: tensor<10xf32>,
    %a1: tensor<4xf32>,
    %a2: tensor<4xf32>,
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %logits = func.call @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x) : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  %c = kiln.count_correct %logits, %y : tensor<128x10xf32>, tensor<128xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
