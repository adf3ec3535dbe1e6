// RUN: kiln-opt %s --kiln-record-roles | FileCheck %s

/// Optimizer operands give entry-point inputs their roles: the parameter, its state
/// (moments; FRUGAL's subspace, step and key), and nothing for data or counters.
// CHECK-LABEL: func.func @step
// CHECK-SAME:    kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [
// CHECK-SAME:      #kiln_rt.input<type = tensor<8xf32>, role = parameter>, #kiln_rt.input<type = tensor<8xf32>>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<8xf32>, role = optimizer_state>, #kiln_rt.input<type = tensor<8xf32>, role = optimizer_state>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<i64>>, #kiln_rt.input<type = tensor<8x4xf32>, role = parameter>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<8x2xf32>, role = optimizer_state>, #kiln_rt.input<type = tensor<8x2xf32>, role = optimizer_state>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<2xi64>, role = optimizer_state>, #kiln_rt.input<type = tensor<i64>, role = optimizer_state>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<i64>, role = optimizer_state>]
func.func @step(%p: tensor<8xf32>, %g: tensor<8xf32>, %m: tensor<8xf32>, %v: tensor<8xf32>,
                %t: tensor<i64>, %w: tensor<8x4xf32>, %wm: tensor<8x2xf32>, %wv: tensor<8x2xf32>,
                %ws: tensor<2xi64>, %wn: tensor<i64>, %wk: tensor<i64>)
    -> (tensor<8xf32>, tensor<8x4xf32>) {
  %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<8xf32>
  %w1, %wm1, %wv1, %ws1, %wn1, %wk1 = kiln.frugal %w, %w, %wm, %wv subspace(%ws) step(%wn) key(%wk)
      {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64, projection = "columns",
       state_full = "adamw", state_free = "sign_sgd"}
      : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>
  return %p1, %w1 : tensor<8xf32>, tensor<8x4xf32>
}

/// Private functions are not entry points: nothing is recorded.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     kiln_rt.entry_point
func.func private @helper(%p: tensor<8xf32>, %g: tensor<8xf32>) -> tensor<8xf32> {
  %p1 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

/// An edge's alpha is "architecture" even though an optimizer also updates it, and its
/// candidates are recorded for the trainer's search diagnostics.
// CHECK-LABEL: func.func @search_step
// CHECK-SAME:    kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [
// CHECK-SAME:      #kiln_rt.input<type = tensor<3xf32>, role = architecture, candidates = ["none", "relu", "skip_connect"]>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<3xf32>, role = optimizer_state>, #kiln_rt.input<type = tensor<3xf32>, role = optimizer_state>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<i64>>, #kiln_rt.input<type = tensor<4xf32>>]
func.func @search_step(%a: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>, %t: tensor<i64>,
                       %x: tensor<4xf32>) -> (tensor<4xf32>, tensor<3xf32>) {
  %r = kiln.relu %x : tensor<4xf32>
  %y = kiln.mixed %a [%r, %x] {ops = ["none", "relu", "skip_connect"]} : tensor<3xf32>, [tensor<4xf32>, tensor<4xf32>] -> tensor<4xf32>
  %a1, %m1, %v1 = kiln.adam %a, %a, %m, %v step(%t) {lr = 1.0e-3 : f64} : tensor<3xf32>
  return %y, %a1 : tensor<4xf32>, tensor<3xf32>
}

/// A compressed exchange's error and estimate are each rank's own ("rank_state", kept once
/// per rank in checkpoints); h-bar, their mean, is every rank's.
// CHECK-LABEL: func.func @econtrol_step
// CHECK-SAME:    kiln_rt.entry_point = #kiln_rt.entry_point<inputs = [
// CHECK-SAME:      #kiln_rt.input<type = tensor<4xf32>, role = parameter>, #kiln_rt.input<type = tensor<4xf32>>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<4xf32>, role = rank_state>, #kiln_rt.input<type = tensor<4xf32>, role = rank_state>,
// CHECK-SAME:      #kiln_rt.input<type = tensor<4xf32>, role = optimizer_state>, #kiln_rt.input<type = tensor<i64>>]
func.func @econtrol_step(%p: tensor<4xf32>, %g: tensor<4xf32>, %e: tensor<4xf32>, %h: tensor<4xf32>,
                         %hbar: tensor<4xf32>, %t: tensor<i64>) -> tensor<4xf32> {
  %d, %e1, %h1, %hbar1 = kiln.compressed_exchange %g state(%e, %h, %hbar : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      step(%t) {method = "econtrol", eta = 0.5 : f64} : tensor<4xf32>
  %p1 = kiln.sgd %p, %d {lr = 0.1 : f64} : tensor<4xf32>
  return %p1 : tensor<4xf32>
}
