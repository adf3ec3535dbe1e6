// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s
// RUN: kiln-opt %s --convert-kiln-to-linalg=exact-math --split-input-file | FileCheck %s --check-prefix=EXACT

// convert-kiln-to-linalg: optimizer updates (Optimizers.cpp).

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
/// The estimates see only finite operands: +inf is selected around them (the update is then
/// 0, as IEEE and PyTorch have it), and the bias correction is a reciprocal computed once.
// CHECK:           %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF:.*]] = arith.cmpf oeq, %[[NV:.*]], %[[INF]] : f32
// CHECK:           %[[FIN:.*]] = arith.select %[[ISINF]], %{{.*}}, %[[NV]] : f32
// CHECK-NEXT:      %[[EST:.*]] = math.sqrt %[[FIN]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[RT:.*]] = arith.select %[[ISINF]], %[[INF]], %[[EST]] : f32
// CHECK-NEXT:      arith.mulf %[[RT]], %{{.*}} : f32
// CHECK:           %[[REC:.*]] = arith.divf %{{.*}}, %{{.*}} fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      arith.mulf %{{.*}}, %[[REC]] : f32
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

/// AMSGrad with decoupled decay (AdamW(amsgrad=True)): the running maximum is written in
/// place of vmax and replaces v in the denominator sqrt(vmax) / sqrt(1 - beta2^t) + eps
/// (eps after the bias correction, as PyTorch); the step size lr / (1 - beta1^t), the
/// correction sqrt(1 - beta2^t) and the decay factor 1 - lr * wd are f64 scalars computed
/// once.
// CHECK-LABEL: func.func @amsgrad_decoupled_running_max
// CHECK-SAME:    (%[[P:.*]]: tensor<64xf32>, %[[G:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<64xf32>, %[[V:.*]]: tensor<64xf32>, %[[X:.*]]: tensor<64xf32>, %[[T:.*]]: tensor<i64>)
// CHECK:         %[[TF:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK:         %[[PW1:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC1:.*]] = arith.subf %{{.*}}, %[[PW1]] : f64
// CHECK:         %[[PW2:.*]] = math.powf %{{.*}}, %[[TF]] : f64
// CHECK:         %[[BC2:.*]] = arith.subf %{{.*}}, %[[PW2]] : f64
// CHECK:         %[[SS:.*]] = arith.divf %{{.*}}, %[[BC1]] : f64
// CHECK:         %[[NSS:.*]] = arith.negf %[[SS]] : f64
// CHECK:         %[[NEGSTEP:.*]] = arith.truncf %[[NSS]] : f64 to f32
// CHECK:         %[[RBC2:.*]] = math.sqrt %[[BC2]] : f64
// CHECK:         %[[SQBC2:.*]] = arith.truncf %[[RBC2]] : f64 to f32
// CHECK:         %[[RSQBC2:.*]] = arith.divf %{{.*}}, %[[SQBC2]] : f32
// CHECK:         %[[LRWD:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK:         %[[KEEP:.*]] = arith.subf %{{.*}}, %[[LRWD]] : f64
// CHECK:         %[[DECAY:.*]] = arith.truncf %[[KEEP]] : f64 to f32
// CHECK-DAG:     %[[EPS:.*]] = arith.constant 9.99999993E-9 : f32
// CHECK:         %[[R:.*]]:4 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[M]], %[[V]], %[[X]] : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[MI:.*]]: f32, %[[VI:.*]]: f32, %[[XI:.*]]: f32):
// CHECK-NEXT:      %[[PD:.*]] = arith.mulf %[[PI]], %[[DECAY]] : f32
// CHECK-NEXT:      %[[DIFF:.*]] = arith.subf %[[GI]], %[[MI]] : f32
// CHECK-NEXT:      %[[MW:.*]] = arith.mulf %{{.*}}, %[[DIFF]] : f32
// CHECK-NEXT:      %[[NM:.*]] = arith.addf %[[MI]], %[[MW]] : f32
// CHECK-DAG:       %[[CG:.*]] = arith.mulf %{{.*}}, %[[GI]] : f32
// CHECK-DAG:       %[[CGG:.*]] = arith.mulf %[[CG]], %[[GI]] : f32
// CHECK-DAG:       %[[VB:.*]] = arith.mulf %[[VI]], %{{.*}} : f32
// CHECK:           %[[NV:.*]] = arith.addf %[[VB]], %[[CGG]] : f32
// CHECK-NEXT:      %[[NX:.*]] = arith.maximumf %[[XI]], %[[NV]] : f32
// CHECK-NEXT:      %[[INF_RT:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_RT:.*]] = arith.cmpf oeq, %[[NX]], %[[INF_RT]] : f32
// CHECK-NEXT:      %[[ONE_RT:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_RT:.*]] = arith.select %[[ISINF_RT]], %[[ONE_RT]], %[[NX]] : f32
// CHECK-NEXT:      %[[EST_RT:.*]] = math.sqrt %[[FIN_RT]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[RT:.*]] = arith.select %[[ISINF_RT]], %[[INF_RT]], %[[EST_RT]] : f32
// CHECK-NEXT:      %[[Q:.*]] = arith.mulf %[[RT]], %[[RSQBC2]] : f32
// CHECK-NEXT:      %[[DEN:.*]] = arith.addf %[[Q]], %[[EPS]] : f32
// CHECK-NEXT:      %[[NUM:.*]] = arith.mulf %[[NEGSTEP]], %[[NM]] : f32
// CHECK-NEXT:      %[[INF_UPD:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_UPD:.*]] = arith.cmpf oeq, %[[DEN]], %[[INF_UPD]] : f32
// CHECK-NEXT:      %[[ONE_UPD:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_UPD:.*]] = arith.select %[[ISINF_UPD]], %[[ONE_UPD]], %[[DEN]] : f32
// CHECK-NEXT:      %[[REC_UPD:.*]] = arith.divf %[[ONE_UPD]], %[[FIN_UPD]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[EST_UPD:.*]] = arith.mulf %[[NUM]], %[[REC_UPD]] : f32
// CHECK-NEXT:      %[[ZERO_UPD:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[BYINF_UPD:.*]] = arith.mulf %[[NUM]], %[[ZERO_UPD]] : f32
// CHECK-NEXT:      %[[UPD:.*]] = arith.select %[[ISINF_UPD]], %[[BYINF_UPD]], %[[EST_UPD]] : f32
// CHECK-NEXT:      %[[NP:.*]] = arith.addf %[[PD]], %[[UPD]] : f32
// CHECK-NEXT:      linalg.yield %[[NP]], %[[NM]], %[[NV]], %[[NX]] : f32, f32, f32, f32
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[R]]#2, %[[R]]#3
func.func @amsgrad_decoupled_running_max(%p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>,
    %v: tensor<64xf32>, %x: tensor<64xf32>, %t: tensor<i64>)
    -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %p1, %m1, %v1, %x1 = kiln.amsgrad %p, %g, %m, %v, %x step(%t)
      {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64, decoupled_weight_decay} : tensor<64xf32>
  return %p1, %m1, %v1, %x1 : tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

