// Entry points named like C library functions (glibc exports `step` and `index`, libm
// `sin`): the library must call its own.
func.func @step(%p: tensor<4xf32> {kiln.init = "ones"}, %g: tensor<4xf32> {kiln.init = "fill:2"})
    -> tensor<4xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.25 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @sin(%p: tensor<4xf32> {kiln.init = "ones"}) -> tensor<4xf32> {
  %0 = func.call @step(%p, %p) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
