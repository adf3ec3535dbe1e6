// test/Gpu/Inputs/bias2.mlir's classifier (logits = x + b, no matrix product, so its CUDA
// build runs on test/Gpu/FakeDriver) as a data-parallel step: each rank's batch of 4, the
// gradients averaged over the ranks (kiln-run --exchange turns it into a compressed one).
func.func private @forward(%b: tensor<2xf32>, %x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %z = kiln.bias_add %x, %b : tensor<?x2xf32>, tensor<2xf32>
  return %z : tensor<?x2xf32>
}
func.func private @loss(%b: tensor<2xf32> {kiln.init = "zeros"},
                        %x: tensor<?x2xf32> {kiln.data = "images"},
                        %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @forward(%b, %x) : (tensor<2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, forward = @forward,
    exchange = "mean", batch = 4}
