// RUN: kiln-opt %s --kiln-lower-frugal | FileCheck %s

/// kiln.frugal becomes one call of the fused kernel updating the parameter, its state, the
/// subspace, the step and the key in place; its configuration is a #kiln_rt.frugal with
/// k = int(784 * 0.25) = 196 rows and the op's hyperparameters and defaults.
// CHECK-LABEL: func.func @rows
// CHECK-SAME:    (%[[P:.*]]: tensor<784x256xf32>, %[[G:.*]]: tensor<784x256xf32>, %[[M:.*]]: tensor<196x256xf32>, %[[V:.*]]: tensor<196x256xf32>, %[[S:.*]]: tensor<196xi64>, %[[N:.*]]: tensor<i64>, %[[K:.*]]: tensor<i64>)
// CHECK:         %[[R:.*]]:6 = kiln_rt.kernel_call frugal ins(%[[G]] : tensor<784x256xf32>) outs(%[[P]], %[[M]], %[[V]], %[[S]], %[[N]], %[[K]] : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>, tensor<i64>, tensor<i64>)
// CHECK-SAME:      params #kiln_rt.frugal<rows = 784, cols = 256, projection = rows, k = 196, update_gap = 200, state_full = adamw, state_free = sign_sgd, lr = 1.000000e-03, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
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
// CHECK:         kiln_rt.kernel_call frugal {{.*}} params #kiln_rt.frugal<rows = 1, cols = 24, projection = coordinates, k = 6, update_gap = 5, state_full = momentum, state_free = sgd, lr = 1.000000e-02,
func.func @coordinates(%p: tensor<2x3x4xf64>, %g: tensor<2x3x4xf64>, %m: tensor<6xf64>,
                       %v: tensor<0xf64>, %s: tensor<6xi64>, %n: tensor<i64>, %k: tensor<i64>)
    -> tensor<2x3x4xf64> {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.25 : f64, update_gap = 5 : i64,
       projection = "coordinates", state_full = "momentum", state_free = "sgd"}
      : tensor<2x3x4xf64>, tensor<6xf64>, tensor<0xf64>, tensor<6xi64>
  return %p1 : tensor<2x3x4xf64>
}

/// GaLore's SVD projection runs on the same kernel. A wide matrix is projected on the left,
/// k = round(6 * 0.5) = 3: the state is [3, 10] and the projector [6, 3], in the
/// parameter's element type.
// CHECK-LABEL: func.func @svd
// CHECK-SAME:    (%[[P:.*]]: tensor<6x10xf64>, %[[G:.*]]: tensor<6x10xf64>, %[[M:.*]]: tensor<3x10xf64>, %[[V:.*]]: tensor<0xf64>, %[[S:.*]]: tensor<6x3xf64>, %[[N:.*]]: tensor<i64>, %[[K:.*]]: tensor<i64>)
// CHECK:         %[[R:.*]]:6 = kiln_rt.kernel_call frugal ins(%[[G]] : tensor<6x10xf64>) outs(%[[P]], %[[M]], %[[V]], %[[S]], %[[N]], %[[K]] : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>, tensor<i64>, tensor<i64>)
// CHECK-SAME:      params #kiln_rt.frugal<rows = 6, cols = 10, projection = svd, k = 3, update_gap = 10, state_full = momentum, state_free = sgd, lr = 1.000000e-02, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
// CHECK-NOT:     kiln.frugal
// CHECK:         return %[[R]]#0, %[[R]]#3
func.func @svd(%p: tensor<6x10xf64>, %g: tensor<6x10xf64>, %m: tensor<3x10xf64>,
               %v: tensor<0xf64>, %s: tensor<6x3xf64>, %n: tensor<i64>, %k: tensor<i64>)
    -> (tensor<6x10xf64>, tensor<6x3xf64>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 10 : i64,
       projection = "svd", state_full = "momentum", state_free = "sgd"}
      : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>
  return %p1, %s1 : tensor<6x10xf64>, tensor<6x3xf64>
}

/// A tall one on the right, k = round(256 * 0.25) = 64: state [784, 64], projector [64, 256].
// CHECK-LABEL: func.func @svd_right
// CHECK:         kiln_rt.kernel_call frugal {{.*}} : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>, tensor<i64>, tensor<i64>) params #kiln_rt.frugal<rows = 784, cols = 256, projection = svd, k = 64, update_gap = 200, state_full = adamw,
func.func @svd_right(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<784x64xf32>,
                     %v: tensor<784x64xf32>, %s: tensor<64x256xf32>, %n: tensor<i64>, %k: tensor<i64>)
    -> tensor<784x256xf32> {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "svd", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
  return %p1 : tensor<784x256xf32>
}

