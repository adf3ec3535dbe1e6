// The program test/e2e/dp-golden.test replays against test/e2e/golden/dp.json: per-sample
// clipping of a two-layer MLP (kiln.clipped_value_and_grad, weights 0 for a padding row),
// the noise-free Gaussian mechanism, and two DiceSGD feedback steps from a zero error.
// Results: loss, norms, clipped sums (4), plain sums (4), aggregate (4), then per DiceSGD
// step the updates (4) and the errors (4).
func.func private @loss(%w1: tensor<5x7xf32>, %b1: tensor<7xf32>, %w2: tensor<7x3xf32>, %b2: tensor<3xf32>,
                        %x: tensor<6x5xf32>, %y: tensor<6xi64>) -> tensor<f32> {
  %h = kiln.matmul %x, %w1 : tensor<6x5xf32>, tensor<5x7xf32> -> tensor<6x7xf32>
  %z = kiln.bias_add %h, %b1 : tensor<6x7xf32>, tensor<7xf32>
  %a = kiln.relu %z : tensor<6x7xf32>
  %o = kiln.matmul %a, %w2 : tensor<6x7xf32>, tensor<7x3xf32> -> tensor<6x3xf32>
  %logits = kiln.bias_add %o, %b2 : tensor<6x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<6x3xf32>, tensor<6xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%w1: tensor<5x7xf32>, %b1: tensor<7xf32>, %w2: tensor<7x3xf32>, %b2: tensor<3xf32>,
                %x: tensor<6x5xf32>, %y: tensor<6xi64>, %mask: tensor<6xf32>, %key: tensor<i64>)
    -> (tensor<f32>, tensor<6xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>) {
  %l, %n, %g:8 = kiln.clipped_value_and_grad @loss(%w1, %b1, %w2, %b2, %x, %y) wrt [0, 1, 2, 3]
      weights %mask : tensor<6xf32> {max_norm = 0.5 : f64, unclipped}
      : (tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>, tensor<6x5xf32>, tensor<6xi64>)
      -> (tensor<f32>, tensor<6xf32>, tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
          tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>)
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %lot = arith.constant dense<5.0> : tensor<f32>
  %batch = arith.constant dense<6.0> : tensor<f32>
  %agg:4, %k1 = kiln.dp_aggregate %g#0, %g#1, %g#2, %g#3 key(%key) noise_multiplier(%sigma) lot(%lot)
      {max_norm = 0.5 : f64}
      : tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>
  %z1 = arith.constant dense<0.0> : tensor<5x7xf32>
  %z2 = arith.constant dense<0.0> : tensor<7xf32>
  %z3 = arith.constant dense<0.0> : tensor<7x3xf32>
  %z4 = arith.constant dense<0.0> : tensor<3xf32>
  %u1:4, %e1:4, %k2 = kiln.dice_feedback clipped(%g#0, %g#1, %g#2, %g#3) sums(%g#4, %g#5, %g#6, %g#7)
      errors(%z1, %z2, %z3, %z4) key(%k1) noise_multiplier(%sigma) lot(%batch)
      {max_norm = 0.5 : f64, error_max_norm = 0.75 : f64}
      : tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>
  %u2:4, %e2:4, %k3 = kiln.dice_feedback clipped(%g#0, %g#1, %g#2, %g#3) sums(%g#4, %g#5, %g#6, %g#7)
      errors(%e1#0, %e1#1, %e1#2, %e1#3) key(%k2) noise_multiplier(%sigma) lot(%batch)
      {max_norm = 0.5 : f64, error_max_norm = 0.75 : f64}
      : tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>
  return %l, %n, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %agg#0, %agg#1, %agg#2, %agg#3,
         %u1#0, %u1#1, %u1#2, %u1#3, %e1#0, %e1#1, %e1#2, %e1#3,
         %u2#0, %u2#1, %u2#2, %u2#3, %e2#0, %e2#1, %e2#2, %e2#3
      : tensor<f32>, tensor<6xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>,
        tensor<5x7xf32>, tensor<7xf32>, tensor<7x3xf32>, tensor<3xf32>
}
