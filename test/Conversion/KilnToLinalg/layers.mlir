// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: forward model ops (Layers.cpp).

/// A layer: matmul into a zero-filled fresh tensor, the bias broadcast along rows, ReLU as
/// maximumf (which keeps NaN, as torch.relu).
// CHECK-LABEL: func.func @linear_relu
// CHECK-SAME:    (%[[X:.*]]: tensor<8x4xf32>, %[[W:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         %[[H:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<8x4xf32>, tensor<4x3xf32>) outs(%[[Z]] : tensor<8x3xf32>)
// CHECK:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[B]] : tensor<8x3xf32>, tensor<3xf32>)
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[Y]] : tensor<8x3xf32>)
// CHECK:           arith.maximumf
func.func @linear_relu(%x: tensor<8x4xf32>, %w: tensor<4x3xf32>, %b: tensor<3xf32>) -> tensor<8x3xf32> {
  %h = kiln.matmul %x, %w : tensor<8x4xf32>, tensor<4x3xf32> -> tensor<8x3xf32>
  %y = kiln.bias_add %h, %b : tensor<8x3xf32>, tensor<3xf32>
  %a = kiln.relu %y : tensor<8x3xf32>
  return %a : tensor<8x3xf32>
}

// -----

// Broadcasting: the size-1 dimensions an operand broadcasts along are folded away, then one
// element-wise generic reads each operand through a projected permutation (no broadcast
// copy). Its gradient sums back over the broadcast dimensions and restores the unit one.
// CHECK-DAG:   #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[B:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG:   #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @broadcasting
// CHECK-SAME:    (%[[X:.*]]: tensor<4x1x3xf32>, %[[Y:.*]]: tensor<5x1xf32>)
// CHECK:         %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<4x1x3xf32> into tensor<4x3xf32>
// CHECK:         %[[YC:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1]] : tensor<5x1xf32> into tensor<5xf32>
// CHECK:         %[[Z:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[XC]], %[[YC]] : tensor<4x3xf32>, tensor<5xf32>)
// CHECK:           arith.addf
// CHECK:         %[[S:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[B]]], iterator_types = ["reduction", "parallel", "reduction"]} ins(%[[Z]] : tensor<4x5x3xf32>)
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[S]] {{\[}}[0, 1]] output_shape [5, 1] : tensor<5xf32> into tensor<5x1xf32>
// CHECK:         return %[[Z]], %[[E]]
func.func @broadcasting(%a: tensor<4x1x3xf32>, %b: tensor<5x1xf32>) -> (tensor<4x5x3xf32>, tensor<5x1xf32>) {
  %z = kiln.add %a, %b : tensor<4x1x3xf32>, tensor<5x1xf32> -> tensor<4x5x3xf32>
  %db = kiln.reduce_to_shape %z : tensor<4x5x3xf32> -> tensor<5x1xf32>
  return %z, %db : tensor<4x5x3xf32>, tensor<5x1xf32>
}

// -----

// Softmax: the row maxima and sums of exp(x - max), then exp(x - max) / sum.
// CHECK-LABEL: func.func @softmax_batch_matmul
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:           arith.divf
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x3x4xf32>, tensor<2x4x5xf32>) outs(%[[Z]] : tensor<2x3x5xf32>)
func.func @softmax_batch_matmul(%l: tensor<8x10xf32>, %a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>)
    -> (tensor<8x10xf32>, tensor<2x3x5xf32>) {
  %p = kiln.softmax %l : tensor<8x10xf32>
  %c = kiln.batch_matmul %a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32> -> tensor<2x3x5xf32>
  return %p, %c : tensor<8x10xf32>, tensor<2x3x5xf32>
}

// -----

