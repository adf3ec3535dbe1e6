// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Frugal.td: FRUGAL gradient splitting.

// CHECK-LABEL: func.func @frugal
// CHECK:         kiln.frugal %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} subspace(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {density = 2.500000e-01 : f64, lr = 1.000000e-03 : f64, projection = "rows", state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
// CHECK:         kiln.frugal {{.*}}projection = "columns", state_free = "sgd", state_full = "momentum"{{.*}} : tensor<8x6xf32>, tensor<8x3xf32>, tensor<0xf32>, tensor<3xi64>
func.func @frugal(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<196x256xf32>,
                  %v: tensor<196x256xf32>, %s: tensor<196xi64>, %n: tensor<i64>, %k: tensor<i64>,
                  %q: tensor<8x6xf32>, %h: tensor<8x6xf32>, %mq: tensor<8x3xf32>, %none: tensor<0xf32>,
                  %sq: tensor<3xi64>) -> (tensor<784x256xf32>, tensor<8x6xf32>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "rows", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
  %q1, %mq1, %no1, %sq1, %n2, %k2 = kiln.frugal %q, %h, %mq, %none subspace(%sq) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 10 : i64, projection = "columns",
       state_full = "momentum", state_free = "sgd", free_lr_scale = 0.1 : f64}
      : tensor<8x6xf32>, tensor<8x3xf32>, tensor<0xf32>, tensor<3xi64>
  return %p1, %q1 : tensor<784x256xf32>, tensor<8x6xf32>
}

// -----

/// GaLore's SVD projection: a tall matrix is projected on the right (P is [r, cols], the
/// state [rows, r], r = round(256 * 0.25)), a wide one on the left (P [rows, r], state
/// [r, cols], r = round(6 * 0.5)).
// CHECK-LABEL: func.func @frugal_svd
// CHECK:         kiln.frugal %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} subspace(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {density = 2.500000e-01 : f64, lr = 1.000000e-03 : f64, projection = "svd", state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
// CHECK:         kiln.frugal {{.*}}projection = "svd", state_free = "sgd", state_full = "momentum"{{.*}} : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>
func.func @frugal_svd(%p: tensor<784x256xf32>, %g: tensor<784x256xf32>, %m: tensor<784x64xf32>,
                      %v: tensor<784x64xf32>, %s: tensor<64x256xf32>, %n: tensor<i64>, %k: tensor<i64>,
                      %q: tensor<6x10xf64>, %h: tensor<6x10xf64>, %mq: tensor<3x10xf64>, %none: tensor<0xf64>,
                      %sq: tensor<6x3xf64>) -> (tensor<784x256xf32>, tensor<64x256xf32>, tensor<6x3xf64>) {
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
       projection = "svd", state_full = "adamw", state_free = "sign_sgd"}
      : tensor<784x256xf32>, tensor<784x64xf32>, tensor<784x64xf32>, tensor<64x256xf32>
  %q1, %mq1, %no1, %sq1, %n2, %k2 = kiln.frugal %q, %h, %mq, %none subspace(%sq) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 10 : i64, projection = "svd",
       state_full = "momentum", state_free = "sgd"}
      : tensor<6x10xf64>, tensor<3x10xf64>, tensor<0xf64>, tensor<6x3xf64>
  return %p1, %s1, %sq1 : tensor<784x256xf32>, tensor<64x256xf32>, tensor<6x3xf64>
}

// -----

