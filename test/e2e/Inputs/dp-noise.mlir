// kiln.dp_aggregate's noise is std * z with z kiln.random_normal's standard draws (and so
// the runtime's fillNormal's) for key + p, parameter p, and std = noise_multiplier *
// max_norm; kiln.dice_feedback's std is sigma C1 sqrt(1 + 2 C2 / C1) / B. Results: the
// mechanism and the same sum written by hand (the two must print alike), the next keys, then
// DiceSGD's update from e = 0 and its hand-written form (C1 = 0.5, C2 = 2, sigma = 1.5,
// B = 4: std = 0.5625).
func.func @main()
    -> (tensor<64xf32>, tensor<64xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<i64>, tensor<64xf32>, tensor<64xf32>) {
  %seed = arith.constant dense<11> : tensor<i64>
  %s0, %seed1 = kiln.random_uniform %seed {low = -1.0 : f64, high = 1.0 : f64} : tensor<64xf32>
  %s1, %seed2 = kiln.random_uniform %seed1 {low = -1.0 : f64, high = 1.0 : f64} : tensor<3x5xf32>
  %k = arith.constant dense<5> : tensor<i64>
  %sigma = arith.constant dense<1.5> : tensor<f32>
  %four = arith.constant dense<4.0> : tensor<f32>
  %a:2, %k1 = kiln.dp_aggregate %s0, %s1 key(%k) noise_multiplier(%sigma) lot(%four)
      {max_norm = 0.5 : f64} : tensor<64xf32>, tensor<3x5xf32>
  %z0, %j1 = kiln.random_normal %k : tensor<64xf32>
  %z1, %j2 = kiln.random_normal %j1 : tensor<3x5xf32>
  %std = arith.constant dense<0.75> : tensor<64xf32>
  %std1 = arith.constant dense<0.75> : tensor<3x5xf32>
  %lot = arith.constant dense<4.0> : tensor<64xf32>
  %lot1 = arith.constant dense<4.0> : tensor<3x5xf32>
  %n0 = arith.mulf %z0, %std : tensor<64xf32>
  %m0 = arith.addf %s0, %n0 : tensor<64xf32>
  %h0 = arith.divf %m0, %lot : tensor<64xf32>
  %n1 = arith.mulf %z1, %std1 : tensor<3x5xf32>
  %m1 = arith.addf %s1, %n1 : tensor<3x5xf32>
  %h1 = arith.divf %m1, %lot1 : tensor<3x5xf32>
  %zero = arith.constant dense<0.0> : tensor<64xf32>
  %u, %e, %k2 = kiln.dice_feedback clipped(%s0) sums(%s0) errors(%zero) key(%k) noise_multiplier(%sigma) lot(%four)
      {max_norm = 0.5 : f64, error_max_norm = 2.0 : f64} : tensor<64xf32>
  %dstd = arith.constant dense<0.5625> : tensor<64xf32>
  %dn = arith.mulf %z0, %dstd : tensor<64xf32>
  %mean = arith.divf %s0, %lot : tensor<64xf32>
  %hu = arith.addf %mean, %dn : tensor<64xf32>
  return %a#0, %h0, %a#1, %h1, %k1, %u, %hu : tensor<64xf32>, tensor<64xf32>, tensor<3x5xf32>, tensor<3x5xf32>, tensor<i64>, tensor<64xf32>, tensor<64xf32>
}