/// Adagrad: clr = lr / (1 + (t - 1) * lr_decay) once per step in f64; L2 decay folded into
/// g; sum += g^2 in place of the accumulator; p -= clr * g / (sqrt(sum) + eps), eps outside
/// the square root as PyTorch.
// CHECK-LABEL: func.func @adagrad_lr_decay
// CHECK-SAME:    (%[[P:.*]]: tensor<64xf32>, %[[G:.*]]: tensor<64xf32>, %[[S:.*]]: tensor<64xf32>, %[[T:.*]]: tensor<i64>)
// CHECK-DAG:     %[[LR:.*]] = arith.constant 1.000000e-02 : f64
// CHECK-DAG:     %[[TI:.*]] = tensor.extract %[[T]][] : tensor<i64>
// CHECK:         %[[TF:.*]] = arith.sitofp %[[TI]] : i64 to f64
// CHECK-DAG:     %[[LRD:.*]] = arith.constant 1.000000e-04 : f64
// CHECK-DAG:     %[[TM1:.*]] = arith.subf %[[TF]], %{{.*}} : f64
// CHECK:         %[[DEC:.*]] = arith.mulf %[[TM1]], %[[LRD]] : f64
// CHECK:         %[[DIV:.*]] = arith.addf %{{.*}}, %[[DEC]] : f64
// CHECK:         %[[CLR:.*]] = arith.divf %[[LR]], %[[DIV]] : f64
// CHECK:         %[[NCLR:.*]] = arith.negf %[[CLR]] : f64
// CHECK:         %[[NEGLR:.*]] = arith.truncf %[[NCLR]] : f64 to f32
// CHECK:         %[[EPS:.*]] = arith.constant 1.000000e-10 : f32
// CHECK:         %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[S]] : tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[SI:.*]]: f32):
// CHECK-NEXT:      %[[WD:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-NEXT:      %[[D:.*]] = arith.mulf %[[WD]], %[[PI]] : f32
// CHECK-NEXT:      %[[GD:.*]] = arith.addf %[[GI]], %[[D]] : f32
// CHECK-NEXT:      %[[GG:.*]] = arith.mulf %[[GD]], %[[GD]] : f32
// CHECK-NEXT:      %[[NS:.*]] = arith.addf %[[SI]], %[[GG]] : f32
// CHECK-NEXT:      %[[INF_RT:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_RT:.*]] = arith.cmpf oeq, %[[NS]], %[[INF_RT]] : f32
// CHECK-NEXT:      %[[ONE_RT:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_RT:.*]] = arith.select %[[ISINF_RT]], %[[ONE_RT]], %[[NS]] : f32
// CHECK-NEXT:      %[[EST_RT:.*]] = math.sqrt %[[FIN_RT]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[RT:.*]] = arith.select %[[ISINF_RT]], %[[INF_RT]], %[[EST_RT]] : f32
// CHECK-NEXT:      %[[STD:.*]] = arith.addf %[[RT]], %[[EPS]] : f32
// CHECK-NEXT:      %[[NUM:.*]] = arith.mulf %[[NEGLR]], %[[GD]] : f32
// CHECK-NEXT:      %[[INF_STEP:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_STEP:.*]] = arith.cmpf oeq, %[[STD]], %[[INF_STEP]] : f32
// CHECK-NEXT:      %[[ONE_STEP:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_STEP:.*]] = arith.select %[[ISINF_STEP]], %[[ONE_STEP]], %[[STD]] : f32
// CHECK-NEXT:      %[[REC_STEP:.*]] = arith.divf %[[ONE_STEP]], %[[FIN_STEP]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[EST_STEP:.*]] = arith.mulf %[[NUM]], %[[REC_STEP]] : f32
// CHECK-NEXT:      %[[ZERO_STEP:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[BYINF_STEP:.*]] = arith.mulf %[[NUM]], %[[ZERO_STEP]] : f32
// CHECK-NEXT:      %[[STEP:.*]] = arith.select %[[ISINF_STEP]], %[[BYINF_STEP]], %[[EST_STEP]] : f32
// CHECK-NEXT:      %[[NP:.*]] = arith.addf %[[PI]], %[[STEP]] : f32
// CHECK-NEXT:      linalg.yield %[[NP]], %[[NS]] : f32, f32
// CHECK:         return %[[R]]#0, %[[R]]#1
func.func @adagrad_lr_decay(%p: tensor<64xf32>, %g: tensor<64xf32>, %s: tensor<64xf32>, %t: tensor<i64>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %p1, %s1 = kiln.adagrad %p, %g, %s step(%t)
      {lr = 0.01 : f64, lr_decay = 1.0e-4 : f64, weight_decay = 0.5 : f64} : tensor<64xf32>
  return %p1, %s1 : tensor<64xf32>, tensor<64xf32>
}

