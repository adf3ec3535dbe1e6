// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: backward building blocks (Backward.cpp).

// Batch norm's backward pass recomputes the batch statistics from x in training mode
// (reads of the running statistics: none), then d beta and d gamma are channel reductions
// and dx one element-wise generic; in evaluation mode it reads the running statistics and
// dx = dy * gamma * rstd.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @batch_norm_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<6x4xf32>, %[[G:.*]]: tensor<4xf32>, %[[RM:.*]]: tensor<4xf32>, %[[RV:.*]]: tensor<4xf32>, %[[DY:.*]]: tensor<6x4xf32>)
// CHECK-NOT:     %[[RM]]
// CHECK:         %[[DB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[DY]] : tensor<6x4xf32>)
// CHECK:         %[[DG:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[DY]], %[[X]], %{{.*}}, %{{.*}} :
// CHECK:         %[[DX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[DY]], %[[X]], %[[G]], %{{.*}}, %{{.*}}, %[[DB]], %[[DG]] :
// CHECK:         %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[RV]] : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[DY]], %[[X]], %[[RM]], %[[RSTD]] :
// CHECK:         %[[EDX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[DY]], %[[G]], %[[RSTD]] :
// CHECK:         return %[[DX]], %[[DG]], %[[DB]], %[[EDX]] :
func.func @batch_norm_grad(%x: tensor<6x4xf32>, %g: tensor<4xf32>, %rm: tensor<4xf32>, %rv: tensor<4xf32>,
                           %dy: tensor<6x4xf32>)
    -> (tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<6x4xf32>) {
  %dx, %dg, %db = kiln.batch_norm_grad %x, %g, %rm, %rv, %dy {training = true} : tensor<6x4xf32>, tensor<4xf32>
  %e:3 = kiln.batch_norm_grad %x, %g, %rm, %rv, %dy {training = false} : tensor<6x4xf32>, tensor<4xf32>
  return %dx, %dg, %db, %e#0 : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<6x4xf32>
}

// -----

