// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Distributed.td: the collectives and the gradient exchange.

// CHECK-LABEL: func.func @collectives
// CHECK:         kiln.all_reduce %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
// CHECK:         kiln.all_reduce %{{.*}} {reduction = "sum"} : tensor<2xf64>
// CHECK:         kiln.broadcast_from %{{.*}} {root = 1 : i64} : tensor<4x3xf32>
// CHECK:         kiln.all_gather %{{.*}} {ranks = 4 : i64} : tensor<3xf32> -> tensor<4x3xf32>
// CHECK:         kiln.exchange_gradients %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>
func.func @collectives(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %d: tensor<2xf64>) {
  %m:2 = kiln.all_reduce %w, %b : tensor<4x3xf32>, tensor<3xf32>
  %s = kiln.all_reduce %d {reduction = "sum"} : tensor<2xf64>
  %r = kiln.broadcast_from %w {root = 1} : tensor<4x3xf32>
  %g = kiln.all_gather %b {ranks = 4} : tensor<3xf32> -> tensor<4x3xf32>
  %e:2 = kiln.exchange_gradients %w, %b {method = "mean"} : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @mixed_bucket(%w: tensor<4x3xf32>, %d: tensor<2xf64>) {
  // expected-error @+1 {{operand #1 holds 'f64' and operand #0 'f32': the tensors of one message share an element type}}
  %m:2 = kiln.all_reduce %w, %d : tensor<4x3xf32>, tensor<2xf64>
  return
}

// -----

func.func @dynamic(%w: tensor<?x3xf32>) {
  // expected-error @+1 {{operand #0 of type 'tensor<?x3xf32>' must have a static shape: every rank sends the same number of elements}}
  %m = kiln.all_reduce %w : tensor<?x3xf32>
  return
}

// -----

func.func @bad_reduction(%w: tensor<3xf32>) {
  // expected-error @+1 {{attribute 'reduction' failed to satisfy constraint: a reduction over the ranks: sum or mean}}
  %m = kiln.all_reduce %w {reduction = "max"} : tensor<3xf32>
  return
}

// -----

func.func @gather_shape(%b: tensor<3xf32>) {
  // expected-error @+1 {{result of type 'tensor<2x3xf32>' must stack the 4 ranks' 'tensor<3xf32>' as 'tensor<4x3xf32>'}}
  %g = kiln.all_gather %b {ranks = 4} : tensor<3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_ranks(%b: tensor<3xf32>) {
  // expected-error @+1 {{attribute 'ranks' failed to satisfy constraint}}
  %g = kiln.all_gather %b {ranks = 0} : tensor<3xf32> -> tensor<0x3xf32>
  return
}

// -----

func.func @negative_root(%b: tensor<3xf32>) {
  // expected-error @+1 {{attribute 'root' failed to satisfy constraint}}
  %g = kiln.broadcast_from %b {root = -1} : tensor<3xf32>
  return
}

// -----

func.func @exchange_none(%b: tensor<3xf32>) {
  // expected-error @+1 {{method "none" exchanges nothing: leave the op out}}
  %g = kiln.exchange_gradients %b {method = "none"} : tensor<3xf32>
  return
}

// -----

func.func @empty() {
  // expected-error @+1 {{needs at least one tensor}}
  "kiln.all_reduce"() : () -> ()
  return
}

// -----

// CHECK-LABEL: func.func @compressed
// CHECK:         kiln.compressed_exchange %{{.*}}, %{{.*}} state(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>) step(%{{.*}}) {eta = 5.000000e-01 : f64, k = 2 : i64, method = "econtrol"} : tensor<4x3xf32>, tensor<3xf32>
// CHECK:         kiln.compressed_exchange %{{.*}} step(%{{.*}}) {compressor = "scaled_sign", method = "compressed"} : tensor<3xf32>
func.func @compressed(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %t: tensor<i64>) {
  %r:8 = kiln.compressed_exchange %w, %b state(%w, %b, %w, %b, %w, %b : tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
      step(%t) {method = "econtrol", compressor = "top_k", k = 2, eta = 0.5 : f64} : tensor<4x3xf32>, tensor<3xf32>
  %s = kiln.compressed_exchange %b step(%t) {method = "compressed", compressor = "scaled_sign"} : tensor<3xf32>
  return
}

// -----

func.func @compressed_state_count(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{method "ef21" keeps 2 kinds of state, one tensor per gradient: 4 state operands, not 2}}
  %r:4 = kiln.compressed_exchange %w, %b state(%w, %b : tensor<4x3xf32>, tensor<3xf32>) step(%t) {method = "ef21"} : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @compressed_state_type(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{state operand #0 of type 'tensor<3xf32>' must be shaped as gradient #0, 'tensor<4x3xf32>'}}
  %r:4 = kiln.compressed_exchange %w, %b state(%b, %w : tensor<3xf32>, tensor<4x3xf32>) step(%t) {method = "ef14"} : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @compressed_k(%w: tensor<4x3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{k = 13: top_k keeps 1 to 12 coordinates of the 12}}
  %r = kiln.compressed_exchange %w step(%t) {method = "compressed", k = 13} : tensor<4x3xf32>
  return
}

// -----

func.func @compressed_eta(%w: tensor<4x3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{eta = 1.500000e+00 must be in (0, 1]}}
  %r:4 = kiln.compressed_exchange %w state(%w, %w, %w : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) step(%t) {method = "econtrol", eta = 1.5 : f64} : tensor<4x3xf32>
  return
}

// -----

func.func @compressed_mean(%w: tensor<4x3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{method is "compressed", "ef14", "ef21" or "econtrol"; a dense mean is kiln.exchange_gradients}}
  %r = kiln.compressed_exchange %w step(%t) {method = "mean"} : tensor<4x3xf32>
  return
}
