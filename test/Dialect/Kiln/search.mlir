// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Search.td: architecture search.

// CHECK-LABEL: func.func @supernet_edge
// CHECK:         kiln.mixed %{{.*}} [%{{.*}}, %{{.*}}] {ops = ["none", "max_pool_3x3", "skip_connect"]} : tensor<3xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>
// CHECK:         kiln.mixed_grad %{{.*}}, %{{.*}} [%{{.*}}, %{{.*}}] {ops = ["none", "max_pool_3x3", "skip_connect"]} : tensor<3xf32>, tensor<8x16x14x14xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>
func.func @supernet_edge(%alpha: tensor<3xf32>, %pool: tensor<8x16x14x14xf32>, %skip: tensor<8x16x14x14xf32>,
                         %dy: tensor<8x16x14x14xf32>) -> (tensor<8x16x14x14xf32>, tensor<3xf32>) {
  %y = kiln.mixed %alpha [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>] -> tensor<8x16x14x14xf32>
  %da, %dp, %ds = kiln.mixed_grad %alpha, %dy [%pool, %skip] {ops = ["none", "max_pool_3x3", "skip_connect"]}
      : tensor<3xf32>, tensor<8x16x14x14xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>]
      -> tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>
  return %y, %da : tensor<8x16x14x14xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @architecture
// CHECK:         kiln.architecture "a1" : tensor<4xf32>
func.func @architecture() -> tensor<4xf32> {
  %a = kiln.architecture "a1" : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

// A search declaration round-trips; the defaults (DARTS') stay implicit.
// CHECK:       kiln.search_step @search_train_step(@search_loss) {architecture = array<i64: 1>, decay_steps = 2340 : i64, lambda = 5.000000e-01 : f64, method = "rarts"}
func.func private @search_loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5"}, %a: tensor<2xf32>,
                               %x: tensor<8x4xf32> {kiln.data = "images"}) -> tensor<f32>
kiln.search_step @search_train_step(@search_loss) {method = "rarts", architecture = array<i64: 1>,
                                                   decay_steps = 2340 : i64, lambda = 0.5 : f64}

// -----

func.func @edge_without_candidates(%alpha: tensor<0xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{an edge needs at least one candidate operation}}
  %y = "kiln.mixed"(%alpha) {ops = []} : (tensor<0xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @alpha_wrong_length(%alpha: tensor<3xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{alpha must be a [2] tensor, one entry per candidate, not 'tensor<3xf32>'}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect"]} : tensor<3xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @edge_operand_count(%alpha: tensor<3xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{has 1 candidate operands for 2 candidates other than "none"}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect", "max_pool_3x3"]} : tensor<3xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @edge_candidate_type(%alpha: tensor<2xf32>, %x: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{candidate of type 'tensor<5xf32>' does not match 'tensor<4xf32>'}}
  %y = kiln.mixed %alpha [%x] {ops = ["none", "skip_connect"]} : tensor<2xf32>, [tensor<5xf32>] -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// A cell's edges form a DAG: a node that feeds itself is rejected by SSA dominance.
func.func @cell_with_cycle(%alpha: tensor<2xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operand #0 does not dominate this use}}
  %a = arith.addf %b, %x : tensor<4xf32>
  // expected-note @+1 {{operand defined here}}
  %b = kiln.mixed %alpha [%a] {ops = ["none", "skip_connect"]} : tensor<2xf32>, [tensor<4xf32>] -> tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

func.func @architecture_empty_name() -> tensor<4xf32> {
  // expected-error @+1 {{'kiln.architecture' op attribute 'tensor' failed to satisfy constraint: string attribute non-empty}}
  %a = kiln.architecture "" : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{attribute 'method' failed to satisfy constraint: a search method: darts1, darts2, rarts or rarts_jacobi}}
kiln.search_step @step(@search_loss) {method = "darts3", architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture argument 3 is out of range: @search_loss has 3 arguments}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 3>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture lists no argument: a search needs alphas}}
kiln.search_step @step(@search_loss) {architecture = array<i64>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32> {kiln.init = "zeros"},
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op architecture argument 2 of @search_loss is data (kiln.data)}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 2>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32>, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op weight argument 0 of @search_loss needs a kiln.init: the step initialises it}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.init = "zeros"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op @search_loss has no data argument (kiln.data "images"/"labels")}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xi64>) -> tensor<f32>
// expected-error @+1 {{@search_loss argument 2 (a weight) must be an f32 tensor, not 'tensor<4xi64>'; data arguments carry kiln.data}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f64>
// expected-error @+1 {{'kiln.search_step' op @search_loss must return one tensor<f32>, the loss}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "val_images"}) -> tensor<f32>
// expected-error @+1 {{argument 2 is "val_images": the loss names one batch ("images", "labels"); the step adds split B's}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

// expected-error @+1 {{'kiln.search_step' op 'missing_loss' is not a function}}
kiln.search_step @step(@missing_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op lr_min (1.000000e-01) exceeds lr (1.000000e-02)}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, lr = 0.01 : f64, lr_min = 0.1 : f64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{'kiln.search_step' op attribute 'beta' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, beta = -1.0 : f64}

// -----

func.func private @search_loss(%w: tensor<4xf32> {kiln.init = "zeros"}, %a: tensor<2xf32>,
                               %x: tensor<4xf32> {kiln.data = "images"}) -> tensor<f32>
// expected-error @+1 {{attribute 'arch_optimizer' failed to satisfy constraint: an architecture optimizer: adam or sgd}}
kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64, arch_optimizer = "lamb"}

// -----

func.func @search_step_in_function() {
  // expected-error @+1 {{'kiln.search_step' op expects parent op 'builtin.module'}}
  kiln.search_step @step(@search_loss) {architecture = array<i64: 1>, decay_steps = 10 : i64}
  return
}
