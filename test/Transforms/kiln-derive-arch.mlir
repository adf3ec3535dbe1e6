// RUN: kiln-opt %s --kiln-derive-arch --canonicalize --split-input-file --verify-diagnostics | FileCheck %s

/// The mixed-op worked example (docs/algorithms.md §1.3): alpha = [0.2, -0.1, 0.5, 0.5] over
/// (none, op1, op2, op3); op2 and op3 tie at 0.303986 and the lower index wins: the edge
/// becomes op2's operand, and op1's and op3's computations are dead.
// CHECK-LABEL: func.func @worked_example
// CHECK-SAME:    (%[[X:.*]]: tensor<8x4xf32>)
// CHECK-NEXT:    %[[OP2:.*]] = kiln.relu %[[X]]
// CHECK-NEXT:    return %[[OP2]]
func.func @worked_example(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %alpha = arith.constant dense<[0.2, -0.1, 0.5, 0.5]> : tensor<4xf32>
  %op1 = kiln.sigmoid %x : tensor<8x4xf32>
  %op2 = kiln.relu %x : tensor<8x4xf32>
  %op3 = kiln.gelu %x : tensor<8x4xf32>
  %y = kiln.mixed %alpha [%op1, %op2, %op3] {ops = ["none", "op1", "op2", "op3"]}
      : tensor<4xf32>, [tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>] -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

// -----

/// "none" is never chosen, even when it is by far the strongest.
// CHECK-LABEL: func.func @none_never_chosen
// CHECK-NEXT:    %[[P:.*]] = kiln.sigmoid
// CHECK-NEXT:    return %[[P]]
func.func @none_never_chosen(%x: tensor<4xf32>) -> tensor<4xf32> {
  %alpha = arith.constant dense<[5.0, -1.0, 0.0]> : tensor<3xf32>
  %a = kiln.gelu %x : tensor<4xf32>
  %b = kiln.sigmoid %x : tensor<4xf32>
  %y = kiln.mixed %alpha [%a, %b] {ops = ["none", "gelu", "sigmoid"]}
      : tensor<3xf32>, [tensor<4xf32>, tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

/// A node keeps its two strongest incoming edges (strength: the largest non-none weight);
/// on a tie the earlier edge wins. Here the edges' strengths are 0.5 (from x0), 0.5 (from
/// x1; ties with x0, comes later) and 0.88 (from x2): x2 and x0 stay, x1's edge is zero.
// CHECK-LABEL: func.func @top_two_per_node
// CHECK-SAME:    (%[[X0:[^:]*]]: tensor<4xf32>, %[[X1:[^:]*]]: tensor<4xf32>, %[[X2:[^:]*]]: tensor<4xf32>)
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG:     %[[R0:.*]] = kiln.relu %[[X0]]
// CHECK-DAG:     %[[R2:.*]] = kiln.sigmoid %[[X2]]
// CHECK:         %[[S1:.*]] = arith.addf %[[R0]], %[[ZERO]]
// CHECK:         %[[S2:.*]] = arith.addf %[[S1]], %[[R2]]
// CHECK:         return %[[S2]]
func.func @top_two_per_node(%x0: tensor<4xf32>, %x1: tensor<4xf32>, %x2: tensor<4xf32>) -> tensor<4xf32> {
  %a0 = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %a1 = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %a2 = arith.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %r0 = kiln.relu %x0 : tensor<4xf32>
  %e0 = kiln.mixed %a0 [%r0] {ops = ["none", "relu"], node = 2 : i64} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  %r1 = kiln.relu %x1 : tensor<4xf32>
  %e1 = kiln.mixed %a1 [%r1] {ops = ["none", "relu"], node = 2 : i64} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  %r2 = kiln.sigmoid %x2 : tensor<4xf32>
  %e2 = kiln.mixed %a2 [%r2] {ops = ["none", "sigmoid"], node = 2 : i64} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  %s1 = arith.addf %e0, %e1 : tensor<4xf32>
  %s2 = arith.addf %s1, %e2 : tensor<4xf32>
  return %s2 : tensor<4xf32>
}

// -----

/// The searched parameters must be known: an argument alpha is an error.
func.func @unknown_alpha(%alpha: tensor<2xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a constant alpha to be discretized}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect"]} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}
