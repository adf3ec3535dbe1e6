// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: Optax-style gradient transforms (Transforms.cpp).

// Each transform is one element-wise linalg.generic writing a fresh tensor, so kiln-fuse can
// merge a chain into one loop; scale_by_adam also writes its moments in place of m and v,
// apply_updates writes into the params, and clip_by_global_norm adds one reduction pass.

/// clip: min(max(u, -max_delta), max_delta), with maximumf/minimumf, which keep NaN as
/// PyTorch's clamp does.
// CHECK-LABEL: func.func @clip_to_plus_minus_max_delta
// CHECK-SAME:    (%[[U:.*]]: tensor<64xf32>)
// CHECK-DAG:     %[[HI:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-DAG:     %[[LO:.*]] = arith.constant -1.500000e+00 : f32
// CHECK-DAG:     %[[E:.*]] = tensor.empty() : tensor<64xf32>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[U]] : tensor<64xf32>) outs(%[[E]] : tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[UI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[A:.*]] = arith.maximumf %[[UI]], %[[LO]] : f32
// CHECK-NEXT:      %[[B:.*]] = arith.minimumf %[[A]], %[[HI]] : f32
// CHECK-NEXT:      linalg.yield %[[B]] : f32
// CHECK:         return %[[R]]
func.func @clip_to_plus_minus_max_delta(%u: tensor<64xf32>) -> tensor<64xf32> {
  %0 = kiln.clip %u {max_delta = 1.5 : f64} : tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

/// clip_by_global_norm: one f64 sum of squares threaded through every operand (a single
/// norm for all of them), then PyTorch's coef = min(1, max_norm / (norm + 1e-6)) computed
/// once, and one scaling loop per operand reading it.
// CHECK-LABEL: func.func @clip_by_global_norm_one_norm_for_all
// CHECK-SAME:    (%[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK:         %[[Z:.*]] = linalg.fill ins(%{{.*}} : f64) outs(%{{.*}} : tensor<f64>)
// CHECK:         %[[SA:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[A]] : tensor<4x3xf32>) outs(%[[Z]] : tensor<f64>)
// CHECK:           %[[W:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK:           %[[SQ:.*]] = arith.mulf %[[W]], %[[W]] : f64
// CHECK:           arith.addf %{{.*}}, %[[SQ]] fastmath<reassoc> : f64
// CHECK:         %[[SB:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[B]] : tensor<3xf32>) outs(%[[SA]] : tensor<f64>)
// CHECK:         %[[S:.*]] = tensor.extract %[[SB]][] : tensor<f64>
// CHECK:         %[[NORM:.*]] = math.sqrt %[[S]] : f64
// CHECK-DAG:     %[[EPS:.*]] = arith.constant 9.9999999999999995E-7 : f64
// CHECK-DAG:     %[[MAXN:.*]] = arith.constant 5.000000e+00 : f64
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-DAG:     %[[DEN:.*]] = arith.addf %[[NORM]], %[[EPS]] : f64
// CHECK-DAG:     %[[Q:.*]] = arith.divf %[[MAXN]], %[[DEN]] : f64
// CHECK:         %[[C64:.*]] = arith.minimumf %[[ONE]], %[[Q]] : f64
// CHECK:         %[[COEF:.*]] = arith.truncf %[[C64]] : f64 to f32
// CHECK:         %[[RA:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK-NEXT:    ^bb0(%[[AI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.mulf %[[AI]], %[[COEF]] : f32
// CHECK:         %[[RB:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<3xf32>) outs(%{{.*}} : tensor<3xf32>)
// CHECK-NEXT:    ^bb0(%[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.mulf %[[BI]], %[[COEF]] : f32
// CHECK:         return %[[RA]], %[[RB]]
func.func @clip_by_global_norm_one_norm_for_all(%a: tensor<4x3xf32>, %b: tensor<3xf32>)
    -> (tensor<4x3xf32>, tensor<3xf32>) {
  %c:2 = kiln.clip_by_global_norm %a, %b {max_norm = 5.0 : f64} : tensor<4x3xf32>, tensor<3xf32>
  return %c#0, %c#1 : tensor<4x3xf32>, tensor<3xf32>
}

// -----

/// scale_by_adam: the bias corrections 1 - beta^t once, outside the loop; the moments
/// written in place of m and v; u = (m / bc1) / (sqrt(v / bc2) + eps), eps outside the
/// square root as in Optax, into a fresh tensor.
// CHECK-LABEL: func.func @scale_by_adam_moments_in_place
// CHECK-SAME:    (%[[G:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<64xf32>, %[[V:.*]]: tensor<64xf32>, %[[T:.*]]: tensor<i64>)
// CHECK:         %[[TI:.*]] = tensor.extract %[[T]][] : tensor<i64>
// CHECK:         %[[TF:.*]] = arith.sitofp %[[TI]] : i64 to f64
// CHECK:         %[[PW1:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC1D:.*]] = arith.subf %{{.*}}, %[[PW1]] : f64
// CHECK:         %[[BC1:.*]] = arith.truncf %[[BC1D]] : f64 to f32
// CHECK:         %[[RBC1:.*]] = arith.divf %{{.*}}, %[[BC1]] : f32
// CHECK:         %[[PW2:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC2D:.*]] = arith.subf %{{.*}}, %[[PW2]] : f64
// CHECK:         %[[BC2:.*]] = arith.truncf %[[BC2D]] : f64 to f32
// CHECK:         %[[RBC2:.*]] = arith.divf %{{.*}}, %[[BC2]] : f32
// CHECK-DAG:     %[[B1:.*]] = arith.constant 0.899999976 : f32
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG:     %[[B2:.*]] = arith.constant 9.990000e-01 : f32
// CHECK-DAG:     %[[C2:.*]] = arith.constant 1.000000e-03 : f32
// CHECK-DAG:     %[[EPS:.*]] = arith.constant 9.99999993E-9 : f32
// CHECK-DAG:     %[[E:.*]] = tensor.empty() : tensor<64xf32>
// CHECK:         %[[R:.*]]:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[E]], %[[M]], %[[V]] : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[GI:.*]]: f32, %{{.*}}: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32):
// CHECK-DAG:       %[[MB:.*]] = arith.mulf %[[B1]], %[[MI]] : f32
// CHECK-DAG:       %[[MG:.*]] = arith.mulf %[[C1]], %[[GI]] : f32
// CHECK:           %[[NM:.*]] = arith.addf %[[MG]], %[[MB]] : f32
// CHECK-DAG:       %[[VB:.*]] = arith.mulf %[[B2]], %[[VI]] : f32
// CHECK-DAG:       %[[GG:.*]] = arith.mulf %[[GI]], %[[GI]] : f32
// CHECK-DAG:       %[[VG:.*]] = arith.mulf %[[C2]], %[[GG]] : f32
// CHECK:           %[[NV:.*]] = arith.addf %[[VG]], %[[VB]] : f32
// CHECK:           %[[MH:.*]] = arith.mulf %[[NM]], %[[RBC1]] : f32
// CHECK:           %[[VH:.*]] = arith.mulf %[[NV]], %[[RBC2]] : f32
// CHECK:           %[[FV:.*]] = arith.select %{{.*}}, %{{.*}}, %[[VH]] : f32
// CHECK:           %[[EST:.*]] = math.sqrt %[[FV]] {{.*}}: f32
// CHECK:           %[[RT:.*]] = arith.select %{{.*}}, %{{.*}}, %[[EST]] : f32
// CHECK:           %[[DEN:.*]] = arith.addf %[[RT]], %[[EPS]] : f32
// CHECK:           %[[FD:.*]] = arith.select %{{.*}}, %{{.*}}, %[[DEN]] : f32
// CHECK:           %[[REC:.*]] = arith.divf %{{.*}}, %[[FD]] {{.*}}: f32
// CHECK:           %[[Q:.*]] = arith.mulf %[[MH]], %[[REC]] : f32
// CHECK:           %[[UPD:.*]] = arith.select %{{.*}}, %{{.*}}, %[[Q]] : f32
// CHECK:           linalg.yield %[[UPD]], %[[NM]], %[[NV]] : f32, f32, f32
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @scale_by_adam_moments_in_place(%g: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>,
                                          %t: tensor<i64>)
    -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %u, %m1, %v1 = kiln.scale_by_adam %g, %m, %v step(%t) : tensor<64xf32>
  return %u, %m1, %v1 : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

/// add_decayed_weights: u + weight_decay * p into a fresh tensor (sized from u when dynamic).
// CHECK-LABEL: func.func @add_decayed_weights_dynamic
// CHECK-SAME:    (%[[U:.*]]: tensor<?x8xf32>, %[[P:.*]]: tensor<?x8xf32>)
// CHECK-DAG:     %[[WD:.*]] = arith.constant 9.99999974E-5 : f32
// CHECK-DAG:     %[[N:.*]] = tensor.dim %[[U]], %{{.*}} : tensor<?x8xf32>
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[U]], %[[P]] : tensor<?x8xf32>, tensor<?x8xf32>) outs(%[[E]] : tensor<?x8xf32>)
// CHECK-NEXT:    ^bb0(%[[UI:.*]]: f32, %[[PI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[D:.*]] = arith.mulf %[[WD]], %[[PI]] : f32
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[UI]], %[[D]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[R]]
func.func @add_decayed_weights_dynamic(%u: tensor<?x8xf32>, %p: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = kiln.add_decayed_weights %u, %p {weight_decay = 1.0e-4 : f64} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

/// scale with by(%lr): factor * lr is one scalar product outside the loop; the loop is a
/// single multiplication.
// CHECK-LABEL: func.func @scale_by_scalar_hoisted
// CHECK-SAME:    (%[[U:.*]]: tensor<64xf32>, %[[LR:.*]]: tensor<f32>)
// CHECK-DAG:     %[[F:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-DAG:     %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK:         %[[K:.*]] = arith.mulf %[[L]], %[[F]] : f32
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[U]] : tensor<64xf32>) outs(%{{.*}} : tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[UI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.mulf %[[UI]], %[[K]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[R]]
func.func @scale_by_scalar_hoisted(%u: tensor<64xf32>, %lr: tensor<f32>) -> tensor<64xf32> {
  %0 = kiln.scale %u by(%lr) {factor = -1.0 : f64} : tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

/// apply_updates: p + u written into the params (their tensor is the out), no fresh tensor.
// CHECK-LABEL: func.func @apply_updates_in_place
// CHECK-SAME:    (%[[P:.*]]: tensor<64xf32>, %[[U:.*]]: tensor<64xf32>)
// CHECK-NOT:     tensor.empty
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[U]] : tensor<64xf32>) outs(%[[P]] : tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[UI:.*]]: f32, %[[PI:.*]]: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[PI]], %[[UI]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[R]]
func.func @apply_updates_in_place(%p: tensor<64xf32>, %u: tensor<64xf32>) -> tensor<64xf32> {
  %0 = kiln.apply_updates %p, %u : tensor<64xf32>
  return %0 : tensor<64xf32>
}