// -----

/// RMSprop with a schedule's learning rate: -lr rounded once outside the loop;
/// sq = alpha * sq + (1 - alpha) * g^2 in place of square_avg; p -= lr * g / (sqrt(sq) + eps).
// CHECK-LABEL: func.func @rmsprop_dynamic_lr
// CHECK-SAME:    (%[[P:.*]]: tensor<64xf32>, %[[G:.*]]: tensor<64xf32>, %[[SQ:.*]]: tensor<64xf32>, %[[LR:.*]]: tensor<f32>)
// CHECK:         %[[L:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// CHECK:         %[[L64:.*]] = arith.extf %[[L]] : f32 to f64
// CHECK:         %[[NL64:.*]] = arith.negf %[[L64]] : f64
// CHECK:         %[[NEGLR:.*]] = arith.truncf %[[NL64]] : f64 to f32
// CHECK-DAG:     %[[ALPHA:.*]] = arith.constant 0.899999976 : f32
// CHECK-DAG:     %[[ONEMA:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG:     %[[EPS:.*]] = arith.constant 9.99999993E-9 : f32
// CHECK:         %[[R:.*]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[SQ]] : tensor<64xf32>, tensor<64xf32>)
// CHECK-NEXT:    ^bb0(%[[GI:.*]]: f32, %[[PI:.*]]: f32, %[[SI:.*]]: f32):
// CHECK-DAG:       %[[CG:.*]] = arith.mulf %[[ONEMA]], %[[GI]] : f32
// CHECK-DAG:       %[[CGG:.*]] = arith.mulf %[[CG]], %[[GI]] : f32
// CHECK-DAG:       %[[AS:.*]] = arith.mulf %[[SI]], %[[ALPHA]] : f32
// CHECK:           %[[NS:.*]] = arith.addf %[[AS]], %[[CGG]] : f32
// CHECK-NEXT:      %[[INF_RT:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_RT:.*]] = arith.cmpf oeq, %[[NS]], %[[INF_RT]] : f32
// CHECK-NEXT:      %[[ONE_RT:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_RT:.*]] = arith.select %[[ISINF_RT]], %[[ONE_RT]], %[[NS]] : f32
// CHECK-NEXT:      %[[EST_RT:.*]] = math.sqrt %[[FIN_RT]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[RT:.*]] = arith.select %[[ISINF_RT]], %[[INF_RT]], %[[EST_RT]] : f32
// CHECK-NEXT:      %[[AVG:.*]] = arith.addf %[[RT]], %[[EPS]] : f32
// CHECK-NEXT:      %[[NUM:.*]] = arith.mulf %[[NEGLR]], %[[GI]] : f32
// CHECK-NEXT:      %[[INF_STEP:.*]] = arith.constant 0x7F800000 : f32
// CHECK-NEXT:      %[[ISINF_STEP:.*]] = arith.cmpf oeq, %[[AVG]], %[[INF_STEP]] : f32
// CHECK-NEXT:      %[[ONE_STEP:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:      %[[FIN_STEP:.*]] = arith.select %[[ISINF_STEP]], %[[ONE_STEP]], %[[AVG]] : f32
// CHECK-NEXT:      %[[REC_STEP:.*]] = arith.divf %[[ONE_STEP]], %[[FIN_STEP]] fastmath<ninf,arcp,afn> : f32
// CHECK-NEXT:      %[[EST_STEP:.*]] = arith.mulf %[[NUM]], %[[REC_STEP]] : f32
// CHECK-NEXT:      %[[ZERO_STEP:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT:      %[[BYINF_STEP:.*]] = arith.mulf %[[NUM]], %[[ZERO_STEP]] : f32
// CHECK-NEXT:      %[[STEP:.*]] = arith.select %[[ISINF_STEP]], %[[BYINF_STEP]], %[[EST_STEP]] : f32
// CHECK-NEXT:      %[[NP:.*]] = arith.addf %[[PI]], %[[STEP]] : f32
// CHECK-NEXT:      linalg.yield %[[NP]], %[[NS]] : f32, f32
// CHECK:         return %[[R]]#0, %[[R]]#1
/// exact-math: the same square root and division, without fast-math flags.
// EXACT-LABEL: func.func @rmsprop_dynamic_lr
// EXACT:         linalg.generic
// EXACT-NOT:       fastmath
// EXACT:           math.sqrt %{{[0-9]+}} : f32
// EXACT-NOT:       fastmath
// EXACT:           arith.divf %{{[0-9]+}}, %{{[0-9]+}} : f32
// EXACT-NOT:       fastmath
// EXACT:           linalg.yield
func.func @rmsprop_dynamic_lr(%p: tensor<64xf32>, %g: tensor<64xf32>, %sq: tensor<64xf32>, %lr: tensor<f32>)
    -> (tensor<64xf32>, tensor<64xf32>) {
  %p1, %sq1 = kiln.rmsprop %p, %g, %sq lr(%lr) {alpha = 0.9 : f64} : tensor<64xf32>
  return %p1, %sq1 : tensor<64xf32>, tensor<64xf32>
}

