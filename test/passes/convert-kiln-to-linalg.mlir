// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s
// RUN: kiln-opt %s --convert-kiln-to-linalg=exact-math --split-input-file | FileCheck %s --check-prefix=EXACT

// Each update is one element-wise linalg.generic whose outs are the tensors it replaces,
// so bufferization can write them in place.

// CHECK-LABEL: func.func @sgd_weight_decay
// CHECK-SAME:    (%[[P:.*]]: tensor<?xf32>, %[[G:.*]]: tensor<?xf32>)
// CHECK:         %[[NEGLR:.*]] = arith.truncf
// CHECK:         %[[R:.*]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel"]
// CHECK-SAME:      ins(%[[G]] : tensor<?xf32>) outs(%[[P]] : tensor<?xf32>)
// CHECK:         ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32):
// CHECK:           %[[WD:.*]] = arith.mulf %{{.*}}, %[[PI]] : f32
// CHECK:           %[[GD:.*]] = arith.addf %[[GI]], %[[WD]] : f32
// CHECK:           %[[STEP:.*]] = arith.mulf %[[NEGLR]], %[[GD]] : f32
// CHECK:           %[[NEW:.*]] = arith.addf %[[PI]], %[[STEP]] : f32
// CHECK:           linalg.yield %[[NEW]] : f32
// CHECK:         return %[[R]]
func.func @sgd_weight_decay(%p: tensor<?xf32>, %g: tensor<?xf32>) -> tensor<?xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.5 : f64, weight_decay = 0.25 : f64} : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

/// Without weight decay PyTorch adds nothing to the gradient, and neither do we.
// CHECK-LABEL: func.func @sgd_no_weight_decay
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32):
// CHECK-NEXT:      %[[STEP:.*]] = arith.mulf %{{.*}}, %[[GI]] : f32
// CHECK-NEXT:      %[[NEW:.*]] = arith.addf %[[PI]], %[[STEP]] : f32
// CHECK-NEXT:      linalg.yield %[[NEW]] : f32
func.func @sgd_no_weight_decay(%p: tensor<4x4xf32>, %g: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = kiln.sgd %p, %g {lr = 0.5 : f64} : tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @momentum_nesterov_dynamic_lr
// CHECK-SAME:    (%[[P:.*]]: tensor<8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>, %[[LR:.*]]: tensor<f32>)
// CHECK:         %[[LRS:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK:         %[[MU:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:         %[[R:.*]]:2 = linalg.generic
// CHECK-SAME:      ins(%[[G]] : tensor<8xf32>) outs(%[[P]], %[[B]] : tensor<8xf32>, tensor<8xf32>)
// CHECK:         ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[BI:.*]]: f32):
// CHECK:           %[[BM:.*]] = arith.mulf %[[BI]], %[[MU]] : f32
// CHECK:           %[[NB:.*]] = arith.addf %[[BM]], %[[GI]] : f32
// CHECK:           %[[NM:.*]] = arith.mulf %[[MU]], %[[NB]] : f32
// CHECK:           %[[D:.*]] = arith.addf %[[GI]], %[[NM]] : f32
// CHECK:           linalg.yield %{{.*}}, %[[NB]] : f32, f32
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @momentum_nesterov_dynamic_lr(%p: tensor<8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                                        %lr: tensor<f32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %p1, %b1 = kiln.momentum %p, %g, %b lr(%lr) {momentum = 0.5 : f64, nesterov} : tensor<8xf32>
  return %p1, %b1 : tensor<8xf32>, tensor<8xf32>
}

// -----

/// Bias corrections are scalars computed once, outside the loop, in f64.
// CHECK-LABEL: func.func @adam_bias_correction_outside_loop
// CHECK-SAME:    (%[[P:.*]]: tensor<3x5xf32>, %[[G:.*]]: tensor<3x5xf32>, %[[M:.*]]: tensor<3x5xf32>, %[[V:.*]]: tensor<3x5xf32>, %[[T:.*]]: tensor<i64>)
// CHECK:         %[[TI:.*]] = tensor.extract %[[T]][] : tensor<i64>
// CHECK:         %[[TF:.*]] = arith.sitofp %[[TI]] : i64 to f64
// CHECK:         math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC2:.*]] = math.sqrt %{{.*}} : f64
// CHECK:         %[[R:.*]]:3 = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK-SAME:      ins(%[[G]] : tensor<3x5xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>)
// CHECK-NOT:       math.powf
// CHECK:           math.sqrt %{{.*}} fastmath<ninf,arcp,afn> : f32
// CHECK:           arith.divf {{.*}} fastmath<ninf,arcp,afn> : f32
// CHECK:           linalg.yield
/// With exact-math the same loop uses IEEE square root and division.
// EXACT-LABEL: func.func @adam_bias_correction_outside_loop
// EXACT:         linalg.generic
// EXACT-NOT:       fastmath
// EXACT:           math.sqrt %{{.*}} : f32
// EXACT-NOT:       fastmath
// EXACT:           linalg.yield
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2
func.func @adam_bias_correction_outside_loop(%p: tensor<3x5xf32>, %g: tensor<3x5xf32>,
    %m: tensor<3x5xf32>, %v: tensor<3x5xf32>, %t: tensor<i64>)
    -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<3x5xf32>
  return %p1, %m1, %v1 : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

/// AdamW scales the parameter before the Adam update instead of touching the gradient.
// CHECK-LABEL: func.func @adamw_decoupled_decay
// CHECK:         %[[LRWD:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK:         %[[KEEP:.*]] = arith.subf %{{.*}}, %[[LRWD]] : f64
// CHECK:         %[[DECAY:.*]] = arith.truncf %[[KEEP]] : f64 to f32
// CHECK:         linalg.generic
// CHECK:         ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32):
// CHECK-NEXT:      %[[PD:.*]] = arith.mulf %[[PI]], %[[DECAY]] : f32
// CHECK-NEXT:      arith.subf %[[GI]], %[[MI]] : f32
// CHECK:           %[[NEW:.*]] = arith.addf %[[PD]], %{{.*}} : f32
// CHECK:           linalg.yield %[[NEW]]
func.func @adamw_decoupled_decay(%p: tensor<7xf32>, %g: tensor<7xf32>, %m: tensor<7xf32>,
                                 %v: tensor<7xf32>, %t: tensor<i64>)
    -> (tensor<7xf32>, tensor<7xf32>, tensor<7xf32>) {
  %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<7xf32>
  return %p1, %m1, %v1 : tensor<7xf32>, tensor<7xf32>, tensor<7xf32>
}

// -----

/// Scaled signSGD: one f64 reduction of |g| first, then the update loop using its mean.
// CHECK-LABEL: func.func @sign_sgd_scaled
// CHECK-SAME:    (%[[P:.*]]: tensor<10x3xf32>, %[[G:.*]]: tensor<10x3xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[G]] : tensor<10x3xf32>) outs(%{{.*}} : tensor<f64>)
// CHECK:           math.absf
// CHECK:           arith.extf
// CHECK:         %[[S:.*]] = tensor.extract %[[SUM]][] : tensor<f64>
// CHECK:         arith.divf %[[S]]
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : tensor<10x3xf32>) outs(%[[P]] : tensor<10x3xf32>)
// CHECK:           arith.cmpf ogt
// CHECK:           arith.cmpf olt
func.func @sign_sgd_scaled(%p: tensor<10x3xf32>, %g: tensor<10x3xf32>) -> tensor<10x3xf32> {
  %0 = kiln.sign_sgd %p, %g {lr = 1.0e-3 : f64, scaled} : tensor<10x3xf32>
  return %0 : tensor<10x3xf32>
}

