// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: differentiable architecture search (Search.cpp).

// The K architecture weights p = softmax(alpha) are scalars computed once, outside the
// loops; "none" takes part in the softmax but has no operand and contributes nothing.

/// mixed: a stable softmax over all three alphas (the maximum subtracted first), then one
/// element-wise loop over the two real candidates: y = p1 * x_pool + p2 * x_skip.
// CHECK-LABEL: func.func @mixed_softmax_weighted_sum
// CHECK-SAME:    (%[[A:.*]]: tensor<3xf32>, %[[XP:.*]]: tensor<2x4xf32>, %[[XS:.*]]: tensor<2x4xf32>)
// CHECK:         %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[A0:.*]] = tensor.extract %[[A]][%[[C0]]] : tensor<3xf32>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[A1:.*]] = tensor.extract %[[A]][%[[C1]]] : tensor<3xf32>
// CHECK-NEXT:    %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT:    %[[A2:.*]] = tensor.extract %[[A]][%[[C2]]] : tensor<3xf32>
// CHECK-NEXT:    %[[M01:.*]] = arith.maximumf %[[A0]], %[[A1]] : f32
// CHECK-NEXT:    %[[MAX:.*]] = arith.maximumf %[[M01]], %[[A2]] : f32
// CHECK-NEXT:    %[[S0:.*]] = arith.subf %[[A0]], %[[MAX]] : f32
// CHECK-NEXT:    %[[E0:.*]] = math.exp %[[S0]] : f32
// CHECK-NEXT:    %[[S1:.*]] = arith.subf %[[A1]], %[[MAX]] : f32
// CHECK-NEXT:    %[[E1:.*]] = math.exp %[[S1]] : f32
// CHECK-NEXT:    %[[Z01:.*]] = arith.addf %[[E0]], %[[E1]] : f32
// CHECK-NEXT:    %[[S2:.*]] = arith.subf %[[A2]], %[[MAX]] : f32
// CHECK-NEXT:    %[[E2:.*]] = math.exp %[[S2]] : f32
// CHECK-NEXT:    %[[Z:.*]] = arith.addf %[[Z01]], %[[E2]] : f32
// CHECK-NEXT:    arith.divf %[[E0]], %[[Z]] : f32
// CHECK-NEXT:    %[[P1:.*]] = arith.divf %[[E1]], %[[Z]] : f32
// CHECK-NEXT:    %[[P2:.*]] = arith.divf %[[E2]], %[[Z]] : f32
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[XP]], %[[XS]] : tensor<2x4xf32>, tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK-NEXT:    ^bb0(%[[XPI:.*]]: f32, %[[XSI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[TP:.*]] = arith.mulf %[[P1]], %[[XPI]] : f32
// CHECK-NEXT:      %[[ACC:.*]] = arith.addf %[[ZERO]], %[[TP]] : f32
// CHECK-NEXT:      %[[TS:.*]] = arith.mulf %[[P2]], %[[XSI]] : f32
// CHECK-NEXT:      %[[YV:.*]] = arith.addf %[[ACC]], %[[TS]] : f32
// CHECK-NEXT:      linalg.yield %[[YV]] : f32
// CHECK:         return %[[Y]]
func.func @mixed_softmax_weighted_sum(%alpha: tensor<3xf32>, %pool: tensor<2x4xf32>, %skip: tensor<2x4xf32>)
    -> tensor<2x4xf32> {
  %0 = kiln.mixed %alpha [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, [tensor<2x4xf32>, tensor<2x4xf32>] -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

/// mixed_grad: one reduction pass computing s_o = <dy, x_o> for every candidate into f64
/// accumulators; then, with s_none = 0, the softmax VJP
/// d alpha_o = p_o * (s_o - sum_o' p_o' s_o') in f64 for all three alphas; and one loop
/// writing every candidate's gradient p_o * dy.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @mixed_grad_softmax_vjp
// CHECK-SAME:    (%[[A:.*]]: tensor<3xf32>, %[[DY:.*]]: tensor<2x4xf32>, %[[XP:.*]]: tensor<2x4xf32>, %[[XS:.*]]: tensor<2x4xf32>)
// CHECK-COUNT-3:  math.exp
// CHECK-NEXT:    %[[Z:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:    %[[P0:.*]] = arith.divf %{{.*}}, %[[Z]] : f32
// CHECK-NEXT:    %[[P1:.*]] = arith.divf %{{.*}}, %[[Z]] : f32
// CHECK-NEXT:    %[[P2:.*]] = arith.divf %{{.*}}, %[[Z]] : f32
// CHECK:         linalg.fill ins(%{{.*}} : f64) outs(%{{.*}} : tensor<f64>)
// CHECK:         %[[DOTS:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]], #[[SCALAR]], #[[SCALAR]]], iterator_types = ["reduction", "reduction"]} ins(%[[DY]], %[[XP]], %[[XS]] : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<f64>, tensor<f64>)
// CHECK-NEXT:    ^bb0(%[[DI:.*]]: f32, %[[PI:.*]]: f32, %[[SI:.*]]: f32, %[[SP0:.*]]: f64, %[[SS0:.*]]: f64):
// CHECK-NEXT:      %[[MP:.*]] = arith.mulf %[[DI]], %[[PI]] : f32
// CHECK-NEXT:      %[[WP:.*]] = arith.extf %[[MP]] : f32 to f64
// CHECK-NEXT:      %[[NP:.*]] = arith.addf %[[SP0]], %[[WP]] : f64
// CHECK-NEXT:      %[[MS:.*]] = arith.mulf %[[DI]], %[[SI]] : f32
// CHECK-NEXT:      %[[WS:.*]] = arith.extf %[[MS]] : f32 to f64
// CHECK-NEXT:      %[[NS:.*]] = arith.addf %[[SS0]], %[[WS]] : f64
// CHECK-NEXT:      linalg.yield %[[NP]], %[[NS]] : f64, f64
// CHECK:         %[[SNONE:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[SP:.*]] = tensor.extract %[[DOTS]]#0[] : tensor<f64>
// CHECK-NEXT:    %[[SS:.*]] = tensor.extract %[[DOTS]]#1[] : tensor<f64>
/// The p-weighted mean of the s_o.
// CHECK:         %[[W0:.*]] = arith.extf %[[P0]] : f32 to f64
// CHECK-NEXT:    %[[T0:.*]] = arith.mulf %[[W0]], %[[SNONE]] : f64
// CHECK-NEXT:    %[[U0:.*]] = arith.addf %{{.*}}, %[[T0]] : f64
// CHECK-NEXT:    %[[W1:.*]] = arith.extf %[[P1]] : f32 to f64
// CHECK-NEXT:    %[[T1:.*]] = arith.mulf %[[W1]], %[[SP]] : f64
// CHECK-NEXT:    %[[U1:.*]] = arith.addf %[[U0]], %[[T1]] : f64
// CHECK-NEXT:    %[[W2:.*]] = arith.extf %[[P2]] : f32 to f64
// CHECK-NEXT:    %[[T2:.*]] = arith.mulf %[[W2]], %[[SS]] : f64
// CHECK-NEXT:    %[[MEAN:.*]] = arith.addf %[[U1]], %[[T2]] : f64
/// d alpha for "none", the pool and the skip candidate.
// CHECK-DAG:     %[[D0:.*]] = arith.subf %[[SNONE]], %[[MEAN]] : f64
// CHECK-DAG:     %[[X0:.*]] = arith.extf %[[P0]] : f32 to f64
// CHECK:         %[[G0:.*]] = arith.mulf %[[X0]], %[[D0]] : f64
// CHECK-NEXT:    %[[DA0:.*]] = arith.truncf %[[G0]] : f64 to f32
// CHECK-DAG:     %[[D1:.*]] = arith.subf %[[SP]], %[[MEAN]] : f64
// CHECK-DAG:     %[[X1:.*]] = arith.extf %[[P1]] : f32 to f64
// CHECK:         %[[G1:.*]] = arith.mulf %[[X1]], %[[D1]] : f64
// CHECK-NEXT:    %[[DA1:.*]] = arith.truncf %[[G1]] : f64 to f32
// CHECK-DAG:     %[[D2:.*]] = arith.subf %[[SS]], %[[MEAN]] : f64
// CHECK-DAG:     %[[X2:.*]] = arith.extf %[[P2]] : f32 to f64
// CHECK:         %[[G2:.*]] = arith.mulf %[[X2]], %[[D2]] : f64
// CHECK-NEXT:    %[[DA2:.*]] = arith.truncf %[[G2]] : f64 to f32
// CHECK-NEXT:    %[[DA:.*]] = tensor.from_elements %[[DA0]], %[[DA1]], %[[DA2]] : tensor<3xf32>
/// The candidates' gradients, in one pass over dy.
// CHECK:         %[[GR:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[DY]] : tensor<2x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<2x4xf32>)
// CHECK-NEXT:    ^bb0(%[[DJ:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[GP:.*]] = arith.mulf %[[P1]], %[[DJ]] : f32
// CHECK-NEXT:      %[[GS:.*]] = arith.mulf %[[P2]], %[[DJ]] : f32
// CHECK-NEXT:      linalg.yield %[[GP]], %[[GS]] : f32, f32
// CHECK:         return %[[DA]], %[[GR]]#0, %[[GR]]#1
func.func @mixed_grad_softmax_vjp(%alpha: tensor<3xf32>, %dy: tensor<2x4xf32>, %pool: tensor<2x4xf32>,
                                  %skip: tensor<2x4xf32>)
    -> (tensor<3xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %da, %dpool, %dskip = kiln.mixed_grad %alpha, %dy [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, tensor<2x4xf32>, [tensor<2x4xf32>, tensor<2x4xf32>] -> tensor<2x4xf32>, tensor<2x4xf32>
  return %da, %dpool, %dskip : tensor<3xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
