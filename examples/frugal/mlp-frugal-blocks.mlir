// The MLP of examples/mlp trained with blockwise FRUGAL (density 0.25, update gap 200, the
// reference's BlockOptimizer) instead of Adam.
//
//     kiln-run examples/frugal/mlp-frugal-blocks.mlir --train fashion-mnist --epochs 10
//
// One kiln.frugal_blocks updates the three weight matrices: round(3 * 0.25) = 1 of them at a
// time takes AdamW, the other two signSGD (at a tenth of the rate, as in mlp-frugal.mlir),
// and every 200 steps the next one in descending order (w3, w2, w1, w3, ...) becomes the
// state-full one with fresh state. The state pool is sized for the largest tensor the order
// activates (w1, 784 x 256), so on this model, where one layer holds three quarters of the
// weights, blocks save less than the row projection of mlp-frugal.mlir: the reference meant
// them for deep stacks of similar layers. Biases take plain Adam, as in the reference.

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
func.func @init(%key0: tensor<i64>) -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<200704xf32>, tensor<200704xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<10xf32>, tensor<10xf32>, tensor<i64>) {
  %w1, %key1 = kiln.variance_scaling %key0 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<784x256xf32>
  %b1, %key2 = kiln.random_uniform %key1 {low = -0.0357143 : f64, high = 0.0357143 : f64} : tensor<256xf32>
  %w2, %key3 = kiln.variance_scaling %key2 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<256x256xf32>
  %b2, %key4 = kiln.random_uniform %key3 {low = -0.0625000 : f64, high = 0.0625000 : f64} : tensor<256xf32>
  %w3, %key5 = kiln.variance_scaling %key4 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<256x10xf32>
  %b3, %key6 = kiln.random_uniform %key5 {low = -0.0625000 : f64, high = 0.0625000 : f64} : tensor<10xf32>
  %pool = arith.constant dense<0.0> : tensor<200704xf32>
  %active = arith.constant dense<-1> : tensor<1xi64>
  %zb1 = arith.constant dense<0.0> : tensor<256xf32>
  %zb3 = arith.constant dense<0.0> : tensor<10xf32>
  %zero = arith.constant dense<0> : tensor<i64>
  return %w1, %b1, %w2, %b2, %w3, %b3, %pool, %pool, %active, %zero, %key6, %zb1, %zb1, %zb1, %zb1, %zb3, %zb3, %zero
      : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<200704xf32>, tensor<200704xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<10xf32>, tensor<10xf32>, tensor<i64>
}
func.func @train_step(%w1: tensor<784x256xf32>,
    %b1: tensor<256xf32>,
    %w2: tensor<256x256xf32>,
    %b2: tensor<256xf32>,
    %w3: tensor<256x10xf32>,
    %b3: tensor<10xf32>,
    %m: tensor<200704xf32>,
    %v: tensor<200704xf32>,
    %active: tensor<1xi64>,
    %n: tensor<i64>,
    %k: tensor<i64>,
    %m_b1: tensor<256xf32>,
    %v_b1: tensor<256xf32>,
    %m_b2: tensor<256xf32>,
    %v_b2: tensor<256xf32>,
    %m_b3: tensor<10xf32>,
    %v_b3: tensor<10xf32>,
    %step: tensor<i64>,
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<200704xf32>, tensor<200704xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_w1, %g_b1, %g_w2, %g_b2, %g_w3, %g_b3 = kiln.value_and_grad @loss(%w1, %b1, %w2, %b2, %w3, %b3, %x, %y) wrt [0, 1, 2, 3, 4, 5]
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %u:3, %um, %uv, %ua, %un, %uk = kiln.frugal_blocks (%w1, %w2, %w3) grads(%g_w1, %g_w2, %g_w3)
      state(%m, %v) active(%active) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, block_order = "descending",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : (tensor<784x256xf32>, tensor<256x256xf32>, tensor<256x10xf32>), tensor<200704xf32>,
        tensor<200704xf32>, tensor<1xi64> grads(tensor<784x256xf32>, tensor<256x256xf32>, tensor<256x10xf32>)
  %u_b1, %um_b1, %uv_b1 = kiln.adam %b1, %g_b1, %m_b1, %v_b1 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %u_b2, %um_b2, %uv_b2 = kiln.adam %b2, %g_b2, %m_b2, %v_b2 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %u_b3, %um_b3, %uv_b3 = kiln.adam %b3, %g_b3, %m_b3, %v_b3 step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %u#0, %u_b1, %u#1, %u_b2, %u#2, %u_b3, %um, %uv, %ua, %un, %uk, %um_b1, %uv_b1, %um_b2, %uv_b2, %um_b3, %uv_b3, %t, %loss
      : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<200704xf32>, tensor<200704xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<256xf32>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
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
