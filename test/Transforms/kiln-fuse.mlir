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

/// A value that two ops read is materialized once, not fused into either.
// CHECK-LABEL: func.func @negative_shared_producer_not_fused
// CHECK:         %[[D:.*]] = linalg.generic
// CHECK:         linalg.generic {{.*}} ins(%[[D]]
// CHECK:         linalg.generic {{.*}} ins(%[[D]]
func.func @negative_shared_producer_not_fused(%a: tensor<64xf32>, %b: tensor<64xf32>, %p: tensor<64xf32>,
                                              %q: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %d = arith.subf %a, %b : tensor<64xf32>
  %p1 = kiln.sgd %p, %d {lr = 0.1 : f64} : tensor<64xf32>
  %q1 = kiln.sgd %q, %d {lr = 0.2 : f64} : tensor<64xf32>
  return %p1, %q1 : tensor<64xf32>, tensor<64xf32>
}

/// A value that an op before the consumer also reads is not fused: the fused op takes the
/// consumer's place, after that reader.
// CHECK-LABEL: func.func @negative_earlier_reader
// CHECK:         %[[D:.*]] = linalg.generic
// CHECK:         tensor.extract %[[D]]
// CHECK:         linalg.generic {{.*}} ins(%[[D]]
func.func @negative_earlier_reader(%a: tensor<64xf32>, %b: tensor<64xf32>, %p: tensor<64xf32>)
    -> (tensor<64xf32>, f32) {
  %d = arith.subf %a, %b : tensor<64xf32>
  %c0 = arith.constant 0 : index
  %first = tensor.extract %d[%c0] : tensor<64xf32>
  %p1 = kiln.sgd %p, %d {lr = 0.1 : f64} : tensor<64xf32>
  return %p1, %first : tensor<64xf32>, f32
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

// -----

/// Clip by global norm + AdamW: one reduction pass over the gradients (each read once into
/// one accumulator), then per parameter a single update loop with the clip scale folded in.
/// Nothing else touches the gradients: two passes over them, never more.
// CHECK-LABEL: func.func @global_norm_clip_then_adamw
// CHECK-SAME:    (%[[P1:[a-z0-9]+]]: tensor<256x64xf32>, %[[G1:[a-z0-9]+]]: tensor<256x64xf32>, %{{[a-z0-9]+}}: tensor<256x64xf32>, %{{[a-z0-9]+}}: tensor<256x64xf32>, %[[P2:[a-z0-9]+]]: tensor<64xf32>, %[[G2:[a-z0-9]+]]: tensor<64xf32>
// CHECK:         %[[A1:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[G1]] : tensor<256x64xf32>)
// CHECK:         %[[A2:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[G2]] : tensor<64xf32>) outs(%[[A1]] : tensor<f64>)
// CHECK:         tensor.extract %[[A2]][]
// CHECK:         math.sqrt
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[G1]] : tensor<256x64xf32>) outs(%[[P1]],
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[G2]] : tensor<64xf32>) outs(%[[P2]],
// CHECK-NOT:     linalg.generic
func.func @global_norm_clip_then_adamw(%p1: tensor<256x64xf32>, %g1: tensor<256x64xf32>,
    %m1: tensor<256x64xf32>, %v1: tensor<256x64xf32>, %p2: tensor<64xf32>, %g2: tensor<64xf32>,
    %m2: tensor<64xf32>, %v2: tensor<64xf32>, %t: tensor<i64>)
    -> (tensor<256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) {
  %c:2 = kiln.clip_by_global_norm %g1, %g2 {max_norm = 5.0 : f64} : tensor<256x64xf32>, tensor<64xf32>
  %q1, %n1, %w1 = kiln.adamw %p1, %c#0, %m1, %v1 step(%t) {lr = 1.0e-3 : f64} : tensor<256x64xf32>
  %q2, %n2, %w2 = kiln.adamw %p2, %c#1, %m2, %v2 step(%t) {lr = 1.0e-3 : f64} : tensor<64xf32>
  return %q1, %n1, %w1, %q2, %n2, %w2 : tensor<256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>
}

// -----

/// Optax's AdamW as a chain of transforms becomes one loop, writing p, m and v in place.
// CHECK-LABEL: func.func @optax_chain_one_loop
// CHECK-SAME:    (%[[P:[a-z0-9]+]]: tensor<4096xf32>, %[[G:[a-z0-9]+]]: tensor<4096xf32>, %[[M:[a-z0-9]+]]: tensor<4096xf32>, %[[V:[a-z0-9]+]]: tensor<4096xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[G]], %[[P]] : {{.*}}) outs(%[[M]], %[[V]], %[[P]] :
// CHECK-NOT:     linalg.generic
func.func @optax_chain_one_loop(%p: tensor<4096xf32>, %g: tensor<4096xf32>, %m: tensor<4096xf32>,
                                %v: tensor<4096xf32>, %t: tensor<i64>, %lr: tensor<f32>)
    -> (tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>) {
  %u, %m1, %v1 = kiln.scale_by_adam %g, %m, %v step(%t) : tensor<4096xf32>
  %w = kiln.add_decayed_weights %u, %p {weight_decay = 1.0e-4 : f64} : tensor<4096xf32>
  %s = kiln.scale %w by(%lr) {factor = -1.0 : f64} : tensor<4096xf32>
  %p1 = kiln.apply_updates %p, %s : tensor<4096xf32>
  return %p1, %m1, %v1 : tensor<4096xf32>, tensor<4096xf32>, tensor<4096xf32>
}

// -----

/// The consumer writes into the producer's result (elementwise-to-linalg picks an operand
/// of the result type as destination): fusing would make the fused op its own init.
// CHECK-LABEL: func.func @negative_consumer_writes_into_producer
// CHECK:         %[[D:.*]] = linalg.generic
// CHECK:         linalg.generic {{.*}} ins(%[[D]] : tensor<8xf32>) outs(%[[D]] : tensor<8xf32>)
func.func @negative_consumer_writes_into_producer(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %d = arith.subf %a, %b : tensor<8xf32>
  %n = arith.negf %d : tensor<8xf32>
  return %n : tensor<8xf32>
}
