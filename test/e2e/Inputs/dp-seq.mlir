// The program test/e2e/dp-seq-golden.test replays against test/e2e/golden/dp-seq.json:
// per-sample clipping over sequences, 4 samples of 3 tokens flattened to 12 rows (a layer
// norm, a linear layer in the Gram form and one in the materialized form, their biases; a
// padding sample of weight 0) and the noise-free Gaussian mechanism.
// Results: loss, norms, clipped sums (6), plain sums (6), aggregate (6).
func.func private @loss(%g: tensor<8xf32>, %be: tensor<8xf32>, %w1: tensor<8x8xf32>, %b1: tensor<8xf32>,
                        %w2: tensor<8x3xf32>, %b2: tensor<3xf32>, %x: tensor<12x8xf32>, %y: tensor<12xi64>) -> tensor<f32> {
  %n = kiln.layer_norm %x, %g, %be : tensor<12x8xf32>, tensor<8xf32>
  %h = kiln.matmul %n, %w1 : tensor<12x8xf32>, tensor<8x8xf32> -> tensor<12x8xf32>
  %z = kiln.bias_add %h, %b1 : tensor<12x8xf32>, tensor<8xf32>
  %a = math.tanh %z : tensor<12x8xf32>
  %o = kiln.matmul %a, %w2 : tensor<12x8xf32>, tensor<8x3xf32> -> tensor<12x3xf32>
  %logits = kiln.bias_add %o, %b2 : tensor<12x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<12x3xf32>, tensor<12xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%g: tensor<8xf32>, %be: tensor<8xf32>, %w1: tensor<8x8xf32>, %b1: tensor<8xf32>,
                %w2: tensor<8x3xf32>, %b2: tensor<3xf32>, %x: tensor<12x8xf32>, %y: tensor<12xi64>,
                %mask: tensor<4xf32>, %key: tensor<i64>)
    -> (tensor<f32>, tensor<4xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>) {
  %l, %n, %gr:12 = kiln.clipped_value_and_grad @loss(%g, %be, %w1, %b1, %w2, %b2, %x, %y)
      wrt [0, 1, 2, 3, 4, 5] weights %mask : tensor<4xf32> {max_norm = 2.0 : f64, unclipped}
      : (tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
         tensor<12x8xf32>, tensor<12xi64>)
      -> (tensor<f32>, tensor<4xf32>,
          tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
          tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>)
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %lot = arith.constant dense<3.0> : tensor<f32>
  %agg:6, %k1 = kiln.dp_aggregate %gr#0, %gr#1, %gr#2, %gr#3, %gr#4, %gr#5 key(%key) noise_multiplier(%sigma) lot(%lot)
      {max_norm = 2.0 : f64}
      : tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>
  return %l, %n, %gr#0, %gr#1, %gr#2, %gr#3, %gr#4, %gr#5, %gr#6, %gr#7, %gr#8, %gr#9, %gr#10, %gr#11,
         %agg#0, %agg#1, %agg#2, %agg#3, %agg#4, %agg#5
      : tensor<f32>, tensor<4xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>,
        tensor<8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x3xf32>, tensor<3xf32>
}
