// private-linear2.mlir without noise and with lots of the whole training set (q = 1):
// kiln-run-private.test trains it in physical batches of 4 (a lot is 15 calls of
// @train_step_accumulate and one of @train_step) and of 64 (one call), which must agree.
func.func private @logits(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x: tensor<?x2xf32>)
    -> tensor<?x2xf32> {
  %z = kiln.matmul %x, %w : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  %y = kiln.bias_add %z, %b : tensor<?x2xf32>, tensor<2xf32>
  return %y : tensor<?x2xf32>
}
func.func private @loss(%w: tensor<2x2xf32> {kiln.init = "zeros"}, %b: tensor<2xf32> {kiln.init = "zeros"},
                        %x: tensor<?x2xf32> {kiln.data = "images"},
                        %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @logits(%w, %b, %x) : (tensor<2x2xf32>, tensor<2xf32>, tensor<?x2xf32>)
      -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.5 : f64, forward = @logits,
    privacy = "dp_sgd", max_grad_norm = 1.0 : f64, noise_multiplier = 0.0 : f64,
    expected_batch_size = 64, batch = 4}
