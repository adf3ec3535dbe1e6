// docs/algorithms.md §4.2's DiceSGD worked example: B = 2 samples whose per-sample gradients
// are g1 = [3, 0, 4, 0] and g2 = [0.3, 0.4, 0, 0] at both steps, C1 = 1, C2 = 1.5, SGD with
// lr 0.1, no noise, from x = 0 and e = 0. The clipped sum clip(g1) + clip(g2) is
// [0.9, 0.4, 0.8, 0] and the plain sum [3.3, 0.4, 4, 0]. Results: x1, e1, x2, e2, and the
// first and second update directions v.
func.func @main() -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %s = arith.constant dense<[0.9, 0.4, 0.8, 0.0]> : tensor<4xf32>
  %t = arith.constant dense<[3.3, 0.4, 4.0, 0.0]> : tensor<4xf32>
  %zero = arith.constant dense<0.0> : tensor<4xf32>
  %k0 = arith.constant dense<0> : tensor<i64>
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %b = arith.constant dense<2.0> : tensor<f32>
  %v1, %e1, %k1 = kiln.dice_feedback clipped(%s) sums(%t) errors(%zero) key(%k0) noise_multiplier(%sigma) lot(%b)
      {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64} : tensor<4xf32>
  %x1 = kiln.sgd %zero, %v1 {lr = 0.1 : f64} : tensor<4xf32>
  %v2, %e2, %k2 = kiln.dice_feedback clipped(%s) sums(%t) errors(%e1) key(%k1) noise_multiplier(%sigma) lot(%b)
      {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64} : tensor<4xf32>
  %x2 = kiln.sgd %x1, %v2 {lr = 0.1 : f64} : tensor<4xf32>
  return %x1, %e1, %x2, %e2, %v1, %v2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
