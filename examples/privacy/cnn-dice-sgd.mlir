// The CNN of examples/privacy/cnn-dp-sgd.mlir (Tramer and Boneh's Fashion-MNIST CNN,
// 26,010 parameters, tanh) trained with DiceSGD:
//
//     kiln-run examples/privacy/cnn-dice-sgd.mlir --train fashion-mnist --epochs 40 \
//         --target-epsilon 3 --calibrate-noise
//
// Every example's gradient is clipped to C1 = 1; what the clipping removed accumulates in the
// error state e, which is fed back clipped to C2 = 1 (kiln.dice_feedback, the paper's form),
// with noise of std sigma C1 sqrt(1 + 2 C2 / C1) on the sum, over the expected lot of 2048
// (Poisson lots padded to physical batches of 2200), and plain SGD at lr 0.5 applies it.
// These are not DP-SGD's hyperparameters: with C1 = 0.1 (far below the per-example gradient
// norms) the clipped-off residual grows e by more than C2 drains each step, the feedback
// becomes a constant-size step in a stale direction, and with momentum 0.9 on top training
// diverged at every learning rate tried (examples/privacy/README.md).

func.func private @forward(%c1w: tensor<16x1x8x8xf32>, %c1b: tensor<16xf32>, %c2w: tensor<32x16x4x4xf32>, %c2b: tensor<32xf32>, %f1w: tensor<512x32xf32>, %f1b: tensor<32xf32>, %f2w: tensor<32x10xf32>, %f2b: tensor<10xf32>, %x: tensor<?x1x28x28xf32>) -> tensor<?x10xf32> {
  %c1 = kiln.conv2d %x, %c1w {stride = array<i64: 2, 2>, padding = array<i64: 2, 2>} : tensor<?x1x28x28xf32>, tensor<16x1x8x8xf32> -> tensor<?x16x13x13xf32>
  %z1 = kiln.channel_bias %c1, %c1b : tensor<?x16x13x13xf32>, tensor<16xf32>
  %a1 = math.tanh %z1 : tensor<?x16x13x13xf32>
  %p1 = kiln.max_pool2d %a1 {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x16x13x13xf32> -> tensor<?x16x12x12xf32>
  %c2 = kiln.conv2d %p1, %c2w {stride = array<i64: 2, 2>} : tensor<?x16x12x12xf32>, tensor<32x16x4x4xf32> -> tensor<?x32x5x5xf32>
  %z2 = kiln.channel_bias %c2, %c2b : tensor<?x32x5x5xf32>, tensor<32xf32>
  %a2 = math.tanh %z2 : tensor<?x32x5x5xf32>
  %p2 = kiln.max_pool2d %a2 {kernel = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<?x32x5x5xf32> -> tensor<?x32x4x4xf32>
  %f = tensor.collapse_shape %p2 [[0], [1, 2, 3]] : tensor<?x32x4x4xf32> into tensor<?x512xf32>
  %h = kiln.matmul %f, %f1w : tensor<?x512xf32>, tensor<512x32xf32> -> tensor<?x32xf32>
  %z3 = kiln.bias_add %h, %f1b : tensor<?x32xf32>, tensor<32xf32>
  %a3 = math.tanh %z3 : tensor<?x32xf32>
  %o = kiln.matmul %a3, %f2w : tensor<?x32xf32>, tensor<32x10xf32> -> tensor<?x10xf32>
  %logits = kiln.bias_add %o, %f2b : tensor<?x10xf32>, tensor<10xf32>
  return %logits : tensor<?x10xf32>
}
func.func private @loss(%c1w: tensor<16x1x8x8xf32> {kiln.init = "uniform:0.125"},
    %c1b: tensor<16xf32> {kiln.init = "uniform:0.125"},
    %c2w: tensor<32x16x4x4xf32> {kiln.init = "uniform:0.0625"},
    %c2b: tensor<32xf32> {kiln.init = "uniform:0.0625"},
    %f1w: tensor<512x32xf32> {kiln.init = "uniform:0.0441942"},
    %f1b: tensor<32xf32> {kiln.init = "uniform:0.0441942"},
    %f2w: tensor<32x10xf32> {kiln.init = "uniform:0.176777"},
    %f2b: tensor<10xf32> {kiln.init = "uniform:0.176777"},
    %x: tensor<?x1x28x28xf32> {kiln.data = "images"}, %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x) : (tensor<16x1x8x8xf32>, tensor<16xf32>, tensor<32x16x4x4xf32>, tensor<32xf32>, tensor<512x32xf32>, tensor<32xf32>, tensor<32x10xf32>, tensor<10xf32>, tensor<?x1x28x28xf32>) -> tensor<?x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.5 : f64, forward = @forward,
    privacy = "dice_sgd", max_grad_norm = 1.0 : f64, error_max_norm = 1.0 : f64,
    expected_batch_size = 2048, batch = 2200}
