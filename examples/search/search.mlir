// Differentiable architecture search on Fashion-MNIST with two data streams: the supernet of
// supernet.mlir (two kiln.mixed edges over linear+ReLU, linear+tanh, skip_connect and none)
// searched by DARTS first order, DARTS second order or RARTS, chosen with --search:
//
//     kiln-run examples/search/search.mlir --train fashion-mnist --epochs 10 [--search rarts]
//
// kiln.search_step declares the search; kiln-search-step writes @train_step from @loss for
// the method (docs/algorithms.md §1.2, §1.3; the op's description lists the order of updates).
// The step takes a batch of each half of the training data: kiln.data "images"/"labels"
// (split A: DARTS' train half, on which the weights learn) and "val_images"/"val_labels"
// (split B: DARTS' search half). kiln-run splits the training set in two with the seed
// (twoWaySplit) and feeds one batch of each per step.

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
// The loss of the supernet on one batch; kiln.init gives the weights' initialisers (the
// alphas take DARTS' N(0, 1e-3)).
func.func private @loss(
    %w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %a1: tensor<4xf32>, %a2: tensor<4xf32>,
    %x: tensor<128x784xf32> {kiln.data = "images"}, %y: tensor<128xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %a1, %a2, %x) : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<4xf32>, tensor<4xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  return %l : tensor<f32>
}
// The optimizers are DARTS': SGD with momentum 0.9, weight decay 3e-4 and global-norm
// clipping at 5 for the weights, on a cosine schedule from 0.025 to 0.001 over 10 epochs of
// 234 steps; Adam with betas (0.5, 0.999) and L2 decay 1e-3 for alpha, at 3e-3 (ten times
// DARTS' rate, for a search of 10 epochs rather than 50). RARTS' lambda = 1 and beta = 0.1
// are user hyperparameters: docs/algorithms.md §1.3 does not pin them.
kiln.search_step @train_step(@loss) {method = "darts1", architecture = array<i64: 8, 9>,
    decay_steps = 2340 : i64, lr = 0.025 : f64, lr_min = 0.001 : f64, momentum = 0.9 : f64,
    weight_decay = 3.0e-4 : f64, max_grad_norm = 5.0 : f64, arch_lr = 3.0e-3 : f64,
    arch_beta1 = 0.5 : f64, arch_beta2 = 0.999 : f64, arch_weight_decay = 1.0e-3 : f64,
    lambda = 1.0 : f64, beta = 0.1 : f64}
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
