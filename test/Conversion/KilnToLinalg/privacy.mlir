// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// The privacy ops become linalg loops: per-sample sums of squares (accumulated in f64), the
// Gaussian mechanism as the runtime's normal fill per parameter (key + p) and one add-and-divide
// loop, and DiceSGD as one norm reduction over e and one fused loop that writes the update
// and the new error into e's buffer.

// CHECK-LABEL: func.func @sq_norm
// CHECK:         %[[ACC:.*]] = linalg.fill ins(%{{.*}} : f64) outs(%{{.*}} : tensor<8xf64>)
// CHECK:         %[[WIDE:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<8x3xf32>) outs(%[[ACC]] : tensor<8xf64>)
// CHECK:           arith.extf
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[WIDE]] : tensor<8xf64>) outs(%{{.*}} : tensor<8xf32>)
// CHECK:           arith.truncf
func.func @sq_norm(%d: tensor<8x3xf32>) -> tensor<8xf32> {
  %r = kiln.per_sample_sq_norm %d : tensor<8x3xf32> -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @scale
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<8xf32>)
// CHECK:           arith.mulf
func.func @scale(%d: tensor<8x3xf32>, %w: tensor<8xf32>) -> tensor<8x3xf32> {
  %s = kiln.scale_samples %d, %w : tensor<8x3xf32>, tensor<8xf32>
  return %s : tensor<8x3xf32>
}

// -----

// noise std = noise_multiplier * max_norm, from the operand; two parameters take keys
// k + 0 and k + 1.
// CHECK-LABEL: func.func @aggregate
// CHECK:         %[[SIGMA:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK:         %[[WIDE:.*]] = arith.extf %[[SIGMA]] : f32 to f64
// CHECK:         %[[STD64:.*]] = arith.mulf %[[WIDE]], %{{.*}} : f64
// CHECK:         %[[STD:.*]] = arith.truncf %[[STD64]] : f64 to f32
// CHECK:         %[[LOT:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// The standard normal draws of Philox key + 0 (kiln.random_normal's: the runtime's normal
// kernel), then one fused loop per tensor; key + 1 for the second tensor.
// CHECK:         %[[N0:.*]] = kiln_rt.kernel_call normal ins(%[[KT:.*]] : tensor<i64>) outs(%{{.*}} : tensor<4x3xf32>) params #kiln_rt.normal<count = 12, key_offset = 0, mean = 0.000000e+00, stddev = 1.000000e+00>
// CHECK:         %[[G0:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[N0]] : tensor<4x3xf32>, tensor<4x3xf32>)
// CHECK:           %[[NOISE:.*]] = arith.mulf %{{.*}}, %[[STD]] : f32
// CHECK:           %[[SUM:.*]] = arith.addf %{{.*}}, %[[NOISE]]
// CHECK:           arith.divf %[[SUM]], %[[LOT]] : f32
// CHECK:         kiln_rt.kernel_call normal ins(%[[KT]] : tensor<i64>) outs(%{{.*}} : tensor<3xf32>) params #kiln_rt.normal<count = 3, key_offset = 1,
// CHECK:         %[[NEXT:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<i64>)
// CHECK:           arith.addi %{{.*}}, %c2_i64
// CHECK:         return %[[G0]], %{{.*}}, %[[NEXT]]
func.func @aggregate(%s: tensor<4x3xf32>, %t: tensor<3xf32>, %k: tensor<i64>, %sigma: tensor<f32>, %lot: tensor<f32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<i64>) {
  %a:2, %k1 = kiln.dp_aggregate %s, %t key(%k) noise_multiplier(%sigma) lot(%lot) {max_norm = 0.5 : f64} : tensor<4x3xf32>, tensor<3xf32>
  return %a#0, %a#1, %k1 : tensor<4x3xf32>, tensor<3xf32>, tensor<i64>
}

// -----

// A constant noise multiplier of 0: no draws, only the division.
// CHECK-LABEL: func.func @aggregate_no_noise
// CHECK-NOT:     kernel_call
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf32>)
// CHECK:           arith.divf
func.func @aggregate_no_noise(%s: tensor<3xf32>, %k: tensor<i64>, %lot: tensor<f32>) -> (tensor<3xf32>, tensor<i64>) {
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %a, %k1 = kiln.dp_aggregate %s key(%k) noise_multiplier(%sigma) lot(%lot) {max_norm = 0.5 : f64} : tensor<3xf32>
  return %a, %k1 : tensor<3xf32>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @dice
// CHECK-SAME:      (%[[S:.*]]: tensor<4x3xf32>, %[[T:.*]]: tensor<4x3xf32>, %[[E:.*]]: tensor<4x3xf32>, %{{.*}}: tensor<i64>)
// CHECK-NOT:     kernel_call
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[E]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<f64>)
// CHECK:         %[[NORM:.*]] = math.sqrt %{{.*}} : f64
// CHECK:         %[[POS:.*]] = arith.cmpf ogt, %[[NORM]]
// CHECK:         %[[RATIO:.*]] = arith.divf %{{.*}}, %[[NORM]] : f64
// CHECK:         %[[MIN:.*]] = arith.minimumf %{{.*}}, %[[RATIO]] : f64
// CHECK:         arith.select %[[POS]], %[[MIN]], %{{.*}} : f64
// CHECK:         %{{.*}}:2 = linalg.generic {{.*}} ins(%[[S]], %[[T]] : tensor<4x3xf32>, tensor<4x3xf32>) outs(%{{.*}}, %[[E]] : tensor<4x3xf32>, tensor<4x3xf32>)
// CHECK-NEXT:    ^bb0(%[[IS:.*]]: f32, %[[IT:.*]]: f32, %{{.*}}: f32, %[[OE:.*]]: f32):
// CHECK:           %[[CLIPE:.*]] = arith.mulf %[[OE]]
// CHECK:           %[[V:.*]] = arith.divf %[[IS]]
// CHECK:           arith.addf %[[V]], %[[CLIPE]]
// CHECK:           arith.subf %[[IT]], %[[IS]]
// CHECK:           arith.subf %[[OE]], %[[CLIPE]]
func.func @dice(%s: tensor<4x3xf32>, %t: tensor<4x3xf32>, %e: tensor<4x3xf32>, %k: tensor<i64>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<i64>) {
  %sigma = arith.constant dense<0.0> : tensor<f32>
  %b = arith.constant dense<2.0> : tensor<f32>
  %u, %e1, %k1 = kiln.dice_feedback clipped(%s) sums(%t) errors(%e) key(%k) noise_multiplier(%sigma) lot(%b) {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64} : tensor<4x3xf32>
  return %u, %e1, %k1 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<i64>
}
