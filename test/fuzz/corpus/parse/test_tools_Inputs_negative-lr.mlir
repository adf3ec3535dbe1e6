func.func @step(%p: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  %0 = kiln.sgd %p, %g {lr = -0.1 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