/// broadcast: the rank-0 input read through the empty map at every index of a fresh tensor.
// CHECK-DAG:   #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @broadcast_scalar
// CHECK-SAME:    (%[[DY:.*]]: tensor<f32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[SCALAR]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[DY]] : tensor<f32>) outs(%[[E]] : tensor<4x3xf32>)
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK:         return %[[R]]
func.func @broadcast_scalar(%dy: tensor<f32>) -> tensor<4x3xf32> {
  %0 = kiln.broadcast %dy : tensor<f32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

/// sum_leading: every dimension but the last is a reduction into a zero-filled vector.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @sum_leading_rank3
// CHECK-SAME:    (%[[DY:.*]]: tensor<2x8x5xf32>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<5xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[LAST]]], iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[DY]] : tensor<2x8x5xf32>) outs(%[[INIT]] : tensor<5xf32>)
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[ACC]], %[[V]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[R]]
func.func @sum_leading_rank3(%dy: tensor<2x8x5xf32>) -> tensor<5xf32> {
  %0 = kiln.sum_leading %dy : tensor<2x8x5xf32> -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

/// relu_grad: dy where x > 0, else 0 (the subgradient 0 at x = 0).
// CHECK-LABEL: func.func @relu_grad_mask
// CHECK-SAME:    (%[[X:.*]]: tensor<8x3xf32>, %[[DY:.*]]: tensor<8x3xf32>)
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[DY]] : tensor<8x3xf32>, tensor<8x3xf32>) outs(%{{.*}} : tensor<8x3xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %[[DI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[POS:.*]] = arith.cmpf ogt, %[[XI]], %[[ZERO]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.select %[[POS]], %[[DI]], %[[ZERO]] : f32
// CHECK-NEXT:      linalg.yield %[[G]] : f32
// CHECK:         return %[[R]]
func.func @relu_grad_mask(%x: tensor<8x3xf32>, %dy: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %0 = kiln.relu_grad %x, %dy : tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

/// log_softmax_grad from the result y: dx = dy - exp(y) * rowsum(dy).
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @log_softmax_grad_from_result
// CHECK-SAME:    (%[[Y:.*]]: tensor<8x10xf32>, %[[DY:.*]]: tensor<8x10xf32>)
// CHECK:         %[[RS:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[DY]] : tensor<8x10xf32>)
// CHECK:           arith.addf
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[DY]], %[[RS]] : tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[YI:.*]]: f32, %[[DI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[P:.*]] = math.exp %[[YI]] : f32
// CHECK-NEXT:      %[[PS:.*]] = arith.mulf %[[P]], %[[SI]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.subf %[[DI]], %[[PS]] : f32
// CHECK-NEXT:      linalg.yield %[[G]] : f32
// CHECK:         return %[[R]]
func.func @log_softmax_grad_from_result(%y: tensor<8x10xf32>, %dy: tensor<8x10xf32>) -> tensor<8x10xf32> {
  %0 = kiln.log_softmax_grad %y, %dy : tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

/// layer_norm_grad: the row moments recomputed from x (rstd = 1 / sqrt(var + eps)), the row
/// sums of g = dy * gamma and of g * xhat, then dx = rstd * (g - mean(g) - xhat * mean(g xhat))
/// per element; d gamma = sum over rows of dy * xhat and d beta = sum over rows of dy.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layer_norm_grad
// CHECK-SAME:    (%[[X:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[DY:.*]]: tensor<4x8xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4x8xf32>)
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>)
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[MEAN]] : tensor<4x8xf32>, tensor<4xf32>)
// CHECK:         %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<4xf32>)
// CHECK:           arith.constant 9.99999974E-6 : f32
// CHECK:           math.sqrt
// CHECK:         %[[D:.*]] = arith.uitofp %{{.*}} : i64 to f32
// CHECK:         %[[SG:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[DY]], %[[G]] : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:         %[[SGX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]], #[[ROW]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[DY]], %[[G]], %[[X]], %[[MEAN]], %[[RSTD]] :
// CHECK:         %[[DX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[DY]], %[[G]], %[[X]], %[[MEAN]], %[[RSTD]], %[[SG]], %[[SGX]] :
// CHECK-NEXT:    ^bb0(%[[DYI:.*]]: f32, %[[GI:.*]]: f32, %[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[RI:.*]]: f32, %[[SGI:.*]]: f32, %[[SGXI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[GG:.*]] = arith.mulf %[[DYI]], %[[GI]] : f32
// CHECK-NEXT:      %[[C:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK-NEXT:      %[[XHAT:.*]] = arith.mulf %[[C]], %[[RI]] : f32
// CHECK-NEXT:      %[[MG:.*]] = arith.divf %[[SGI]], %[[D]] : f32
// CHECK-NEXT:      %[[MGX:.*]] = arith.divf %[[SGXI]], %[[D]] : f32
// CHECK-DAG:       %[[T:.*]] = arith.mulf %[[XHAT]], %[[MGX]] : f32
// CHECK-DAG:       %[[A:.*]] = arith.subf %[[GG]], %[[MG]] : f32
// CHECK:           %[[IN:.*]] = arith.subf %[[A]], %[[T]] : f32
// CHECK-NEXT:      %[[V:.*]] = arith.mulf %[[RI]], %[[IN]] : f32
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK:         %[[DG:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ROW]], #[[COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[DY]], %[[X]], %[[MEAN]], %[[RSTD]] :
// CHECK-NEXT:    ^bb0(%[[DYJ:.*]]: f32, %[[XJ:.*]]: f32, %[[MJ:.*]]: f32, %[[RJ:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[CJ:.*]] = arith.subf %[[XJ]], %[[MJ]] : f32
// CHECK-NEXT:      %[[XHJ:.*]] = arith.mulf %[[CJ]], %[[RJ]] : f32
// CHECK-NEXT:      %[[PJ:.*]] = arith.mulf %[[DYJ]], %[[XHJ]] : f32
// CHECK-NEXT:      arith.addf %[[ACC]], %[[PJ]] : f32
// CHECK:         %[[DB:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]]], iterator_types = ["reduction", "parallel"]} ins(%[[DY]] : tensor<4x8xf32>)
// CHECK:         return %[[DX]], %[[DG]], %[[DB]]
func.func @layer_norm_grad(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %dy: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %dx, %dg, %db = kiln.layer_norm_grad %x, %g, %dy {eps = 1.0e-5 : f64} : tensor<4x8xf32>, tensor<8xf32>
  return %dx, %dg, %db : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

/// softmax_cross_entropy_grad (reduction mean, i32 labels): dy / N once outside the loop,
/// then (exp(x - max) / sum - onehot(label)) * (dy / N), the one-hot from comparing the
/// column index with the row's sign-extended label.
// CHECK-LABEL: func.func @softmax_cross_entropy_grad_mean
// CHECK-SAME:    (%[[L:.*]]: tensor<8x10xf32>, %[[Y:.*]]: tensor<8xi32>, %[[DY:.*]]: tensor<f32>)
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[L]] : tensor<8x10xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[L]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK:           math.exp
// CHECK-DAG:     %[[N:.*]] = arith.uitofp %{{.*}} : i64 to f32
// CHECK-DAG:     %[[ONE32:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:     %[[INVN:.*]] = arith.divf %[[ONE32]], %[[N]] : f32
// CHECK-DAG:     %[[D:.*]] = tensor.extract %[[DY]][] : tensor<f32>
// CHECK:         %[[SCALE:.*]] = arith.mulf %[[D]], %[[INVN]] : f32
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[L]], %[[MAX]], %[[SUM]], %[[Y]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xi32>)
// CHECK-NEXT:    ^bb0(%[[LI:.*]]: f32, %[[MI:.*]]: f32, %[[SI:.*]]: f32, %[[YI:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT:      %[[SH:.*]] = arith.subf %[[LI]], %[[MI]] : f32
// CHECK-NEXT:      %[[E:.*]] = math.exp %[[SH]] : f32
// CHECK-NEXT:      %[[P:.*]] = arith.divf %[[E]], %[[SI]] : f32
// CHECK-NEXT:      %[[J:.*]] = linalg.index 1 : index
// CHECK-NEXT:      %[[COL:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK-NEXT:      %[[Y64:.*]] = arith.extsi %[[YI]] : i32 to i64
// CHECK-NEXT:      %[[IS:.*]] = arith.cmpi eq, %[[COL]], %[[Y64]] : i64
// CHECK-DAG:       %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:           %[[OH:.*]] = arith.select %[[IS]], %[[ONE]], %[[ZERO]] : f32
// CHECK-NEXT:      %[[DIFF:.*]] = arith.subf %[[P]], %[[OH]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.mulf %[[DIFF]], %[[SCALE]] : f32
// CHECK-NEXT:      linalg.yield %[[G]] : f32
// CHECK:         return %[[R]]
func.func @softmax_cross_entropy_grad_mean(%l: tensor<8x10xf32>, %y: tensor<8xi32>, %dy: tensor<f32>)
    -> tensor<8x10xf32> {
  %0 = kiln.softmax_cross_entropy_grad %l, %y, %dy : tensor<8x10xf32>, tensor<8xi32>, tensor<f32>
  return %0 : tensor<8x10xf32>
}

