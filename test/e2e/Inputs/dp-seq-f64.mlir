// the sequence model of dp-seq.mlir in f64: per-sample norms, clipped and plain sums computed in double
// precision, for test/e2e/dp-f64-golden.test (agreement with the float64 references to
// 1e-12, not f32 rounding). Results: loss, norms, clipped sums (6), plain sums (6).
func.func private @loss(%g: tensor<8xf64>, %be: tensor<8xf64>, %w1: tensor<8x8xf64>, %b1: tensor<8xf64>,
                        %w2: tensor<8x3xf64>, %b2: tensor<3xf64>, %x: tensor<12x8xf64>, %y: tensor<12xi64>) -> tensor<f64> {
  %n = kiln.layer_norm %x, %g, %be : tensor<12x8xf64>, tensor<8xf64>
  %h = kiln.matmul %n, %w1 : tensor<12x8xf64>, tensor<8x8xf64> -> tensor<12x8xf64>
  %z = kiln.bias_add %h, %b1 : tensor<12x8xf64>, tensor<8xf64>
  %a = math.tanh %z : tensor<12x8xf64>
  %o = kiln.matmul %a, %w2 : tensor<12x8xf64>, tensor<8x3xf64> -> tensor<12x3xf64>
  %logits = kiln.bias_add %o, %b2 : tensor<12x3xf64>, tensor<3xf64>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<12x3xf64>, tensor<12xi64> -> tensor<f64>
  return %l : tensor<f64>
}

func.func @step(%g: tensor<8xf64>, %be: tensor<8xf64>, %w1: tensor<8x8xf64>, %b1: tensor<8xf64>,
                %w2: tensor<8x3xf64>, %b2: tensor<3xf64>, %x: tensor<12x8xf64>, %y: tensor<12xi64>,
                %mask: tensor<4xf64>)
    -> (tensor<f64>, tensor<4xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>) {
  %l, %n, %gr:12 = kiln.clipped_value_and_grad @loss(%g, %be, %w1, %b1, %w2, %b2, %x, %y)
      wrt [0, 1, 2, 3, 4, 5] weights %mask : tensor<4xf64> {max_norm = 2.0 : f64, unclipped}
      : (tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>,
         tensor<12x8xf64>, tensor<12xi64>)
      -> (tensor<f64>, tensor<4xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>)
  return %l, %n, %gr#0, %gr#1, %gr#2, %gr#3, %gr#4, %gr#5, %gr#6, %gr#7, %gr#8, %gr#9, %gr#10, %gr#11
      : tensor<f64>, tensor<4xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>,
          tensor<8xf64>, tensor<8xf64>, tensor<8x8xf64>, tensor<8xf64>, tensor<8x3xf64>, tensor<3xf64>
}
