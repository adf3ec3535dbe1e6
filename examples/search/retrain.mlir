// Retraining the architecture a search derived: the supernet of search.mlir whose edges take
// the searched alphas (kiln.architecture), trained from scratch with Adam on the whole
// training set.
//
//     kiln-run examples/search/retrain.mlir --arch search.st --train fashion-mnist --epochs 10
//
// --arch names the search's checkpoint (kiln-run --checkpoint): kiln-bind-arch reads the
// alphas from it and kiln-derive-arch keeps each edge's strongest candidate other than
// "none" (DARTS' rule), so the compiled step is the plain model, without the other
// candidates' computations. Their weights stay in the signature, with zero gradients.

func.func private @forward(%w1: tensor<784x64xf32>, %b1: tensor<64xf32>, %e1_relu: tensor<64x64xf32>, %e1_tanh: tensor<64x64xf32>, %e2_relu: tensor<64x64xf32>, %e2_tanh: tensor<64x64xf32>, %w4: tensor<64x10xf32>, %b4: tensor<10xf32>, %x: tensor<128x784xf32>) -> tensor<128x10xf32> {
  // The alphas the search learned: the checkpoint tensors named after search.mlir's loss
  // arguments %a1 and %a2, whatever the --search method.
  %a1 = kiln.architecture "a1" : tensor<4xf32>
  %a2 = kiln.architecture "a2" : tensor<4xf32>
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
func.func private @loss(%w1: tensor<784x64xf32>, %b1: tensor<64xf32>, %e1_relu: tensor<64x64xf32>, %e1_tanh: tensor<64x64xf32>, %e2_relu: tensor<64x64xf32>, %e2_tanh: tensor<64x64xf32>, %w4: tensor<64x10xf32>, %b4: tensor<10xf32>, %x: tensor<128x784xf32>, %y: tensor<128xi64>) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %x) : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @train_step(%w1: tensor<784x64xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<64xf32> {kiln.init = "uniform:0.0357143"},
    %e1_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e1_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_relu: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %e2_tanh: tensor<64x64xf32> {kiln.init = "uniform:0.125"},
    %w4: tensor<64x10xf32> {kiln.init = "uniform:0.125"},
    %b4: tensor<10xf32> {kiln.init = "uniform:0.125"},
    %m_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %m_b1: tensor<64xf32> {kiln.init = "zeros"},
    %m_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %m_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %m_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %m_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %m_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %m_b4: tensor<10xf32> {kiln.init = "zeros"},
    %v_w1: tensor<784x64xf32> {kiln.init = "zeros"},
    %v_b1: tensor<64xf32> {kiln.init = "zeros"},
    %v_e1_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %v_e1_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %v_e2_relu: tensor<64x64xf32> {kiln.init = "zeros"},
    %v_e2_tanh: tensor<64x64xf32> {kiln.init = "zeros"},
    %v_w4: tensor<64x10xf32> {kiln.init = "zeros"},
    %v_b4: tensor<10xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_w1, %g_b1, %g_e1_relu, %g_e1_tanh, %g_e2_relu, %g_e2_tanh, %g_w4, %g_b4 = kiln.value_and_grad @loss(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %u_w1, %um_w1, %uv_w1 = kiln.adam %w1, %g_w1, %m_w1, %v_w1 step(%t) {lr = 1.0e-3 : f64} : tensor<784x64xf32>
  %u_b1, %um_b1, %uv_b1 = kiln.adam %b1, %g_b1, %m_b1, %v_b1 step(%t) {lr = 1.0e-3 : f64} : tensor<64xf32>
  %u_e1_relu, %um_e1_relu, %uv_e1_relu = kiln.adam %e1_relu, %g_e1_relu, %m_e1_relu, %v_e1_relu step(%t) {lr = 1.0e-3 : f64} : tensor<64x64xf32>
  %u_e1_tanh, %um_e1_tanh, %uv_e1_tanh = kiln.adam %e1_tanh, %g_e1_tanh, %m_e1_tanh, %v_e1_tanh step(%t) {lr = 1.0e-3 : f64} : tensor<64x64xf32>
  %u_e2_relu, %um_e2_relu, %uv_e2_relu = kiln.adam %e2_relu, %g_e2_relu, %m_e2_relu, %v_e2_relu step(%t) {lr = 1.0e-3 : f64} : tensor<64x64xf32>
  %u_e2_tanh, %um_e2_tanh, %uv_e2_tanh = kiln.adam %e2_tanh, %g_e2_tanh, %m_e2_tanh, %v_e2_tanh step(%t) {lr = 1.0e-3 : f64} : tensor<64x64xf32>
  %u_w4, %um_w4, %uv_w4 = kiln.adam %w4, %g_w4, %m_w4, %v_w4 step(%t) {lr = 1.0e-3 : f64} : tensor<64x10xf32>
  %u_b4, %um_b4, %uv_b4 = kiln.adam %b4, %g_b4, %m_b4, %v_b4 step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %u_w1, %u_b1, %u_e1_relu, %u_e1_tanh, %u_e2_relu, %u_e2_tanh, %u_w4, %u_b4, %um_w1, %um_b1, %um_e1_relu, %um_e1_tanh, %um_e2_relu, %um_e2_tanh, %um_w4, %um_b4, %uv_w1, %uv_b1, %uv_e1_relu, %uv_e1_tanh, %uv_e2_relu, %uv_e2_tanh, %uv_w4, %uv_b4, %t, %loss
      : tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
}
func.func @eval_step(%w1: tensor<784x64xf32>,
    %b1: tensor<64xf32>,
    %e1_relu: tensor<64x64xf32>,
    %e1_tanh: tensor<64x64xf32>,
    %e2_relu: tensor<64x64xf32>,
    %e2_tanh: tensor<64x64xf32>,
    %w4: tensor<64x10xf32>,
    %b4: tensor<10xf32>,
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %logits = func.call @forward(%w1, %b1, %e1_relu, %e1_tanh, %e2_relu, %e2_tanh, %w4, %b4, %x) : (tensor<784x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x64xf32>, tensor<64x10xf32>, tensor<10xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  %c = kiln.count_correct %logits, %y : tensor<128x10xf32>, tensor<128xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