// -----

/// softmax_grad from the result y: dx = y * (dy - rowsum(dy * y)).
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @softmax_grad_from_result
// CHECK-SAME:    (%[[Y:.*]]: tensor<8x10xf32>, %[[DY:.*]]: tensor<8x10xf32>)
// CHECK:         %[[DOT:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[DY]], %[[Y]] : tensor<8x10xf32>, tensor<8x10xf32>)
// CHECK-NEXT:    ^bb0(%[[DA:.*]]: f32, %[[YA:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[PR:.*]] = arith.mulf %[[DA]], %[[YA]] : f32
// CHECK-NEXT:      arith.addf %[[ACC]], %[[PR]] : f32
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[Y]], %[[DY]], %[[DOT]] : tensor<8x10xf32>, tensor<8x10xf32>, tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[YI:.*]]: f32, %[[DI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[C:.*]] = arith.subf %[[DI]], %[[SI]] : f32
// CHECK-NEXT:      %[[G:.*]] = arith.mulf %[[YI]], %[[C]] : f32
// CHECK-NEXT:      linalg.yield %[[G]] : f32
// CHECK:         return %[[R]]
func.func @softmax_grad_from_result(%y: tensor<8x10xf32>, %dy: tensor<8x10xf32>) -> tensor<8x10xf32> {
  %0 = kiln.softmax_grad %y, %dy : tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}
