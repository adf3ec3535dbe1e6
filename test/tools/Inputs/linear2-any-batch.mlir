// linear2.mlir written for any batch size (`?`): the generated step compiles it for 4 unless
// kiln-run or kiln-compile is given --batch.
func.func private @logits(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %z = kiln.matmul %x, %w : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  %y = kiln.bias_add %z, %b : tensor<?x2xf32>, tensor<2xf32>
  return %y : tensor<?x2xf32>
}
func.func private @loss(%w: tensor<2x2xf32> {kiln.init = "zeros"}, %b: tensor<2xf32> {kiln.init = "zeros"},
                        %x: tensor<?x2xf32> {kiln.data = "images"},
                        %y: tensor<?xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @logits(%w, %b, %x) : (tensor<2x2xf32>, tensor<2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<?x2xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.5 : f64, forward = @logits, batch = 4}
