// the CNN of dp-cnn.mlir in f64: per-sample norms, clipped and plain sums computed in double
// precision, for test/e2e/dp-f64-golden.test (agreement with the float64 references to
// 1e-12, not f32 rounding). Results: loss, norms, clipped sums (6), plain sums (6).
func.func private @loss(%c1w: tensor<4x1x3x3xf64>, %c1b: tensor<4xf64>, %c2w: tensor<3x4x2x2xf64>,
                        %c2b: tensor<3xf64>, %fw: tensor<12x3xf64>, %fb: tensor<3xf64>,
                        %x: tensor<6x2x6x6xf64>, %y: tensor<6xi64>) -> tensor<f64> {
  %c1 = kiln.conv2d %x, %c1w {padding = array<i64: 1, 1>, groups = 2} : tensor<6x2x6x6xf64>, tensor<4x1x3x3xf64> -> tensor<6x4x6x6xf64>
  %z1 = kiln.channel_bias %c1, %c1b : tensor<6x4x6x6xf64>, tensor<4xf64>
  %a1 = kiln.relu %z1 : tensor<6x4x6x6xf64>
  %c2 = kiln.conv2d %a1, %c2w {stride = array<i64: 2, 2>, dilation = array<i64: 2, 2>} : tensor<6x4x6x6xf64>, tensor<3x4x2x2xf64> -> tensor<6x3x2x2xf64>
  %z2 = kiln.channel_bias %c2, %c2b : tensor<6x3x2x2xf64>, tensor<3xf64>
  %a2 = kiln.relu %z2 : tensor<6x3x2x2xf64>
  %f = tensor.collapse_shape %a2 [[0], [1, 2, 3]] : tensor<6x3x2x2xf64> into tensor<6x12xf64>
  %h = kiln.matmul %f, %fw : tensor<6x12xf64>, tensor<12x3xf64> -> tensor<6x3xf64>
  %logits = kiln.bias_add %h, %fb : tensor<6x3xf64>, tensor<3xf64>
  %l = kiln.softmax_cross_entropy %logits, %y : tensor<6x3xf64>, tensor<6xi64> -> tensor<f64>
  return %l : tensor<f64>
}

func.func @step(%c1w: tensor<4x1x3x3xf64>, %c1b: tensor<4xf64>, %c2w: tensor<3x4x2x2xf64>,
                %c2b: tensor<3xf64>, %fw: tensor<12x3xf64>, %fb: tensor<3xf64>,
                %x: tensor<6x2x6x6xf64>, %y: tensor<6xi64>, %mask: tensor<6xf64>)
    -> (tensor<f64>, tensor<6xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>) {
  %l, %n, %g:12 = kiln.clipped_value_and_grad @loss(%c1w, %c1b, %c2w, %c2b, %fw, %fb, %x, %y)
      wrt [0, 1, 2, 3, 4, 5] weights %mask : tensor<6xf64> {max_norm = 0.5 : f64, unclipped}
      : (tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>,
         tensor<6x2x6x6xf64>, tensor<6xi64>)
      -> (tensor<f64>, tensor<6xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>)
  return %l, %n, %g#0, %g#1, %g#2, %g#3, %g#4, %g#5, %g#6, %g#7, %g#8, %g#9, %g#10, %g#11
      : tensor<f64>, tensor<6xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>,
          tensor<4x1x3x3xf64>, tensor<4xf64>, tensor<3x4x2x2xf64>, tensor<3xf64>, tensor<12x3xf64>, tensor<3xf64>
}
