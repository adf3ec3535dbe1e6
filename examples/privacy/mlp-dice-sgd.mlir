// The MLP of examples/mlp trained with DiceSGD (Zhang, Bu, Wu and Hong, ICLR 2024) on
// Fashion-MNIST, DP-SGD's clipping bias fed back through an error state:
//
//     kiln-run examples/privacy/mlp-dice-sgd.mlir --train fashion-mnist --epochs 15 \
//         --target-epsilon 3 --calibrate-noise --metrics dice-sgd.csv
//
// As mlp-dp-sgd.mlir, with kiln.dice_feedback in place of kiln.dp_aggregate: the clipped part
// of each gradient (clip norm C1 = 1) is kept in `dice.e.<param>` and returned, clipped to
// C2 = 1, at the next step; the noise std is sigma C1 sqrt(1 + 2 C2 / C1) per summed
// gradient, the reference code's calibration, and its epsilon is DP-SGD's accountant on that
// sigma (the reference code's accounting, not the paper's theorem: docs/algorithms.md §4.2).

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
    privacy = "dice_sgd", max_grad_norm = 1.0 : f64, error_max_norm = 1.0 : f64,
    expected_batch_size = 256, batch = 320}
