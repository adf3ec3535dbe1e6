// The MLP of examples/mlp trained with FRUGAL's SVD projection (GaLore-like; density 0.25,
// update gap 200) instead of Adam.
//
//     kiln-run examples/frugal/mlp-frugal-svd.mlir --train fashion-mnist --epochs 10
//
// Each weight matrix is updated by kiln.frugal with projection "svd": every 200 steps the
// runtime takes the SVD of the current gradient (LAPACK) and keeps its top singular vectors
// on the shorter side (r = round(256 * 0.25) = 64 for the [784, 256] and [256, 256] weights,
// round(10 * 0.25) = 2 for the [256, 10] one); AdamW runs on the projected gradient g P^T
// and its update goes back up through P, while signSGD (at a tenth of the rate, as in
// mlp-frugal.mlir) moves the residual. The state is m and v of the projected gradient plus
// the projector P. Biases take plain Adam, as in the reference. @init draws the weights
// (torch.nn.Linear's init); a zero step count makes the first step draw the projectors.

func.func private @forward(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>, %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>, %x: tensor<128x784xf32>) -> tensor<128x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<128x784xf32>, tensor<784x256xf32> -> tensor<128x256xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<128x256xf32>, tensor<256xf32>
  %a1 = kiln.relu %z1 : tensor<128x256xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<128x256xf32>, tensor<256x256xf32> -> tensor<128x256xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<128x256xf32>, tensor<256xf32>
  %a2 = kiln.relu %z2 : tensor<128x256xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<128x256xf32>, tensor<256x10xf32> -> tensor<128x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<128x10xf32>, tensor<10xf32>
  return %z3 : tensor<128x10xf32>
}
func.func private @loss(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>, %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>, %x: tensor<128x784xf32>, %y: tensor<128xi64>) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @init(%key0: tensor<i64>) -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x10xf32>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>) {
  %w1, %key1 = kiln.variance_scaling %key0 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<784x256xf32>
  %b1, %key2 = kiln.random_uniform %key1 {low = -0.0357143 : f64, high = 0.0357143 : f64} : tensor<256xf32>
  %w2, %key3 = kiln.variance_scaling %key2 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<256x256xf32>
  %b2, %key4 = kiln.random_uniform %key3 {low = -0.0625000 : f64, high = 0.0625000 : f64} : tensor<256xf32>
  %w3, %key5 = kiln.variance_scaling %key4 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<256x10xf32>
  %b3, %key6 = kiln.random_uniform %key5 {low = -0.0625000 : f64, high = 0.0625000 : f64} : tensor<10xf32>
  %z_w1 = arith.constant dense<0.0> : tensor<784x64xf32>
  %s_w1 = arith.constant dense<0.0> : tensor<64x256xf32>
  %zb1 = arith.constant dense<0.0> : tensor<256xf32>
  %z_w2 = arith.constant dense<0.0> : tensor<256x64xf32>
  %s_w2 = arith.constant dense<0.0> : tensor<64x256xf32>
  %zb2 = arith.constant dense<0.0> : tensor<256xf32>
  %z_w3 = arith.constant dense<0.0> : tensor<256x2xf32>
  %s_w3 = arith.constant dense<0.0> : tensor<2x10xf32>
  %zb3 = arith.constant dense<0.0> : tensor<10xf32>
  %zero = arith.constant dense<0> : tensor<i64>
  // One FRUGAL key per layer, apart from each other and from the initializers' keys.
  %c1000 = arith.constant dense<1000> : tensor<i64>
  %c2000 = arith.constant dense<2000> : tensor<i64>
  %c3000 = arith.constant dense<3000> : tensor<i64>
  %fk1 = arith.addi %key6, %c1000 : tensor<i64>
  %fk2 = arith.addi %key6, %c2000 : tensor<i64>
  %fk3 = arith.addi %key6, %c3000 : tensor<i64>
  return %w1, %b1, %w2, %b2, %w3, %b3, %z_w1, %z_w1, %s_w1, %zero, %fk1, %zb1, %zb1, %z_w2, %z_w2, %s_w2, %zero, %fk2, %zb2, %zb2, %z_w3, %z_w3, %s_w3, %zero, %fk3, %zb3, %zb3, %zero
      : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x10xf32>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>
}
func.func @train_step(%w1: tensor<784x256xf32>,
    %b1: tensor<256xf32>,
    %w2: tensor<256x256xf32>,
    %b2: tensor<256xf32>,
    %w3: tensor<256x10xf32>,
    %b3: tensor<10xf32>,
    %m_w1: tensor<784x64xf32>,
    %v_w1: tensor<784x64xf32>,
    %s_w1: tensor<64x256xf32>,
    %n_w1: tensor<i64>,
    %k_w1: tensor<i64>,
    %m_b1: tensor<256xf32>,
    %v_b1: tensor<256xf32>,
    %m_w2: tensor<256x64xf32>,
    %v_w2: tensor<256x64xf32>,
    %s_w2: tensor<64x256xf32>,
    %n_w2: tensor<i64>,
    %k_w2: tensor<i64>,
    %m_b2: tensor<256xf32>,
    %v_b2: tensor<256xf32>,
    %m_w3: tensor<256x2xf32>,
    %v_w3: tensor<256x2xf32>,
    %s_w3: tensor<2x10xf32>,
    %n_w3: tensor<i64>,
    %k_w3: tensor<i64>,
    %m_b3: tensor<10xf32>,
    %v_b3: tensor<10xf32>,
    %step: tensor<i64>,
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x10xf32>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_w1, %g_b1, %g_w2, %g_b2, %g_w3, %g_b3 = kiln.value_and_grad @loss(%w1, %b1, %w2, %b2, %w3, %b3, %x, %y) wrt [0, 1, 2, 3, 4, 5]
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %u_w1, %um_w1, %uv_w1, %us_w1, %un_w1, %uk_w1 = kiln.frugal %w1, %g_w1, %m_w1, %v_w1 subspace(%s_w1) step(%n_w1) key(%k_w1)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
  %u_b1, %um_b1, %uv_b1 = kiln.adam %b1, %g_b1, %m_b1, %v_b1 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %u_w2, %um_w2, %uv_w2, %us_w2, %un_w2, %uk_w2 = kiln.frugal %w2, %g_w2, %m_w2, %v_w2 subspace(%s_w2) step(%n_w2) key(%k_w2)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<256x256xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>
  %u_b2, %um_b2, %uv_b2 = kiln.adam %b2, %g_b2, %m_b2, %v_b2 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %u_w3, %um_w3, %uv_w3, %us_w3, %un_w3, %uk_w3 = kiln.frugal %w3, %g_w3, %m_w3, %v_w3 subspace(%s_w3) step(%n_w3) key(%k_w3)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<256x10xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x10xf32>
  %u_b3, %um_b3, %uv_b3 = kiln.adam %b3, %g_b3, %m_b3, %v_b3 step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %u_w1, %u_b1, %u_w2, %u_b2, %u_w3, %u_b3, %um_w1, %uv_w1, %us_w1, %un_w1, %uk_w1, %um_b1, %uv_b1, %um_w2, %uv_w2, %us_w2, %un_w2, %uk_w2, %um_b2, %uv_b2, %um_w3, %uv_w3, %us_w3, %un_w3, %uk_w3, %um_b3, %uv_b3, %t, %loss
      : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256x2xf32>, tensor<256x2xf32>, tensor<2x10xf32>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
}
func.func @eval_step(%w1: tensor<784x256xf32>,
    %b1: tensor<256xf32>,
    %w2: tensor<256x256xf32>,
    %b2: tensor<256xf32>,
    %w3: tensor<256x10xf32>,
    %b3: tensor<10xf32>,
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %logits = func.call @forward(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  %c = kiln.count_correct %logits, %y : tensor<128x10xf32>, tensor<128xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