// -----

/// Lion: the sign of the interpolation, then decoupled decay and the momentum update, in
/// one loop over (g; p, m).
// CHECK-LABEL: func.func @lion
// CHECK-SAME:    (%[[P:.*]]: tensor<16xf32>, %[[G:.*]]: tensor<16xf32>, %[[M:.*]]: tensor<16xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : tensor<16xf32>) outs(%[[P]], %[[M]] : tensor<16xf32>, tensor<16xf32>)
// CHECK:           arith.select
// CHECK:           linalg.yield
func.func @lion(%p: tensor<16xf32>, %g: tensor<16xf32>, %m: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %p1, %m1 = kiln.lion %p, %g, %m {lr = 1.0e-4 : f64, weight_decay = 0.1 : f64} : tensor<16xf32>
  return %p1, %m1 : tensor<16xf32>, tensor<16xf32>
}

// -----

/// Schedules are scalar f64 code on the counter, rounded once to f32.
// CHECK-LABEL: func.func @cosine_schedule
// CHECK:         %[[C:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK:         arith.sitofp %[[C]] : i64 to f64
// CHECK:         math.cos
// CHECK:         %[[V:.*]] = arith.truncf %{{.*}} : f64 to f32
// CHECK:         tensor.from_elements %[[V]] : tensor<f32>
// CHECK-NOT:     linalg.generic
func.func @cosine_schedule(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.cosine_decay_schedule %t {init_value = 0.025 : f64, decay_steps = 500 : i64}
  return %0 : tensor<f32>
}

// -----

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

// Window ops become runtime kernel calls writing a fresh tensor, with the geometry that the
// verifier derived (stride defaults to the window for pooling).
// CHECK-LABEL: func.func @convolution
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x4x4x4xf32>
// CHECK:         %[[C:.*]] = kiln.kernel_call "conv2d" ins(%{{.*}}, %{{.*}} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%[[E]] : tensor<2x4x4x4xf32>) params [2, 3, 8, 8, 4, 3, 3, 4, 4, 2, 2, 1, 1, 1, 1, 1]
// CHECK:         kiln.kernel_call "max_pool2d" ins(%[[C]] : tensor<2x4x4x4xf32>) outs(%{{.*}} : tensor<2x4x2x2xf32>) params [2, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]
// CHECK:         kiln.kernel_call "conv2d_grad_input"
// CHECK:         kiln.kernel_call "avg_pool2d_grad"
func.func @convolution(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %dy: tensor<2x4x4x4xf32>)
    -> (tensor<2x4x2x2xf32>, tensor<2x3x8x8xf32>, tensor<2x4x8x8xf32>) {
  %c = kiln.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x4x4xf32>
  %p = kiln.max_pool2d %c {kernel = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x2x2xf32>
  %dx = kiln.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x8x8xf32>
  %da = kiln.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x8x8xf32>
  return %p, %dx, %da : tensor<2x4x2x2xf32>, tensor<2x3x8x8xf32>, tensor<2x4x8x8xf32>
}

// -----

// Per-channel bias and global pooling are element-wise and reduction generics over NCHW.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG:   #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @channel_ops
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK:         arith.constant 6.250000e-02 : f32
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
func.func @channel_ops(%x: tensor<2x3x4x4xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %y = kiln.channel_bias %x, %b : tensor<2x3x4x4xf32>, tensor<3xf32>
  %g = kiln.global_avg_pool %y : tensor<2x3x4x4xf32> -> tensor<2x3xf32>
  %db = kiln.channel_sum %x : tensor<2x3x4x4xf32> -> tensor<3xf32>
  return %g, %db : tensor<2x3xf32>, tensor<3xf32>
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
