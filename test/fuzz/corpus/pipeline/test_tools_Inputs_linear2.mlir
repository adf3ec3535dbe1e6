// A linear classifier of 2 features into 2 classes, in batches of 4: the small program the
// CSV and validation-split tests of kiln-run train.
func.func private @logits(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>)
    -> tensor<4x2xf32> {
  %z = kiln.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  %y = kiln.bias_add %z, %b : tensor<4x2xf32>, tensor<2xf32>
  return %y : tensor<4x2xf32>
}
func.func private @loss(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>,
                        %y: tensor<4xi64>) -> tensor<f32> {
  %z = func.call @logits(%w, %b, %x) : (tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>)
      -> tensor<4x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @train_step(%w: tensor<2x2xf32> {kiln.init = "zeros"},
                      %b: tensor<2xf32> {kiln.init = "zeros"},
                      %x: tensor<4x2xf32> {kiln.data = "images"},
                      %y: tensor<4xi64> {kiln.data = "labels"})
    -> (tensor<2x2xf32>, tensor<2xf32>, tensor<f32>) {
  %l, %gw, %gb = kiln.value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1]
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4xi64>)
      -> (tensor<f32>, tensor<2x2xf32>, tensor<2xf32>)
  %w1 = kiln.sgd %w, %gw {lr = 0.5 : f64} : tensor<2x2xf32>
  %b1 = kiln.sgd %b, %gb {lr = 0.5 : f64} : tensor<2xf32>
  return %w1, %b1, %l : tensor<2x2xf32>, tensor<2xf32>, tensor<f32>
}
func.func @eval_step(%w: tensor<2x2xf32>, %b: tensor<2xf32>,
                     %x: tensor<4x2xf32> {kiln.data = "images"},
                     %y: tensor<4xi64> {kiln.data = "labels"}) -> (tensor<f32>, tensor<i64>) {
  %z = func.call @logits(%w, %b, %x) : (tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>)
      -> tensor<4x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  %c = kiln.count_correct %z, %y : tensor<4x2xf32>, tensor<4xi64>
  return %l, %c : tensor<f32>, tensor<i64>
}
