// A 784-256-256-10 multilayer perceptron for Fashion-MNIST, trained with Adam.
//
//     kiln-run examples/mlp/mlp.mlir --train fashion-mnist --epochs 10
//
// The program follows kiln-run's training convention (README, "Training"): @train_step
// takes the parameters, then the rest of the training state, then a batch (arguments with
// kiln.data), and returns the updated state and the loss; @eval_step takes the same
// parameters first, then a batch, and returns the loss and the number of correct rows.
// Weights are [in, out] and initialised as torch.nn.Linear (uniform, bound 1/sqrt(in)).

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
func.func @train_step(%w1: tensor<784x256xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<256xf32> {kiln.init = "uniform:0.0357143"},
    %w2: tensor<256x256xf32> {kiln.init = "uniform:0.0625"},
    %b2: tensor<256xf32> {kiln.init = "uniform:0.0625"},
    %w3: tensor<256x10xf32> {kiln.init = "uniform:0.0625"},
    %b3: tensor<10xf32> {kiln.init = "uniform:0.0625"},
    %m_w1: tensor<784x256xf32> {kiln.init = "zeros"},
    %m_b1: tensor<256xf32> {kiln.init = "zeros"},
    %m_w2: tensor<256x256xf32> {kiln.init = "zeros"},
    %m_b2: tensor<256xf32> {kiln.init = "zeros"},
    %m_w3: tensor<256x10xf32> {kiln.init = "zeros"},
    %m_b3: tensor<10xf32> {kiln.init = "zeros"},
    %v_w1: tensor<784x256xf32> {kiln.init = "zeros"},
    %v_b1: tensor<256xf32> {kiln.init = "zeros"},
    %v_w2: tensor<256x256xf32> {kiln.init = "zeros"},
    %v_b2: tensor<256xf32> {kiln.init = "zeros"},
    %v_w3: tensor<256x10xf32> {kiln.init = "zeros"},
    %v_b3: tensor<10xf32> {kiln.init = "zeros"},
    %step: tensor<i64> {kiln.init = "zeros"},
    %x: tensor<128x784xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_w1, %g_b1, %g_w2, %g_b2, %g_w3, %g_b3 = kiln.value_and_grad @loss(%w1, %b1, %w2, %b2, %w3, %b3, %x, %y) wrt [0, 1, 2, 3, 4, 5]
      : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %n_w1, %nm_w1, %nv_w1 = kiln.adam %w1, %g_w1, %m_w1, %v_w1 step(%t) {lr = 1.0e-3 : f64} : tensor<784x256xf32>
  %n_b1, %nm_b1, %nv_b1 = kiln.adam %b1, %g_b1, %m_b1, %v_b1 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %n_w2, %nm_w2, %nv_w2 = kiln.adam %w2, %g_w2, %m_w2, %v_w2 step(%t) {lr = 1.0e-3 : f64} : tensor<256x256xf32>
  %n_b2, %nm_b2, %nv_b2 = kiln.adam %b2, %g_b2, %m_b2, %v_b2 step(%t) {lr = 1.0e-3 : f64} : tensor<256xf32>
  %n_w3, %nm_w3, %nv_w3 = kiln.adam %w3, %g_w3, %m_w3, %v_w3 step(%t) {lr = 1.0e-3 : f64} : tensor<256x10xf32>
  %n_b3, %nm_b3, %nv_b3 = kiln.adam %b3, %g_b3, %m_b3, %v_b3 step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %n_w1, %n_b1, %n_w2, %n_b2, %n_w3, %n_b3, %nm_w1, %nm_b1, %nm_w2, %nm_b2, %nm_w3, %nm_b3, %nv_w1, %nv_b1, %nv_w2, %nv_b2, %nv_w3, %nv_b3, %t, %loss
      : tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
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
