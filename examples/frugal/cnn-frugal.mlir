// The CNN of examples/cnn trained with FRUGAL (density 0.25, update gap 200) instead of Adam.
//
//     kiln-run examples/frugal/cnn-frugal.mlir --train fashion-mnist --epochs 8
//
// The convolution filters take the "coordinates" projection (a quarter of their entries,
// drawn afresh every 200 steps, get AdamW; FRUGAL's rows and columns need matrices) and the
// linear layers the "rows" one (input features), signSGD at a tenth of the learning rate
// elsewhere; biases keep plain Adam. Forward pass, loss and @eval_step are examples/cnn's.

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
func.func @init(%key0: tensor<i64>) -> (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<72xf32>, tensor<72xf32>, tensor<72xi64>, tensor<i64>, tensor<i64>, tensor<32xf32>, tensor<32xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<4608xi64>, tensor<i64>, tensor<i64>, tensor<64xf32>, tensor<64xf32>, tensor<784x128xf32>, tensor<784x128xf32>, tensor<784xi64>, tensor<i64>, tensor<i64>, tensor<128xf32>, tensor<128xf32>, tensor<32x10xf32>, tensor<32x10xf32>, tensor<32xi64>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>) {
  %zero = arith.constant dense<0> : tensor<i64>
  %c1w, %key1 = kiln.variance_scaling %key0 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<32x1x3x3xf32>
  %c1b, %key2 = kiln.random_uniform %key1 {low = -0.333333 : f64, high = 0.333333 : f64} : tensor<32xf32>
  %c2w, %key3 = kiln.variance_scaling %key2 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<64x32x3x3xf32>
  %c2b, %key4 = kiln.random_uniform %key3 {low = -0.0589256 : f64, high = 0.0589256 : f64} : tensor<64xf32>
  %f1w, %key5 = kiln.variance_scaling %key4 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<3136x128xf32>
  %f1b, %key6 = kiln.random_uniform %key5 {low = -0.0178571 : f64, high = 0.0178571 : f64} : tensor<128xf32>
  %f2w, %key7 = kiln.variance_scaling %key6 {scale = 0.333333333333 : f64, mode = "fan_in", distribution = "uniform"} : tensor<128x10xf32>
  %f2b, %key8 = kiln.random_uniform %key7 {low = -0.0883883 : f64, high = 0.0883883 : f64} : tensor<10xf32>
  %z_c1w = arith.constant dense<0.0> : tensor<72xf32>
  %s_c1w = arith.constant dense<-1> : tensor<72xi64>
  %c1 = arith.constant dense<1000> : tensor<i64>
  %fk1 = arith.addi %key8, %c1 : tensor<i64>
  %z_c1b = arith.constant dense<0.0> : tensor<32xf32>
  %z_c2w = arith.constant dense<0.0> : tensor<4608xf32>
  %s_c2w = arith.constant dense<-1> : tensor<4608xi64>
  %c2 = arith.constant dense<2000> : tensor<i64>
  %fk2 = arith.addi %key8, %c2 : tensor<i64>
  %z_c2b = arith.constant dense<0.0> : tensor<64xf32>
  %z_f1w = arith.constant dense<0.0> : tensor<784x128xf32>
  %s_f1w = arith.constant dense<-1> : tensor<784xi64>
  %c3 = arith.constant dense<3000> : tensor<i64>
  %fk3 = arith.addi %key8, %c3 : tensor<i64>
  %z_f1b = arith.constant dense<0.0> : tensor<128xf32>
  %z_f2w = arith.constant dense<0.0> : tensor<32x10xf32>
  %s_f2w = arith.constant dense<-1> : tensor<32xi64>
  %c4 = arith.constant dense<4000> : tensor<i64>
  %fk4 = arith.addi %key8, %c4 : tensor<i64>
  %z_f2b = arith.constant dense<0.0> : tensor<10xf32>
  return %c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %z_c1w, %z_c1w, %s_c1w, %zero, %fk1, %z_c1b, %z_c1b, %z_c2w, %z_c2w, %s_c2w, %zero, %fk2, %z_c2b, %z_c2b, %z_f1w, %z_f1w, %s_f1w, %zero, %fk3, %z_f1b, %z_f1b, %z_f2w, %z_f2w, %s_f2w, %zero, %fk4, %z_f2b, %z_f2b, %zero
      : tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<72xf32>, tensor<72xf32>, tensor<72xi64>, tensor<i64>, tensor<i64>, tensor<32xf32>, tensor<32xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<4608xi64>, tensor<i64>, tensor<i64>, tensor<64xf32>, tensor<64xf32>, tensor<784x128xf32>, tensor<784x128xf32>, tensor<784xi64>, tensor<i64>, tensor<i64>, tensor<128xf32>, tensor<128xf32>, tensor<32x10xf32>, tensor<32x10xf32>, tensor<32xi64>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>
}
func.func @train_step(%c1w: tensor<32x1x3x3xf32>,
    %c1b: tensor<32xf32>,
    %c2w: tensor<64x32x3x3xf32>,
    %c2b: tensor<64xf32>,
    %f1w: tensor<3136x128xf32>,
    %f1b: tensor<128xf32>,
    %f2w: tensor<128x10xf32>,
    %f2b: tensor<10xf32>,
    %m_c1w: tensor<72xf32>,
    %v_c1w: tensor<72xf32>,
    %s_c1w: tensor<72xi64>,
    %n_c1w: tensor<i64>,
    %k_c1w: tensor<i64>,
    %m_c1b: tensor<32xf32>,
    %v_c1b: tensor<32xf32>,
    %m_c2w: tensor<4608xf32>,
    %v_c2w: tensor<4608xf32>,
    %s_c2w: tensor<4608xi64>,
    %n_c2w: tensor<i64>,
    %k_c2w: tensor<i64>,
    %m_c2b: tensor<64xf32>,
    %v_c2b: tensor<64xf32>,
    %m_f1w: tensor<784x128xf32>,
    %v_f1w: tensor<784x128xf32>,
    %s_f1w: tensor<784xi64>,
    %n_f1w: tensor<i64>,
    %k_f1w: tensor<i64>,
    %m_f1b: tensor<128xf32>,
    %v_f1b: tensor<128xf32>,
    %m_f2w: tensor<32x10xf32>,
    %v_f2w: tensor<32x10xf32>,
    %s_f2w: tensor<32xi64>,
    %n_f2w: tensor<i64>,
    %k_f2w: tensor<i64>,
    %m_f2b: tensor<10xf32>,
    %v_f2b: tensor<10xf32>,
    %step: tensor<i64>,
    %x: tensor<128x1x28x28xf32> {kiln.data = "images"},
    %y: tensor<128xi64> {kiln.data = "labels"})
    -> (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<72xf32>, tensor<72xf32>, tensor<72xi64>, tensor<i64>, tensor<i64>, tensor<32xf32>, tensor<32xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<4608xi64>, tensor<i64>, tensor<i64>, tensor<64xf32>, tensor<64xf32>, tensor<784x128xf32>, tensor<784x128xf32>, tensor<784xi64>, tensor<i64>, tensor<i64>, tensor<128xf32>, tensor<128xf32>, tensor<32x10xf32>, tensor<32x10xf32>, tensor<32xi64>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>) {
  %loss, %g_c1w, %g_c1b, %g_c2w, %g_c2b, %g_f1w, %g_f1b, %g_f2w, %g_f2b = kiln.value_and_grad @loss(%c1w, %c1b, %c2w, %c2b, %f1w, %f1b, %f2w, %f2b, %x, %y) wrt [0, 1, 2, 3, 4, 5, 6, 7]
      : (tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<128x1x28x28xf32>, tensor<128xi64>) -> (tensor<f32>, tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %u_c1w, %um_c1w, %uv_c1w, %us_c1w, %un_c1w, %uk_c1w = kiln.frugal %c1w, %g_c1w, %m_c1w, %v_c1w subspace(%s_c1w) step(%n_c1w) key(%k_c1w)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "coordinates",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<32x1x3x3xf32>, tensor<72xf32>, tensor<72xf32>, tensor<72xi64>
  %u_c1b, %um_c1b, %uv_c1b = kiln.adam %c1b, %g_c1b, %m_c1b, %v_c1b step(%t) {lr = 1.0e-3 : f64} : tensor<32xf32>
  %u_c2w, %um_c2w, %uv_c2w, %us_c2w, %un_c2w, %uk_c2w = kiln.frugal %c2w, %g_c2w, %m_c2w, %v_c2w subspace(%s_c2w) step(%n_c2w) key(%k_c2w)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "coordinates",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<64x32x3x3xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<4608xi64>
  %u_c2b, %um_c2b, %uv_c2b = kiln.adam %c2b, %g_c2b, %m_c2b, %v_c2b step(%t) {lr = 1.0e-3 : f64} : tensor<64xf32>
  %u_f1w, %um_f1w, %uv_f1w, %us_f1w, %un_f1w, %uk_f1w = kiln.frugal %f1w, %g_f1w, %m_f1w, %v_f1w subspace(%s_f1w) step(%n_f1w) key(%k_f1w)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "rows",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<3136x128xf32>, tensor<784x128xf32>, tensor<784x128xf32>, tensor<784xi64>
  %u_f1b, %um_f1b, %uv_f1b = kiln.adam %f1b, %g_f1b, %m_f1b, %v_f1b step(%t) {lr = 1.0e-3 : f64} : tensor<128xf32>
  %u_f2w, %um_f2w, %uv_f2w, %us_f2w, %un_f2w, %uk_f2w = kiln.frugal %f2w, %g_f2w, %m_f2w, %v_f2w subspace(%s_f2w) step(%n_f2w) key(%k_f2w)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64, projection = "rows",
       state_full = "adamw", state_free = "sign_sgd", free_lr_scale = 0.1 : f64}
      : tensor<128x10xf32>, tensor<32x10xf32>, tensor<32x10xf32>, tensor<32xi64>
  %u_f2b, %um_f2b, %uv_f2b = kiln.adam %f2b, %g_f2b, %m_f2b, %v_f2b step(%t) {lr = 1.0e-3 : f64} : tensor<10xf32>
  return %u_c1w, %u_c1b, %u_c2w, %u_c2b, %u_f1w, %u_f1b, %u_f2w, %u_f2b, %um_c1w, %uv_c1w, %us_c1w, %un_c1w, %uk_c1w, %um_c1b, %uv_c1b, %um_c2w, %uv_c2w, %us_c2w, %un_c2w, %uk_c2w, %um_c2b, %uv_c2b, %um_f1w, %uv_f1w, %us_f1w, %un_f1w, %uk_f1w, %um_f1b, %uv_f1b, %um_f2w, %uv_f2w, %us_f2w, %un_f2w, %uk_f2w, %um_f2b, %uv_f2b, %t, %loss
      : tensor<32x1x3x3xf32>, tensor<32xf32>, tensor<64x32x3x3xf32>, tensor<64xf32>, tensor<3136x128xf32>, tensor<128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<72xf32>, tensor<72xf32>, tensor<72xi64>, tensor<i64>, tensor<i64>, tensor<32xf32>, tensor<32xf32>, tensor<4608xf32>, tensor<4608xf32>, tensor<4608xi64>, tensor<i64>, tensor<i64>, tensor<64xf32>, tensor<64xf32>, tensor<784x128xf32>, tensor<784x128xf32>, tensor<784xi64>, tensor<i64>, tensor<i64>, tensor<128xf32>, tensor<128xf32>, tensor<32x10xf32>, tensor<32x10xf32>, tensor<32xi64>, tensor<i64>, tensor<i64>, tensor<10xf32>, tensor<10xf32>, tensor<i64>, tensor<f32>
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
