// A classifier of 2 features into 2 classes by a bias alone (logits = x + b), in batches of
// 4, trained with Adam: no matrix product, so its CUDA build runs on test/Gpu/FakeDriver,
// whose cuBLAS cannot start.
func.func private @loss(%b: tensor<2xf32>, %x: tensor<4x2xf32>, %y: tensor<4xi64>)
    -> tensor<f32> {
  %z = kiln.bias_add %x, %b : tensor<4x2xf32>, tensor<2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @train_step(%b: tensor<2xf32> {kiln.init = "zeros"},
                      %m: tensor<2xf32> {kiln.init = "zeros"},
                      %v: tensor<2xf32> {kiln.init = "zeros"},
                      %step: tensor<i64> {kiln.init = "zeros"},
                      %x: tensor<4x2xf32> {kiln.data = "images"},
                      %y: tensor<4xi64> {kiln.data = "labels"})
    -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>) {
  %l, %gb = kiln.value_and_grad @loss(%b, %x, %y) wrt [0]
      : (tensor<2xf32>, tensor<4x2xf32>, tensor<4xi64>) -> (tensor<f32>, tensor<2xf32>)
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %b1, %m1, %v1 = kiln.adam %b, %gb, %m, %v step(%t) {lr = 0.1 : f64} : tensor<2xf32>
  return %b1, %m1, %v1, %t, %l : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>
}
func.func @eval_step(%b: tensor<2xf32>, %x: tensor<4x2xf32> {kiln.data = "images"},
                     %y: tensor<4xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %z = kiln.bias_add %x, %b : tensor<4x2xf32>, tensor<2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  %c = kiln.count_correct %z, %y : tensor<4x2xf32>, tensor<4xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
