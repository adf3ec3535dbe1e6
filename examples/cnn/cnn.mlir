// A small convolutional network for Fashion-MNIST, trained with Adam.
//
//     kiln-run examples/cnn/cnn.mlir --train fashion-mnist --epochs 5
//
// conv 3x3 (32) - relu - max pool 2 - conv 3x3 (64) - relu - max pool 2 - linear 3136x128 -
// relu - linear 128x10, the classic PyTorch-tutorial CNN. Images arrive as [128, 1, 28, 28]
// (kiln-run fills any [batch, ...] shape holding 784 values per image). The convolutions
// run on oneDNN (kiln.conv2d lowers to the runtime's cached primitives), pooling on the
// runtime's window kernels; biases, activations and Adam are fused loops.
// The training convention (@init, @train_step, @eval_step) is described in the README.

func.func private @forward(%c1w: tensor<32x1x3x3xf32>, %c1b: tensor<32xf32>, %c2w: tensor<64x32x3x3xf32>, %c2b: tensor<64xf32>, %f1w: tensor<3136x128xf32>, %f1b: tensor<128xf32>, %f2w: tensor<128x10xf32>, %f2b: tensor<10xf32>, %x: tensor<128x1x28x28xf32>) -> tensor<128x10xf32> {
  %c1 = kiln.conv2d %x, %c1w {padding = array<i64: 1, 1>} : tensor<128x1x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<128x32x28x28xf32>
  %z1 = kiln.channel_bias %c1, %c1b : tensor<128x32x28x28xf32>, tensor<32xf32>
  %a1 = kiln.relu %z1 : tensor<128x32x28x28xf32>
  %p1 = kiln.max_pool2d %a1 {kernel = array<i64: 2, 2>} : tensor<128x32x28x28xf32> -> tensor<128x32x14x14xf32>
  %c2 = kiln.conv2d %p1, %c2w {padding = array<i64: 1, 1>} : tensor<128x32x14x14xf32>, tensor<64x32x3x3xf32> -> tensor<128x64x14x14xf32>
  %z2 = kiln.channel_bias %c2, %c2b : tensor<128x64x14x14xf32>, tensor<64xf32>
  %a2 = kiln.relu %z2 : tensor<128x64x14x14xf32>
  %p2 = kiln.max_pool2d %a2 {kernel = array<i64: 2, 2>} : tensor<128x64x14x14xf32> -> tensor<128x64x7x7xf32>
  %f = tensor.collapse_shape %p2 [[0], [1, 2, 3]] : tensor<128x64x7x7xf32> into tensor<128x3136xf32>
  %h = kiln.matmul %f, %f1w : tensor<128x3136xf32>, tensor<3136x128xf32> -> tensor<128x128xf32>
  %z3 = kiln.bias_add %h, %f1b : tensor<128x128xf32>, tensor<128xf32>
  %a3 = kiln.relu %z3 : tensor<128x128xf32>
  %o = kiln.matmul %a3, %f2w : tensor<128x128xf32>, tensor<128x10xf32> -> tensor<128x10xf32>
  %logits = kiln.bias_add %o, %f2b : tensor<128x10xf32>, tensor<10xf32>
  return %logits : tensor<128x10xf32>
}
func.func private @loss(%c1w: tensor<32x1x3x3xf32>, %c1b: tensor<32xf32>, %c2w: tensor<64x32x3x3xf32>, %c2b: tensor<64xf32>, %f1w: tensor<3136x128xf32>, %f1b: tensor<128xf32>, %f2w: tensor<128x10xf32>, %f2b: tensor<10xf32>, %x: tensor<128x1x28x28xf32>, %y: tensor<128xi64>) -> tensor<f32> {
  %logits = func.call @forward(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x) : (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<128x1x28x28xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  return %l : tensor<f32>
}
// @init computes the initial state from the key kiln-run passes (--seed): weights as
// torch.nn.Conv2d and torch.nn.Linear initialise them (kaiming_uniform_ with a = sqrt(5),
// i.e. variance scaling 1/3 over the fan-in), biases uniform in +-1/sqrt(fan-in), and zero
// Adam moments and step.
func.func @init(%k0: tensor<i64>) -> (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<i64>) {
  %c1w, %k1 = kiln.variance_scaling %k0 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<32x1x3x3xf32>
  %c1b, %k2 = kiln.random_uniform %k1 {low = -0.333333 : f64, high = 0.333333 : f64} : tensor<32xf32>
  %c2w, %k3 = kiln.variance_scaling %k2 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<64x32x3x3xf32>
  %c2b, %k4 = kiln.random_uniform %k3 {low = -0.0589256 : f64, high = 0.0589256 : f64} : tensor<64xf32>
  %f1w, %k5 = kiln.variance_scaling %k4 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<3136x128xf32>
  %f1b, %k6 = kiln.random_uniform %k5 {low = -0.0178571 : f64, high = 0.0178571 : f64} : tensor<128xf32>
  %f2w, %k7 = kiln.variance_scaling %k6 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<128x10xf32>
  %f2b, %k8 = kiln.random_uniform %k7 {low = -0.0883883 : f64, high = 0.0883883 : f64} : tensor<10xf32>
  %z_c1w = arith.constant dense<0.0> : tensor<32x1x3x3xf32>
  %z_c1b = arith.constant dense<0.0> : tensor<32xf32>
  %z_c2w = arith.constant dense<0.0> : tensor<64x32x3x3xf32>
  %z_c2b = arith.constant dense<0.0> : tensor<64xf32>
  %z_f1w = arith.constant dense<0.0> : tensor<3136x128xf32>
  %z_f1b = arith.constant dense<0.0> : tensor<128xf32>
  %z_f2w = arith.constant dense<0.0> : tensor<128x10xf32>
  %z_f2b = arith.constant dense<0.0> : tensor<10xf32>
  %step = arith.constant dense<0> : tensor<i64>
  return %c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %z_c1w, %z_c1b, %z_c2w, %z_c2b, %z_f1w, %z_f1b, %z_f2w, %z_f2b, %z_c1w, %z_c1b, %z_c2w, %z_c2b, %z_f1w, %z_f1b, %z_f2w, %z_f2b, %step
      : tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<i64>
}
func.func @train_step(%c1w: tensor<32x1x3x3xf32>,
    %c1b: tensor<32xf32>,
    %c2w: tensor<64x32x3x3xf32>,
    %c2b: tensor<64xf32>,
    %f1w: tensor<3136x128xf32>,
    %f1b: tensor<128xf32>,
    %f2w: tensor<128x10xf32>,
    %f2b: tensor<10xf32>,
    %m_c1w: tensor<32x1x3x3xf32>,
    %m_c1b: tensor<32xf32>,
    %m_c2w: tensor<64x32x3x3xf32>,
    %m_c2b: tensor<64xf32>,
    %m_f1w: tensor<3136x128xf32>,
    %m_f1b: tensor<128xf32>,
    %m_f2w: tensor<128x10xf32>,
    %m_f2b: tensor<10xf32>,
    %v_c1w: tensor<32x1x3x3xf32>,
    %v_c1b: tensor<32xf32>,
    %v_c2w: tensor<64x32x3x3xf32>,
    %v_c2b: tensor<64xf32>,
    %v_f1w: tensor<3136x128xf32>,
    %v_f1b: tensor<128xf32>,
    %v_f2w: tensor<128x10xf32>,
    %v_f2b: tensor<10xf32>,
    %step: tensor<i64>,
    %x: tensor<128x1x28x28xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_c1w, %g_c1b, %g_c2w, %g_c2b, %g_f1w, %g_f1b, %g_f2w, %g_f2b = kiln.value_and_grad @loss(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<128x1x28x28xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %n_c1w, %nm_c1w, %nv_c1w = kiln.adam %c1w, %g_c1w, %m_c1w, %v_c1w step(%t) {lr = 1.0e-3 : f64} : tensor<32x1x3x3xf32>
  %n_c1b, %nm_c1b, %nv_c1b = kiln.adam %c1b, %g_c1b, %m_c1b, %v_c1b step(%t) {lr = 1.0e-3 : f64} : tensor<32xf32>
  %n_c2w, %nm_c2w, %nv_c2w = kiln.adam %c2w, %g_c2w, %m_c2w, %v_c2w step(%t) {lr = 1.0e-3 : f64} : tensor<64x32x3x3xf32>
  %n_c2b, %nm_c2b, %nv_c2b = kiln.adam %c2b, %g_c2b, %m_c2b, %v_c2b step(%t) {lr = 1.0e-3 : f64} : tensor<64xf32>
  %n_f1w, %nm_f1w, %nv_f1w = kiln.adam %f1w, %g_f1w, %m_f1w, %v_f1w step(%t) {lr = 1.0e-3 : f64} : tensor<3136x128xf32>
  %n_f1b, %nm_f1b, %nv_f1b = kiln.adam %f1b, %g_f1b, %m_f1b, %v_f1b step(%t) {lr = 1.0e-3 : f64} : tensor<128xf32>
  %n_f2w, %nm_f2w, %nv_f2w = kiln.adam %f2w, %g_f2w, %m_f2w, %v_f2w step(%t) {lr = 1.0e-3 : f64} : tensor<128x10xf32>
  %n_f2b, %nm_f2b, %nv_f2b = kiln.adam %f2b, %g_f2b, %m_f2b, %v_f2b step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %n_c1w, %n_c1b, %n_c2w, %n_c2b, %n_f1w, %n_f1b, %n_f2w, %n_f2b, %nm_c1w, %nm_c1b, %nm_c2w, %nm_c2b, %nm_f1w, %nm_f1b, %nm_f2w, %nm_f2b, %nv_c1w, %nv_c1b, %nv_c2w, %nv_c2b, %nv_f1w, %nv_f1b, %nv_f2w, %nv_f2b, %t, %loss
      : tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
}
func.func @eval_step(%c1w: tensor<32x1x3x3xf32>,
    %c1b: tensor<32xf32>,
    %c2w: tensor<64x32x3x3xf32>,
    %c2b: tensor<64xf32>,
    %f1w: tensor<3136x128xf32>,
    %f1b: tensor<128xf32>,
    %f2w: tensor<128x10xf32>,
    %f2b: tensor<10xf32>,
    %x: tensor<128x1x28x28xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %logits = func.call @forward(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x) : (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<128x1x28x28xf32>) -> tensor<128x10xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
  %c = kiln.count_correct %logits, %y : tensor<128x10xf32>, tensor<128xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