/// Blockwise FRUGAL: 3 tensors at density 0.5 give k = round(1.5) = 2; "ascending" visits
/// [0, 1], [2, 0], [1, 2], so the pools hold the largest window, 100352 + 1280 elements.
/// "random" over 2 tensors (k = 1) needs the largest one; momentum leaves exp_avg_sq empty.
// CHECK-LABEL: func.func @frugal_blocks
// CHECK:         %{{.*}}:3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = kiln.frugal_blocks(%{{.*}}, %{{.*}}, %{{.*}}) grads(%{{.*}}, %{{.*}}, %{{.*}}) state(%{{.*}}, %{{.*}}) active(%{{.*}}) step(%{{.*}}) key(%{{.*}}) {block_order = "ascending", density = 5.000000e-01 : f64, lr = 1.000000e-03 : f64, state_free = "sign_sgd", state_full = "adamw", update_gap = 200 : i64} : (tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>), tensor<101632xf32>, tensor<101632xf32>, tensor<2xi64> grads(tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>)
// CHECK:         %{{.*}}:2, {{.*}} = kiln.frugal_blocks{{.*}}{block_order = "random", density = 5.000000e-01 : f64, free_lr_scale = 1.000000e-01 : f64, lr = 1.000000e-02 : f64, state_free = "sgd", state_full = "momentum", update_gap = 50 : i64} : (tensor<128x10xf32>, tensor<10xf32>), tensor<1280xf32>, tensor<0xf32>, tensor<1xi64> grads(tensor<128x10xf32>, tensor<10xf32>)
func.func @frugal_blocks(%w1: tensor<784x128xf32>, %w2: tensor<128x10xf32>, %b: tensor<10xf32>,
                         %g1: tensor<784x128xf32>, %g2: tensor<128x10xf32>, %gb: tensor<10xf32>,
                         %m: tensor<101632xf32>, %v: tensor<101632xf32>, %a: tensor<2xi64>,
                         %mr: tensor<1280xf32>, %none: tensor<0xf32>, %ar: tensor<1xi64>,
                         %n: tensor<i64>, %k: tensor<i64>)
    -> (tensor<784x128xf32>, tensor<10xf32>, tensor<2xi64>, tensor<1xi64>, tensor<i64>) {
  %p:3, %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (%w1, %w2, %b) grads(%g1, %g2, %gb)
      state(%m, %v) active(%a) step(%n) key(%k)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64,
       block_order = "ascending", state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>), tensor<101632xf32>,
        tensor<101632xf32>, tensor<2xi64>
        grads(tensor<784x128xf32>, tensor<128x10xf32>, tensor<10xf32>)
  %q:2, %m2, %v2, %a2, %n2, %k2 = kiln.frugal_blocks (%w2, %b) grads(%g2, %gb)
      state(%mr, %none) active(%ar) step(%n) key(%k)
      {lr = 1.0e-2 : f64, density = 0.5 : f64, update_gap = 50 : i64, block_order = "random",
       state_full = "momentum", state_free = "sgd", free_lr_scale = 0.1 : f64}
      : (tensor<128x10xf32>, tensor<10xf32>), tensor<1280xf32>, tensor<0xf32>, tensor<1xi64>
        grads(tensor<128x10xf32>, tensor<10xf32>)
  return %p#0, %p#2, %a1, %a2, %k2 : tensor<784x128xf32>, tensor<10xf32>, tensor<2xi64>, tensor<1xi64>, tensor<i64>
}

// -----

func.func @frugal_density(%p: tensor<8x4xf32>, %m: tensor<8x4xf32>, %s: tensor<4xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'density' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1]}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 1.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_gap(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'update_gap' failed to satisfy constraint}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 0 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_rank(%p: tensor<8xf32>, %m: tensor<4xf32>, %s: tensor<4xi64>, %n: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{projection "columns" needs a matrix, not 'tensor<8xf32>'; biases and norms take plain AdamW (kiln.adamw), as in the reference}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi64>
  return %p1 : tensor<8xf32>
}

// -----

