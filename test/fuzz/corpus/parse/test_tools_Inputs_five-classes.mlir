// A classifier with 5 classes: Fashion-MNIST's labels 5 to 9 are outside its range.
func.func @train_step(%w: tensor<784x5xf32> {kiln.init = "zeros"},
                      %x: tensor<8x784xf32> {kiln.data = "images"},
                      %y: tensor<8xi64> {kiln.data = "labels"}) -> (tensor<784x5xf32>, tensor<f32>) {
  %l, %g = kiln.value_and_grad @loss(%w, %x, %y) wrt [0]
      : (tensor<784x5xf32>, tensor<8x784xf32>, tensor<8xi64>) -> (tensor<f32>, tensor<784x5xf32>)
  %w1 = kiln.sgd %w, %g {lr = 0.1 : f64} : tensor<784x5xf32>
  return %w1, %l : tensor<784x5xf32>, tensor<f32>
}
func.func private @loss(%w: tensor<784x5xf32>, %x: tensor<8x784xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %z = kiln.matmul %x, %w : tensor<8x784xf32>, tensor<784x5xf32> -> tensor<8x5xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<8x5xf32>, tensor<8xi64> -> tensor<f32>
  return %l : tensor<f32>
}
