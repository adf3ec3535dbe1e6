// RUN: kiln-opt %s --kiln-lower-frugal | FileCheck %s

/// kiln.frugal becomes one call of the fused kernel updating the parameter, its state, the
/// subspace, the step and the key in place; the configuration is kiln_frugal_config (rows,
/// cols, projection 1 = rows, k = int(784 * 0.25) = 196, gap, AdamW, signSGD, then the
/// doubles' bit patterns: lr 1e-3 = 4562254508917369340, betas, eps, decay 0, scale 1).
// CHECK-LABEL: func.func @rows
// CHECK-SAME:    (%[[P:.*]]: tensor<784x256xf32>, %[[G:.*]]: tensor<784x256xf32>, %[[M:.*]]: tensor<196x256xf32>, %[[V:.*]]: tensor<196x256xf32>, %[[S:.*]]: tensor<196xi64>, %[[N:.*]]: tensor<i64>, %[[K:.*]]: tensor<i64>)
// CHECK:         %[[R:.*]]:6 = kiln.kernel_call "frugal" ins(%[[G]] : tensor<784x256xf32>) outs(%[[P]], %[[M]], %[[V]], %[[S]], %[[N]], %[[K]] : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>, tensor<i64>, tensor<i64>) params [784, 256, 1, 196, 200, 0, 0, 4562254508917369340,
// CHECK-NOT:     kiln.frugal
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @rows(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<196x256xf32>,
                %v: tensor<196x256xf32>, %s: tensor<196xi64>, %n: tensor<i64>, %k: tensor<i64>)
    -> (tensor<784x256xf32>, tensor<196x256xf32>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "rows", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
  return %p1, %m1 : tensor<784x256xf32>, tensor<196x256xf32>
}

/// Coordinates of a rank-3 tensor: it is one row of all its elements, k = int(24 * 0.25).
// CHECK-LABEL: func.func @coordinates
// CHECK:         kiln.kernel_call "frugal" {{.*}} params [1, 24, 2, 6, 5, 1, 1,
func.func @coordinates(%p: tensor<2x3x4xf64>, %g: tensor<2x3x4xf64>, %m: tensor<6xf64>,
                       %v: tensor<0xf64>, %s: tensor<6xi64>, %n: tensor<i64>, %k: tensor<i64>)
    -> tensor<2x3x4xf64> {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.25 : f64, update_gap = 5 : i64,
       projection = "coordinates", state_full = "momentum", state_free = "sgd"}
      : tensor<2x3x4xf64>, tensor<6xf64>, tensor<0xf64>, tensor<6xi64>
  return %p1 : tensor<2x3x4xf64>
}
