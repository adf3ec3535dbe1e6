// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: losses (Losses.cpp).

/// Cross-entropy: row maxima and sums of exp(x - max) (the stable log-sum-exp), then one
/// reduction over rows that reads each row's label logit directly.
// CHECK-LABEL: func.func @cross_entropy
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK:           tensor.extract
// CHECK:           math.log
// CHECK:         tensor.from_elements
func.func @cross_entropy(%l: tensor<8x10xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  %c = kiln.softmax_cross_entropy %l, %y : tensor<8x10xf32>, tensor<8xi64> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

/// Sum of every element: one reduction over all dimensions into a zero-filled rank-0 tensor.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @sum_all_elements
// CHECK-SAME:    (%[[X:.*]]: tensor<4x3xf32>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK:         %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]]], iterator_types = ["reduction", "reduction"]} ins(%[[X]] : tensor<4x3xf32>) outs(%[[INIT]] : tensor<f32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[ACC]], %[[XI]] : f32
// CHECK-NEXT:      linalg.yield %[[N]] : f32
// CHECK:         return %[[S]]
func.func @sum_all_elements(%x: tensor<4x3xf32>) -> tensor<f32> {
  %0 = kiln.sum %x : tensor<4x3xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

/// MSE (reduction mean): the sum of (p - t)^2 in one reduction, divided by the element
/// count, which is read from the shape (dynamic here).
// CHECK-LABEL: func.func @mse_mean_dynamic
// CHECK-SAME:    (%[[P:.*]]: tensor<?x1xf32>, %[[T:.*]]: tensor<?x1xf32>)
// CHECK:         %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[T]] : tensor<?x1xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK-NEXT:    ^bb0(%[[PI:.*]]: f32, %[[TI:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[D:.*]] = arith.subf %[[PI]], %[[TI]] : f32
// CHECK-NEXT:      %[[D2:.*]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT:      %[[N:.*]] = arith.addf %[[ACC]], %[[D2]] : f32
// CHECK-NEXT:      linalg.yield %[[N]] : f32
// CHECK:         %[[N0:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<?x1xf32>
// CHECK:         %[[M0:.*]] = arith.muli %{{.*}}, %[[N0]] : index
// CHECK:         %[[N1:.*]] = tensor.dim %[[P]], %{{.*}} : tensor<?x1xf32>
// CHECK:         %[[NUMEL:.*]] = arith.muli %[[M0]], %[[N1]] : index
// CHECK:         %[[NI:.*]] = arith.index_cast %[[NUMEL]] : index to i64
// CHECK:         %[[NF:.*]] = arith.uitofp %[[NI]] : i64 to f32
// CHECK:         %[[SUM:.*]] = tensor.extract %[[S]][] : tensor<f32>
// CHECK:         %[[MEAN:.*]] = arith.divf %[[SUM]], %[[NF]] : f32
// CHECK:         %[[R:.*]] = tensor.from_elements %[[MEAN]] : tensor<f32>
// CHECK:         return %[[R]]
func.func @mse_mean_dynamic(%p: tensor<?x1xf32>, %t: tensor<?x1xf32>) -> tensor<f32> {
  %0 = kiln.mse %p, %t : tensor<?x1xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

/// count_correct: a per-row argmax (maximum from -inf and its column from 0, replaced only
/// by a strictly greater logit, so the first maximum wins ties as torch.argmax), then an
/// i64 count of the rows whose argmax equals their (sign-extended) label.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @count_correct_first_argmax
// CHECK-SAME:    (%[[L:.*]]: tensor<8x10xf32>, %[[Y:.*]]: tensor<8xi32>)
// CHECK:         %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[BEST0:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK:         %[[ARG0:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<8xi64>)
// CHECK:         %[[AM:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<8x10xf32>) outs(%[[BEST0]], %[[ARG0]] : tensor<8xf32>, tensor<8xi64>)
// CHECK-NEXT:    ^bb0(%[[LI:.*]]: f32, %[[BEST:.*]]: f32, %[[ARG:.*]]: i64):
// CHECK-NEXT:      %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[COL:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK-NEXT:      %[[GT:.*]] = arith.cmpf ogt, %[[LI]], %[[BEST]] : f32
// CHECK-NEXT:      %[[NB:.*]] = arith.select %[[GT]], %[[LI]], %[[BEST]] : f32
// CHECK-NEXT:      %[[NA:.*]] = arith.select %[[GT]], %[[COL]], %[[ARG]] : i64
// CHECK-NEXT:      linalg.yield %[[NB]], %[[NA]] : f32, i64
// CHECK:         %[[CINIT:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<i64>)
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[AM]]#1, %[[Y]] : tensor<8xi64>, tensor<8xi32>) outs(%[[CINIT]] : tensor<i64>)
// CHECK-NEXT:    ^bb0(%[[AI:.*]]: i64, %[[YI:.*]]: i32, %[[ACC:.*]]: i64):
// CHECK-NEXT:      %[[Y64:.*]] = arith.extsi %[[YI]] : i32 to i64
// CHECK-NEXT:      %[[EQ:.*]] = arith.cmpi eq, %[[AI]], %[[Y64]] : i64
// CHECK-NEXT:      %[[ONE:.*]] = arith.extui %[[EQ]] : i1 to i64
// CHECK-NEXT:      %[[N:.*]] = arith.addi %[[ACC]], %[[ONE]] : i64
// CHECK-NEXT:      linalg.yield %[[N]] : i64
// CHECK:         return %[[C]]
func.func @count_correct_first_argmax(%l: tensor<8x10xf32>, %y: tensor<8xi32>) -> tensor<i64> {
  %0 = kiln.count_correct %l, %y : tensor<8x10xf32>, tensor<8xi32>
  return %0 : tensor<i64>
}
