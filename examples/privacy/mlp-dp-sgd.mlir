// The MLP of examples/mlp trained with DP-SGD (Abadi et al. 2016) on Fashion-MNIST:
//
//     kiln-run examples/privacy/mlp-dp-sgd.mlir --train fashion-mnist --epochs 15 \
//         --target-epsilon 3 --calibrate-noise --metrics dp-sgd.csv
//
// Each example's gradient is clipped to norm 1 (kiln.clipped_value_and_grad: ghost norms
// and a second weighted contraction, no per-example gradients in memory), Gaussian noise of
// std sigma * 1 is added to the clipped sum, which is divided by the expected lot of 256
// (kiln.dp_aggregate), and SGD applies it. kiln-run draws Poisson lots (each example joins
// with probability 256 / 60000) padded to a physical batch of 320, sets sigma so that the
// 15 epochs spend epsilon = 3 at delta = 1e-5 (--calibrate-noise), and prints epsilon after
// every epoch. README.md has the figures.

func.func private @forward(%w1: tensor<784x256xf32>, %b1: tensor<256xf32>, %w2: tensor<256x256xf32>, %b2: tensor<256xf32>, %w3: tensor<256x10xf32>, %b3: tensor<10xf32>, %x: tensor<?x784xf32>) -> tensor<?x10xf32> {
  %h1 = kiln.matmul %x, %w1 : tensor<?x784xf32>, tensor<784x256xf32> -> tensor<?x256xf32>
  %z1 = kiln.bias_add %h1, %b1 : tensor<?x256xf32>, tensor<256xf32>
  %a1 = kiln.relu %z1 : tensor<?x256xf32>
  %h2 = kiln.matmul %a1, %w2 : tensor<?x256xf32>, tensor<256x256xf32> -> tensor<?x256xf32>
  %z2 = kiln.bias_add %h2, %b2 : tensor<?x256xf32>, tensor<256xf32>
  %a2 = kiln.relu %z2 : tensor<?x256xf32>
  %h3 = kiln.matmul %a2, %w3 : tensor<?x256xf32>, tensor<256x10xf32> -> tensor<?x10xf32>
  %z3 = kiln.bias_add %h3, %b3 : tensor<?x10xf32>, tensor<10xf32>
  return %z3 : tensor<?x10xf32>
}
func.func private @loss(%w1: tensor<784x256xf32> {kiln.init = "uniform:0.0357143"},
    %b1: tensor<256xf32> {kiln.init = "uniform:0.0357143"},
    %w2: tensor<256x256xf32> {kiln.init = "uniform:0.0625"},
    %b2: tensor<256xf32> {kiln.init = "uniform:0.0625"},
    %w3: tensor<256x10xf32> {kiln.init = "uniform:0.0625"},
    %b3: tensor<10xf32> {kiln.init = "uniform:0.0625"},
    %x: tensor<?x784xf32> {kiln.data = "images"},
    %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%w1, %b1, %w2, %b2, %w3, %b3, %x) : (tensor<784x256xf32>, tensor<256xf32>, tensor<256x256xf32>, tensor<256xf32>, tensor<256x10xf32>, tensor<10xf32>, tensor<?x784xf32>) -> tensor<?x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.5 : f64, forward = @forward,
    privacy = "dp_sgd", max_grad_norm = 1.0 : f64, expected_batch_size = 256, batch = 320}
