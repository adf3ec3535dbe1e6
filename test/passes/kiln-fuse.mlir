// RUN: kiln-opt %s --convert-kiln-to-linalg --convert-elementwise-to-linalg --kiln-fuse --split-input-file | FileCheck %s

/// A chain of element-wise transforms (scale the gradient, add weight decay by hand, then
/// the Adam update) becomes a single loop nest that reads g once.
// CHECK-LABEL: func.func @chain_becomes_one_loop
// CHECK-SAME:    (%[[P:.*]]: tensor<1024xf32>, %[[G:.*]]: tensor<1024xf32>, %[[M:.*]]: tensor<1024xf32>, %[[V:.*]]: tensor<1024xf32>
// CHECK:         %[[R:.*]]:3 = linalg.generic
// CHECK-SAME:      outs(%[[P]], %[[M]], %[[V]] :
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @chain_becomes_one_loop(%p: tensor<1024xf32>, %g: tensor<1024xf32>, %m: tensor<1024xf32>,
                                  %v: tensor<1024xf32>, %t: tensor<i64>)
    -> (tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>) {
  %half = arith.constant dense<0.5> : tensor<1024xf32>
  %scaled = arith.mulf %g, %half : tensor<1024xf32>
  %p1, %m1, %v1 = kiln.adam %p, %scaled, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<1024xf32>
  return %p1, %m1, %v1 : tensor<1024xf32>, tensor<1024xf32>, tensor<1024xf32>
}

// -----

/// A producer with two consumers is not duplicated: that would read its inputs twice.
// CHECK-LABEL: func.func @negative_shared_producer_not_duplicated
// CHECK:         %[[D:.*]] = linalg.generic
// CHECK:         linalg.generic {{.*}} ins(%[[D]]
// CHECK:         linalg.generic {{.*}} ins(%[[D]]
func.func @negative_shared_producer_not_duplicated(%a: tensor<64xf32>, %b: tensor<64xf32>, %p: tensor<64xf32>,
                                                    %q: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %d = arith.subf %a, %b : tensor<64xf32>
  %p1 = kiln.sgd %p, %d {lr = 0.1 : f64} : tensor<64xf32>
  %q1 = kiln.sgd %q, %d {lr = 0.2 : f64} : tensor<64xf32>
  return %p1, %q1 : tensor<64xf32>, tensor<64xf32>
}

// -----

/// The destination link survives: the step counter is still written into its own tensor.
// CHECK-LABEL: func.func @counter_keeps_its_destination
// CHECK-SAME:    (%[[T:.*]]: tensor<i64>)
// CHECK:         linalg.generic {{.*}} outs(%[[T]] : tensor<i64>)
func.func @counter_keeps_its_destination(%t: tensor<i64>) -> tensor<i64> {
  %one = arith.constant dense<1> : tensor<i64>
  %t1 = arith.addi %t, %one : tensor<i64>
  return %t1 : tensor<i64>
}
