// The program test/e2e/dp-cnn-golden.test replays against test/e2e/golden/dp-cnn.json:
// per-sample clipping of a small CNN (kiln.clipped_value_and_grad through two convolutions
// with groups, padding, stride and dilation, their channel biases and a linear layer;
// weight 0 for a padding row) and the noise-free Gaussian mechanism.
// Results: loss, norms, clipped sums (6), plain sums (6), aggregate (6).
func.func private @loss(%c1w: tensor<4x1x3x3xf32>, %c1b: tensor<4xf32>, %c2w: tensor<3x4x2x2xf32>,
                        %c2b: tensor<3xf32>, %fw: tensor<12x3xf32>, %fb: tensor<3xf32>,
                        %x: tensor<6x2x6x6xf32>, %y: tensor<6xi64>) -> tensor<f32> {
  %c1 = kiln.conv2d %x, %c1w {padding = array<i64: 1, 1>, groups = 2} : tensor<6x2x6x6xf32>, tensor<4x1x3x3xf32> -> tensor<6x4x6x6xf32>
  %z1 = kiln.channel_bias %c1, %c1b : tensor<6x4x6x6xf32>, tensor<4xf32>
  %a1 = kiln.relu %z1 : tensor<6x4x6x6xf32>
  %c2 = kiln.conv2d %a1, %c2w {stride = array<i64: 2, 2>, dilation = array<i64: 2, 2>} : tensor<6x4x6x6xf32>, tensor<3x4x2x2xf32> -> tensor<6x3x2x2xf32>
  %z2 = kiln.channel_bias %c2, %c2b : tensor<6x3x2x2xf32>, tensor<3xf32>
  %a2 = kiln.relu %z2 : tensor<6x3x2x2xf32>
  %f = tensor.collapse_shape %a2 [[0], [1, 2, 3]] : tensor<6x3x2x2xf32> into tensor<6x12xf32>
  %h = kiln.matmul %f, %fw : tensor<6x12xf32>, tensor<12x3xf32> -> tensor<6x3xf32>
  %logits = kiln.bias_add %h, %fb : tensor<6x3xf32>, tensor<3xf32>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<6x3xf32>, tensor<6xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @step(%c1w: tensor<4x1x3x3xf32>, %c1b: tensor<4xf32>, %c2w: tensor<3x4x2x2xf32>,
                %c2b: tensor<3xf32>, %fw: tensor<12x3xf32>, %fb: tensor<3xf32>,
                %x: tensor<6x2x6x6xf32>, %y: tensor<6xi64>, %mask: tensor<6xf32>, %key: tensor<i64>)
    -> (tensor<f32>, tensor<6xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>) {
  %l, %n, %g:12 = kiln.clipped_value_and_grad @loss(%c1w, %c1b, %c2w, %c2b, %fw, %fb, %x, %y)
      wrt [0, 1, 2, 3, 4, 5] weights %mask : tensor<6xf32> {max_norm = 0.5 : f64, unclipped}
      : (tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
         tensor<6x2x6x6xf32>, tensor<6xi64>)
      -> (tensor<f32>, tensor<6xf32>,
          tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
          tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>)
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %lot = arith.constant dense<5.0> : tensor<f32>
  %agg:6, %k1 = kiln.dp_aggregate %g#0, %g#1, %g#2, %g#3, %g#4, %g#5 key(%key) noise_multiplier(%sigma) lot(%lot)
      {max_norm = 0.5 : f64}
      : tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>
  return %l, %n, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11,
         %agg#0, %agg#1, %agg#2, %agg#3, %agg#4, %agg#5
      : tensor<f32>, tensor<6xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>,
        tensor<4x1x3x3xf32>, tensor<4xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>, tensor<12x3xf32>, tensor<3xf32>
}
