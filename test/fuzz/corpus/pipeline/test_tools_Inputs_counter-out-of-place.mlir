// linear2.mlir's classifier with a step counter whose increment is computed before the
// schedule's last read of the old value: bufferization cannot reuse the counter's buffer, so
// kiln-finalize-entry-points copies the new count into it at the end of the step.
func.func private @loss(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x: tensor<4x2xf32>,
                        %y: tensor<4xi64>) -> tensor<f32> {
  %z = kiln.matmul %x, %w : tensor<4x2xf32>, tensor<2x2xf32> -> tensor<4x2xf32>
  %zb = kiln.bias_add %z, %b : tensor<4x2xf32>, tensor<2xf32>
  %l = kiln.softmax_cross_entropy %zb, %y : tensor<4x2xf32>, tensor<4xi64> -> tensor<f32>
  return %l : tensor<f32>
}
func.func @train_step(%w: tensor<2x2xf32> {kiln.init = "zeros"},
                      %b: tensor<2xf32> {kiln.init = "zeros"},
                      %step: tensor<i64> {kiln.init = "zeros"},
                      %x: tensor<4x2xf32> {kiln.data = "images"},
                      %y: tensor<4xi64> {kiln.data = "labels"})
    -> (tensor<2x2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>) {
  %one = arith.constant dense<1> : tensor<i64>
  %t = arith.addi %step, %one : tensor<i64>
  %lr = kiln.cosine_decay_schedule %step {init_value = 0.5 : f64, decay_steps = 100 : i64}
  %l, %gw, %gb = kiln.value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1]
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<4x2xf32>, tensor<4xi64>)
      -> (tensor<f32>, tensor<2x2xf32>, tensor<2xf32>)
  %w1 = kiln.sgd %w, %gw lr(%lr) : tensor<2x2xf32>
  %b1 = kiln.sgd %b, %gb lr(%lr) : tensor<2xf32>
  return %w1, %b1, %t, %l : tensor<2x2xf32>, tensor<2xf32>, tensor<i64>, tensor<f32>
}
