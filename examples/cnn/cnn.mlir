// A small convolutional network for Fashion-MNIST, trained with Adam.
//
//     kiln-run examples/cnn/cnn.mlir --train fashion-mnist --epochs 5
//
// conv 3x3 (32) - relu - max pool 2 - conv 3x3 (64) - relu - max pool 2 - linear 3136x128 -
// relu - linear 128x10, the classic PyTorch-tutorial CNN. Images arrive as [batch, 1, 28, 28]
// (kiln-run fills any [batch, ...] shape holding 784 values per image); the batch is `?`,
// compiled for the step's 128. The convolutions run on oneDNN (kiln.conv2d lowers to the
// runtime's cached primitives), pooling on the runtime's window kernels; biases,
// activations and Adam are fused loops. Every parameter starts as torch.nn.Conv2d and
// torch.nn.Linear start theirs: kaiming_uniform_(a = sqrt(5)) is U(+-1/sqrt(fan-in)), as
// are the biases. kiln.train_step writes @train_step and @eval_step.

func.func private @forward(%c1w: tensor<32x1x3x3xf32>, %c1b: tensor<32xf32>, %c2w: tensor<64x32x3x3xf32>, %c2b: tensor<64xf32>, %f1w: tensor<3136x128xf32>, %f1b: tensor<128xf32>, %f2w: tensor<128x10xf32>, %f2b: tensor<10xf32>, %x: tensor<?x1x28x28xf32>) -> tensor<?x10xf32> {
  %c1 = kiln.conv2d %x, %c1w {padding = array<i64: 1, 1>} : tensor<?x1x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<?x32x28x28xf32>
  %z1 = kiln.channel_bias %c1, %c1b : tensor<?x32x28x28xf32>, tensor<32xf32>
  %a1 = kiln.relu %z1 : tensor<?x32x28x28xf32>
  %p1 = kiln.max_pool2d %a1 {kernel = array<i64: 2, 2>} : tensor<?x32x28x28xf32> -> tensor<?x32x14x14xf32>
  %c2 = kiln.conv2d %p1, %c2w {padding = array<i64: 1, 1>} : tensor<?x32x14x14xf32>, tensor<64x32x3x3xf32> -> tensor<?x64x14x14xf32>
  %z2 = kiln.channel_bias %c2, %c2b : tensor<?x64x14x14xf32>, tensor<64xf32>
  %a2 = kiln.relu %z2 : tensor<?x64x14x14xf32>
  %p2 = kiln.max_pool2d %a2 {kernel = array<i64: 2, 2>} : tensor<?x64x14x14xf32> -> tensor<?x64x7x7xf32>
  %f = tensor.collapse_shape %p2 [[0], [1, 2, 3]] : tensor<?x64x7x7xf32> into tensor<?x3136xf32>
  %h = kiln.matmul %f, %f1w : tensor<?x3136xf32>, tensor<3136x128xf32> -> tensor<?x128xf32>
  %z3 = kiln.bias_add %h, %f1b : tensor<?x128xf32>, tensor<128xf32>
  %a3 = kiln.relu %z3 : tensor<?x128xf32>
  %o = kiln.matmul %a3, %f2w : tensor<?x128xf32>, tensor<128x10xf32> -> tensor<?x10xf32>
  %logits = kiln.bias_add %o, %f2b : tensor<?x10xf32>, tensor<10xf32>
  return %logits : tensor<?x10xf32>
}
func.func private @loss(%c1w: tensor<32x1x3x3xf32> {kiln.init = "uniform:0.333333"},
    %c1b: tensor<32xf32> {kiln.init = "uniform:0.333333"},
    %c2w: tensor<64x32x3x3xf32> {kiln.init = "uniform:0.0589256"},
    %c2b: tensor<64xf32> {kiln.init = "uniform:0.0589256"},
    %f1w: tensor<3136x128xf32> {kiln.init = "uniform:0.0178571"},
    %f1b: tensor<128xf32> {kiln.init = "uniform:0.0178571"},
    %f2w: tensor<128x10xf32> {kiln.init = "uniform:0.0883883"},
    %f2b: tensor<10xf32> {kiln.init = "uniform:0.0883883"},
    %x: tensor<?x1x28x28xf32> {kiln.data = "images"}, %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %logits = func.call @forward(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x) : (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<?x1x28x28xf32>) -> tensor<?x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adam", lr = 1.0e-3 : f64, forward = @forward, batch = 128}
