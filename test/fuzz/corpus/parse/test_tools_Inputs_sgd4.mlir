func.func @sgd4(%p: tensor<4xf32> {kiln.init = "ones"}, %g: tensor<4xf32> {kiln.init = "fill:2"})
    -> tensor<4xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.25 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @sgd3(%p: tensor<3xf32> {kiln.init = "ones"}, %g: tensor<3xf32> {kiln.init = "ones"})
    -> tensor<3xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.5 : f64} : tensor<3xf32>
  return %0 : tensor<3xf32>
}
