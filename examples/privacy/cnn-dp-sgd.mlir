// The CNN of Tramer and Boneh ("Differentially Private Learning Needs Better Features (or
// Much More Data)", ICLR 2021) for Fashion-MNIST, trained with DP-SGD:
//
//     kiln-run examples/privacy/cnn-dp-sgd.mlir --train fashion-mnist --epochs 40 \
//         --target-epsilon 3 --calibrate-noise
//
// conv 8x8 (16, stride 2, padding 2) - tanh - max pool 2x2 (stride 1) - conv 4x4 (32,
// stride 2) - tanh - max pool 2x2 (stride 1) - linear 512x32 - tanh - linear 32x10: 26,010
// parameters. Small and tanh-activated because that is what trains best under noise: the
// noise grows with the parameter count, and tanh keeps the clipped gradients informative.
// Every example's gradient is clipped to C = 0.1 (the per-example filter gradients are
// computed as the groups of one grouped backward-weights, kiln.clipped_value_and_grad),
// Gaussian noise of std sigma C is added to the sum, which is divided by the expected lot of
// 2048 (Poisson-sampled by kiln-run, padded to physical batches of 2200), and SGD with
// momentum 0.9 at lr 4 applies it: the paper's hyperparameters. Parameters start as
// torch.nn.Conv2d/Linear start theirs (U(+-1/sqrt(fan-in))).

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
kiln.train_step @train_step(@loss) {optimizer = "momentum", lr = 4.0 : f64,
    options = {momentum = 0.9 : f64}, forward = @forward,
    privacy = "dp_sgd", max_grad_norm = 0.1 : f64, expected_batch_size = 2048, batch = 2200}