/// kiln.frugal_blocks becomes one call of the blockwise kernel: the N gradients in, the N
/// parameters, both pools, active, step and key updated in place. Its #kiln_rt.frugal_blocks
/// has the tensors' element counts, k = round(1.5) = 2 and the pool of the largest window
/// the ascending order visits ([0, 1]: 100352 + 1280).
// CHECK-LABEL: func.func @blocks
// CHECK-SAME:    (%[[W1:.*]]: tensor<784x128xf32>, %[[W2:.*]]: tensor<128x10xf32>, %[[B:.*]]: tensor<10xf32>, %[[G1:.*]]: tensor<784x128xf32>, %[[G2:.*]]: tensor<128x10xf32>, %[[GB:.*]]: tensor<10xf32>, %[[M:.*]]: tensor<101632xf32>, %[[V:.*]]: tensor<101632xf32>, %[[A:.*]]: tensor<2xi64>, %[[N:.*]]: tensor<i64>, %[[K:.*]]: tensor<i64>)
// CHECK:         %[[R:.*]]:8 = kiln_rt.kernel_call frugal_blocks ins(%[[G1]], %[[G2]], %[[GB]] : tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>) outs(%[[W1]], %[[W2]], %[[B]], %[[M]], %[[V]], %[[A]], %[[N]], %[[K]] : tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>, tensor<101632xf32>, tensor<101632xf32>, tensor<2xi64>, tensor<i64>, tensor<i64>)
// CHECK-SAME:      params #kiln_rt.frugal_blocks<sizes = [100352, 1280, 10], k = 2, order = ascending, update_gap = 200, pool = 101632, state_full = adamw, state_free = sign_sgd, lr = 1.000000e-03, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
// CHECK-NOT:     kiln.frugal_blocks
// CHECK:         return %[[R]]#0, %[[R]]#2, %[[R]]#3, %[[R]]#5
func.func @blocks(%w1: tensor<784x128xf32>, %w2: tensor<128x10xf32>, %b: tensor<10xf32>,
                  %g1: tensor<784x128xf32>, %g2: tensor<128x10xf32>, %gb: tensor<10xf32>,
                  %m: tensor<101632xf32>, %v: tensor<101632xf32>, %a: tensor<2xi64>,
                  %n: tensor<i64>, %k: tensor<i64>)
    -> (tensor<784x128xf32>, tensor<10xf32>, tensor<101632xf32>, tensor<2xi64>) {
  %p:3, %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (%w1, %w2, %b) grads(%g1, %g2, %gb)
      state(%m, %v) active(%a) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64,
       block_order = "ascending", state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>), tensor<101632xf32>,
        tensor<101632xf32>, tensor<2xi64>
        grads(tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  return %p#0, %p#2, %m1, %a1 : tensor<784x128xf32>, tensor<10xf32>, tensor<101632xf32>, tensor<2xi64>
}

/// "random" over 2 tensors, k = round(1.0) = 1: the pool holds the largest, 12; momentum
/// leaves exp_avg_sq empty.
// CHECK-LABEL: func.func @blocks_random
// CHECK:         kiln_rt.kernel_call frugal_blocks {{.*}} : tensor<4x3xf64>, tensor<5xf64>, tensor<12xf64>, tensor<0xf64>, tensor<1xi64>, tensor<i64>, tensor<i64>) params #kiln_rt.frugal_blocks<sizes = [12, 5], k = 1, order = random, update_gap = 5, pool = 12, state_full = momentum, state_free = sgd, lr = 1.000000e-02,
func.func @blocks_random(%w1: tensor<4x3xf64>, %w2: tensor<5xf64>, %g1: tensor<4x3xf64>, %g2: tensor<5xf64>,
                         %m: tensor<12xf64>, %v: tensor<0xf64>, %a: tensor<1xi64>,
                         %n: tensor<i64>, %k: tensor<i64>) -> (tensor<5xf64>, tensor<i64>) {
  %p:2, %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (%w1, %w2) grads(%g1, %g2)
      state(%m, %v) active(%a) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 5 : i64,
       block_order = "random", state_full = "momentum", state_free = "sgd"}
      : (tensor<4x3xf64>, tensor<5xf64>), tensor<12xf64>, tensor<0xf64>, tensor<1xi64>
        grads(tensor<4x3xf64>, tensor<5xf64>)
  return %p#1, %k1 : tensor<5xf64>, tensor<i64>
}