func.func @frugal_state_shape(%p: tensor<8x4xf32>, %m: tensor<8x4xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<8x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<8x4xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_projection(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'projection' failed to satisfy constraint: a FRUGAL projection: columns, rows, coordinates or svd}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "randperm",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_svd_rank(%p: tensor<8xf32>, %m: tensor<4xf32>, %s: tensor<4xf32>, %n: tensor<i64>) -> tensor<8xf32> {
  // expected-error @+1 {{projection "svd" needs a matrix, not 'tensor<8xf32>'; biases and norms take plain AdamW (kiln.adamw), as in the reference}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %p1 : tensor<8xf32>
}

// -----

/// A wide matrix is projected on the left: P is [rows, r] = [4, 2], the state [r, cols].
func.func @frugal_svd_projector_shape(%p: tensor<4x8xf32>, %m: tensor<2x8xf32>, %s: tensor<2x4xf32>, %n: tensor<i64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{subspace (the projector) must be 'tensor<4x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<2x4xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<4x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x4xf32>
  return %p1 : tensor<4x8xf32>
}

// -----

/// The projector is a matrix of the parameter's element type, not indices.
func.func @frugal_svd_projector_type(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2x4xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{subspace (the projector) must be 'tensor<2x4xf32>' (k = 2 for density 5.000000e-01), not 'tensor<2x4xi64>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2x4xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

/// r = round(5 * 0.5) = 2 (half to even, as Python's round), so the state is [8, 2].
func.func @frugal_svd_rank_rounding(%p: tensor<8x5xf32>, %m: tensor<8x3xf32>, %s: tensor<3x5xf32>, %n: tensor<i64>) -> tensor<8x5xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<8x2xf32>' (k = 2 for density 5.000000e-01), not 'tensor<8x3xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "svd",
       state_full = "adamw", state_free = "sign_sgd"} : tensor<8x5xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<3x5xf32>
  return %p1 : tensor<8x5xf32>
}

// -----

func.func @frugal_blocks_density(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+3 {{attribute 'density' failed to satisfy constraint: 64-bit float attribute whose value is in [0, 1]}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 1.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_gap(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+3 {{attribute 'update_gap' failed to satisfy constraint}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 0 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_mirror(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+3 {{attribute 'block_order' failed to satisfy constraint: an order of blockwise FRUGAL: ascending, descending or random (the reference's mirror is not supported)}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "mirror",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

/// Sizes 10, 1, 10, 1 with k = 2: "ascending" only ever activates [0, 1] and [2, 3], so its
/// pool holds 11 elements, while "random" would need the two largest, 20.
func.func @frugal_blocks_pool(%a: tensor<2x5xf32>, %b: tensor<1xf32>, %c: tensor<10xf32>, %m: tensor<20xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<2x5xf32> {
  // expected-error @+1 {{exp_avg must be 'tensor<11xf32>' (k = 2 of 4 tensors for density 5.000000e-01, block_order "ascending"), not 'tensor<20xf32>'}}
  %p:4, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b, %c, %b) grads(%a, %b, %c, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<2x5xf32>, tensor<1xf32>, tensor<10xf32>, tensor<1xf32>), tensor<20xf32>, tensor<20xf32>, tensor<2xi64> grads(tensor<2x5xf32>, tensor<1xf32>, tensor<10xf32>, tensor<1xf32>)
  return %p#0 : tensor<2x5xf32>
}

// -----

func.func @frugal_blocks_grad_type(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %h: tensor<4xf64>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{gradient #1 must be 'tensor<4xf32>', not 'tensor<4xf64>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %h) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "ascending",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf64>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_active(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{active must be 'tensor<1xi64>' (k = 1 of 2 tensors for density 5.000000e-01, block_order "random"), not 'tensor<2xi64>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "random",
       state_full = "adamw", state_free = "sign_sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<2xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_blocks_momentum_second_moment(%a: tensor<8x4xf32>, %b: tensor<4xf32>, %m: tensor<32xf32>, %s: tensor<1xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg_sq (unused by momentum) must be 'tensor<0xf32>'}}
  %p:2, %m1, %v1, %s1, %n1, %k1 = kiln.frugal_blocks (%a, %b) grads(%a, %b) state(%m, %m)
      active(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, block_order = "descending",
       state_full = "momentum", state_free = "sgd"}
      : (tensor<8x4xf32>, tensor<4xf32>), tensor<32xf32>, tensor<32xf32>, tensor<1xi64> grads(tensor<8x4xf32>, tensor<4xf32>)
  return %p#0 : tensor<8x4xf32>
}

// -----

func.func @frugal_momentum_second_moment(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+1 {{exp_avg_sq (unused by momentum) must be 'tensor<0xf32>'}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "momentum", state_free = "sign_sgd"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}

// -----

func.func @frugal_rules(%p: tensor<8x4xf32>, %m: tensor<8x2xf32>, %s: tensor<2xi64>, %n: tensor<i64>) -> tensor<8x4xf32> {
  // expected-error @+2 {{attribute 'state_free' failed to satisfy constraint: a state-free FRUGAL rule: sign_sgd or sgd}}
  %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %p, %m, %m subspace(%s) step(%n) key(%n)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "lion"} : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1 : tensor<8x4xf32>
}