// Batch norm in training mode: per-channel reductions over n, h and w (the mean, then the
// squared deviations), y as x * scale + shift per channel, and the running statistics
// updated in place (their tensors are the outs), the variance divided by M - 1 = 31. In
// evaluation mode the running statistics come back as they went in.
// CHECK-DAG:   #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x4x4xf32>, %[[G:.*]]: tensor<3xf32>, %[[B:.*]]: tensor<3xf32>, %[[RM:.*]]: tensor<3xf32>, %[[RV:.*]]: tensor<3xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<2x3x4x4xf32>)
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK:         %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CH]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<2x3x4x4xf32>, tensor<3xf32>)
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CH]], #[[CH]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %{{.*}}, %{{.*}} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK:         %[[M1:.*]] = arith.constant 1.000000e-01 : f32
// CHECK:         %[[KEEP:.*]] = arith.constant 0.899999976 : f32
// CHECK:         %[[M31:.*]] = arith.constant 3.100000e+01 : f32
// CHECK:         %[[NM:.*]] = linalg.generic {{.*}} ins(%[[MEAN]] : tensor<3xf32>) outs(%[[RM]] : tensor<3xf32>)
// CHECK:         %[[NV:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<3xf32>) outs(%[[RV]] : tensor<3xf32>)
// CHECK:           arith.divf %{{.*}}, %[[M31]] : f32
// CHECK:         return %[[Y]], %[[NM]], %[[NV]], %{{.*}}, %[[NM]], %[[NV]] :
func.func @batch_norm(%x: tensor<2x3x4x4xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %rm: tensor<3xf32>, %rv: tensor<3xf32>)
    -> (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %rm1, %rv1 = kiln.batch_norm %x, %g, %b, %rm, %rv {training = true} : tensor<2x3x4x4xf32>, tensor<3xf32>
  %e, %rm2, %rv2 = kiln.batch_norm %x, %g, %b, %rm1, %rv1 {training = false} : tensor<2x3x4x4xf32>, tensor<3xf32>
  return %y, %rm1, %rv1, %e, %rm2, %rv2
      : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

/// Sigmoid: 1 / (1 + exp(-x)), element-wise into a fresh tensor.
// CHECK-LABEL: func.func @sigmoid
// CHECK-SAME:    (%[[X:.*]]: tensor<8x3xf32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<8x3xf32>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<8x3xf32>) outs(%[[E]] : tensor<8x3xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[NEG:.*]] = arith.negf %[[XI]] : f32
// CHECK-NEXT:      %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT:      %[[DEN:.*]] = arith.addf %[[ONE]], %[[EXP]] : f32
// CHECK-NEXT:      %[[S:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
// CHECK:         return %[[R]]
func.func @sigmoid(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %0 = kiln.sigmoid %x : tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

/// Exact GELU (approximate = 'none'): x * 0.5 * (1 + erf(x / sqrt(2))), not the tanh form.
// CHECK-LABEL: func.func @gelu_erf
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[RSQRT2:.*]] = arith.constant 0.707106769 : f32
// CHECK-NEXT:      %[[XS:.*]] = arith.mulf %[[XI]], %[[RSQRT2]] : f32
// CHECK-NEXT:      %[[ERF:.*]] = math.erf %[[XS]] : f32
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG:       %[[OPE:.*]] = arith.addf %[[ONE]], %[[ERF]] : f32
// CHECK:           %[[CDF:.*]] = arith.mulf %[[HALF]], %[[OPE]] : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.mulf %[[XI]], %[[CDF]] : f32
// CHECK-NEXT:      linalg.yield %[[Y]] : f32
// CHECK-NOT:     math.tanh
func.func @gelu_erf(%x: tensor<8x3xf32>) -> tensor<8x3xf32> {
  %0 = kiln.gelu %x : tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

/// Leaky ReLU: x where x > 0, else alpha * x (here f64, alpha 0.2).
// CHECK-LABEL: func.func @leaky_relu_select
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:      %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:      %[[POS:.*]] = arith.cmpf ogt, %[[XI]], %[[ZERO]] : f64
// CHECK-NEXT:      %[[ALPHA:.*]] = arith.constant 2.000000e-01 : f64
// CHECK-NEXT:      %[[NEG:.*]] = arith.mulf %[[XI]], %[[ALPHA]] : f64
// CHECK-NEXT:      %[[Y:.*]] = arith.select %[[POS]], %[[XI]], %[[NEG]] : f64
// CHECK-NEXT:      linalg.yield %[[Y]] : f64
func.func @leaky_relu_select(%x: tensor<8x3xf64>) -> tensor<8x3xf64> {
  %0 = kiln.leaky_relu %x {alpha = 0.2 : f64} : tensor<8x3xf64>
  return %0 : tensor<8x3xf64>
}

// -----

/// Log-softmax: row maxima (from -inf) and sums of exp(x - max), then
/// x - max - log(sum): no exp of the result and no log of a probability.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @log_softmax_stable
// CHECK-SAME:    (%[[X:.*]]: tensor<8x10xf32>)
// CHECK:         %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:         %[[MINIT:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK:         %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<8x10xf32>) outs(%[[MINIT]] : tensor<8xf32>)
// CHECK:           arith.maximumf
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MAX]] : tensor<8x10xf32>, tensor<8xf32>)
// CHECK:           %[[D:.*]] = arith.subf
// CHECK-NEXT:      %[[EX:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT:      arith.addf %{{.*}}, %[[EX]] : f32
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<8x10xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[SH:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK-NEXT:      %[[LOG:.*]] = math.log %[[SI]] : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.subf %[[SH]], %[[LOG]] : f32
// CHECK-NEXT:      linalg.yield %[[Y]] : f32
// CHECK:         return %[[R]]
func.func @log_softmax_stable(%x: tensor<8x10xf32>) -> tensor<8x10xf32> {
  %0 = kiln.log_softmax %x : tensor<8x10xf32>
  return %0 : tensor<8x10xf32>
}

// -----

/// Dropout: element i (row-major, sizes read from x when dynamic) is kept when word 0 of
/// Philox4x32-10(counter {i, i >> 32, 0x44524F50, 0}, key) is at least rate * 2^32
/// (unsigned), and then scaled by 1 / (1 - rate); the mask is never stored. key + 1 is
/// written in place of the key.
// CHECK-LABEL: func.func @dropout_philox_mask
// CHECK-SAME:    (%[[X:.*]]: tensor<?x6xf32>, %[[KT:.*]]: tensor<i64>)
// CHECK:         %[[KEY:.*]] = tensor.extract %[[KT]][] : tensor<i64>
// CHECK-DAG:     %[[THRESH:.*]] = arith.constant 1073741824 : i64
// CHECK-DAG:     %[[SCALE:.*]] = arith.constant 1.33333337 : f32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x6xf32>) outs(%{{.*}} : tensor<?x6xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG:       %[[I0:.*]] = linalg.index 0 : index
// CHECK-DAG:       %[[I1:.*]] = linalg.index 1 : index
// CHECK-DAG:       %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:       %[[D1:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<?x6xf32>
// CHECK-DAG:       %[[ROW:.*]] = arith.addi %{{.*}}, %[[I0]] : index
// CHECK-DAG:       %[[RS:.*]] = arith.muli %[[ROW]], %[[D1]] : index
// CHECK:           %[[LIN:.*]] = arith.addi %[[RS]], %[[I1]] : index
// CHECK-NEXT:      %[[I:.*]] = arith.index_cast %[[LIN]] : index to i64
// CHECK-NEXT:      %[[C32:.*]] = arith.constant 32 : i64
// CHECK-NEXT:      %[[X0:.*]] = arith.trunci %[[I]] : i64 to i32
// CHECK-NEXT:      %[[IH:.*]] = arith.shrui %[[I]], %[[C32]] : i64
// CHECK-NEXT:      %[[X1:.*]] = arith.trunci %[[IH]] : i64 to i32
// CHECK-NEXT:      %[[STREAM:.*]] = arith.constant 1146244944 : i32
// CHECK-NEXT:      %[[X3:.*]] = arith.constant 0 : i32
// CHECK-NEXT:      %[[K0:.*]] = arith.trunci %[[KEY]] : i64 to i32
// CHECK-NEXT:      %[[KH:.*]] = arith.shrui %[[KEY]], %[[C32]] : i64
// CHECK-NEXT:      %[[K1:.*]] = arith.trunci %[[KH]] : i64 to i32
// CHECK:           arith.mului_extended %{{.*}}, %[[X0]] : i32
// CHECK-NEXT:      arith.mului_extended %{{.*}}, %[[STREAM]] : i32
// CHECK-COUNT-16:  arith.mului_extended
// CHECK:           arith.mului_extended
// CHECK-NEXT:      %{{.*}}, %[[H1L:.*]] = arith.mului_extended
// CHECK-NEXT:      %[[T0:.*]] = arith.xori %[[H1L]], %{{.*}} : i32
// CHECK-NEXT:      %[[W0:.*]] = arith.xori %[[T0]], %{{.*}} : i32
// CHECK-NOT:       arith.mului_extended
// CHECK:           %[[WIDE:.*]] = arith.extui %[[W0]] : i32 to i64
// CHECK-NEXT:      %[[KEEP:.*]] = arith.cmpi uge, %[[WIDE]], %[[THRESH]] : i64
// CHECK-NEXT:      %[[SCALED:.*]] = arith.mulf %[[XI]], %[[SCALE]] : f32
// CHECK-NEXT:      %[[Y:.*]] = arith.select %[[KEEP]], %[[SCALED]], %[[ZERO]] : f32
// CHECK-NEXT:      linalg.yield %[[Y]] : f32
// CHECK:         %[[NK:.*]] = linalg.generic {{.*}} iterator_types = []} outs(%[[KT]] : tensor<i64>)
// CHECK-NEXT:    ^bb0(%[[KI:.*]]: i64):
// CHECK-NEXT:      %[[INC:.*]] = arith.addi %[[KI]], %{{.*}} : i64
// CHECK-NEXT:      linalg.yield %[[INC]] : i64
// CHECK:         return %[[R]], %[[NK]]
func.func @dropout_philox_mask(%x: tensor<?x6xf32>, %k: tensor<i64>) -> (tensor<?x6xf32>, tensor<i64>) {
  %y, %k1 = kiln.dropout %x key(%k) {rate = 0.25 : f64} : tensor<?x6xf32>
  return %y, %k1 : tensor<?x6xf32>, tensor<i64>
}

// -----

/// Layer norm over the last dimension: per-row mean (sum / D), biased variance (sum of
/// squared deviations / D), rstd = 1 / sqrt(var + eps), then (x - mean) * rstd * gamma + beta
/// with gamma and beta read along the columns.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layer_norm_moments
// CHECK-SAME:    (%[[X:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK:         %[[D:.*]] = arith.uitofp %{{.*}} : i64 to f32
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<4x8xf32>)
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>)
// CHECK-NEXT:    ^bb0(%[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.divf %[[SI]], %[[D]] : f32
// CHECK:         %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<4x8xf32>, tensor<4xf32>)
// CHECK-NEXT:    ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:      %[[DEV:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK-NEXT:      %[[DEV2:.*]] = arith.mulf %[[DEV]], %[[DEV]] : f32
// CHECK-NEXT:      arith.addf %[[ACC]], %[[DEV2]] : f32
// CHECK:         %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<4xf32>)
// CHECK-NEXT:    ^bb0(%[[QI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[VAR:.*]] = arith.divf %[[QI]], %[[D]] : f32
// CHECK-NEXT:      %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK-NEXT:      %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]] : f32
// CHECK-DAG:       %[[RT:.*]] = math.sqrt %[[VE]] : f32
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:           arith.divf %[[ONE]], %[[RT]] : f32
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[COL]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %[[MEAN]], %[[RSTD]], %[[G]], %[[B]] :
// CHECK-NEXT:    ^bb0(%[[XJ:.*]]: f32, %[[MJ:.*]]: f32, %[[RJ:.*]]: f32, %[[GJ:.*]]: f32, %[[BJ:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[C:.*]] = arith.subf %[[XJ]], %[[MJ]] : f32
// CHECK-NEXT:      %[[XHAT:.*]] = arith.mulf %[[C]], %[[RJ]] : f32
// CHECK-NEXT:      %[[SC:.*]] = arith.mulf %[[XHAT]], %[[GJ]] : f32
// CHECK-NEXT:      %[[OUT:.*]] = arith.addf %[[SC]], %[[BJ]] : f32
// CHECK-NEXT:      linalg.yield %[[OUT]] : f32
// CHECK:         return %[[Y]]
func.func @layer_norm_moments(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = kiln.layer_norm %x, %g, %b {eps = 1.0e-5 : f64} : tensor<4x8xf32>, tensor<8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

/// Transpose of a batch of matrices: the last two dimensions swap, the batch stays.
// CHECK-LABEL: func.func @transpose_batched
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x5xf32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x5x3xf32>
// CHECK:         %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<2x3x5xf32>) outs(%[[E]] : tensor<2x5x3xf32>) permutation = [0, 2, 1]
// CHECK:         return %[[T]]
func.func @transpose_batched(%x: tensor<2x3x5xf32>) -> tensor<2x5x3xf32> {
  %0 = kiln.transpose %x : tensor<2x3x5xf32> -> tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}

// -----

/// Broadcasting multiply by a per-channel [C, 1, 1] scale: its unit dimensions are folded
/// away and it is read along d1, with no broadcast copy.
// CHECK-DAG:   #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @mul_broadcast_channel_scale
// CHECK-SAME:    (%[[A:.*]]: tensor<2x3x4x4xf32>, %[[S:.*]]: tensor<3x1x1xf32>)
// CHECK:         %[[SC:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1, 2]] : tensor<3x1x1xf32> into tensor<3xf32>
// CHECK-NOT:     linalg.broadcast
// CHECK:         %[[Z:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[CH]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[A]], %[[SC]] : tensor<2x3x4x4xf32>, tensor<3xf32>)
// CHECK-NEXT:    ^bb0(%[[AI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[P:.*]] = arith.mulf %[[AI]], %[[SI]] : f32
// CHECK-NEXT:      linalg.yield %[[P]] : f32
// CHECK:         return %[[Z]]
func.func @mul_broadcast_channel_scale(%a: tensor<2x3x4x4xf32>, %s: tensor<3x1x1xf32>) -> tensor<2x3x4x4xf32> {
  %0 = kiln.mul %a, %s : tensor<2x3x4x4xf32>, tensor<3x1x1xf32> -> tensor<2x3x4x4xf32>
  return %0 : tensor<2x3x4x4xf32>
}