// -----

/// With eps = 0 the denominator may be 0 or denormal: the reciprocal's estimate sees |y|
/// scaled into the normal range (by 2^64 when below 2^-64) and the IEEE results of 0 and
/// infinity (signed by y's sign bit) are selected around it.
// CHECK-LABEL: func.func @adam_eps_zero_any_denominator
// CHECK:         linalg.generic
// CHECK:           %[[MAG:.*]] = math.absf %[[DEN:.*]] : f32
// CHECK-DAG:       %[[ISZERO:.*]] = arith.cmpf oeq, %[[MAG]], %{{.*}} : f32
// CHECK-DAG:       %[[ISINF:.*]] = arith.cmpf oeq, %[[MAG]], %{{.*}} : f32
// CHECK-DAG:       %[[TINY:.*]] = arith.cmpf olt, %[[MAG]], %{{.*}} : f32
// CHECK:           %[[SCALE:.*]] = arith.select %[[TINY]], %{{.*}}, %{{.*}} : f32
// CHECK:           %[[SPECIAL:.*]] = arith.ori %[[ISZERO]], %[[ISINF]] : i1
// CHECK:           %[[SCALED:.*]] = arith.mulf %[[DEN]], %[[SCALE]] : f32
// CHECK:           %[[OPND:.*]] = arith.select %[[SPECIAL]], %{{.*}}, %[[SCALED]] : f32
// CHECK:           %[[REC:.*]] = arith.divf %{{.*}}, %[[OPND]] fastmath<ninf,arcp,afn> : f32
// CHECK:           %[[RS:.*]] = arith.mulf %[[REC]], %[[SCALE]] : f32
// CHECK:           %[[Q:.*]] = arith.mulf %[[NUM:.*]], %[[RS]] : f32
// CHECK:           %[[BITS:.*]] = arith.bitcast %[[DEN]] : f32 to i32
// CHECK:           %[[NEG:.*]] = arith.cmpi slt, %[[BITS]], %{{.*}} : i32
// CHECK:           %[[BYINF:.*]] = arith.mulf %[[NUM]], %{{.*}} : f32
// CHECK:           %[[BYZERO:.*]] = arith.mulf %[[NUM]], %{{.*}} : f32
// CHECK:           %[[Z:.*]] = arith.select %[[ISZERO]], %[[BYZERO]], %[[Q]] : f32
// CHECK:           arith.select %[[ISINF]], %[[BYINF]], %[[Z]] : f32
func.func @adam_eps_zero_any_denominator(%p: tensor<8xf32>, %g: tensor<8xf32>, %m: tensor<8xf32>,
                                         %v: tensor<8xf32>, %t: tensor<i64>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64, eps = 0.0 : f64} : tensor<8xf32>
  return %p1, %m1, %v1 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
