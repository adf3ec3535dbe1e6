// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Regularizers.td: the entropic OT regularizers and their
// gradient twins, the empirical NTK and its spectrum.

// CHECK-LABEL: func.func @regularizers
// CHECK:         kiln.monge_gap %{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<16x2xf32> -> tensor<f32>
// CHECK:         kiln.monge_gap %{{.*}}, %{{.*}} {cost = "euclidean", epsilon = 1.000000e-02 : f64, epsilon_mode = "mean", max_iterations = 500 : i64, threshold = 5.000000e-01 : f64} : tensor<16x2xf32>, tensor<16x2xf32> -> tensor<f32>, tensor<4xf32>
// CHECK:         kiln.sinkhorn_divergence %{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<9x2xf32> -> tensor<f32>
// CHECK:         kiln.sinkhorn_divergence %{{.*}}, %{{.*}} : tensor<?x3xf64>, tensor<5x3xf64> -> tensor<f64>
// CHECK:         kiln.monge_gap_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x2xf32>, tensor<16x2xf32>, tensor<f32>
// CHECK:         kiln.sinkhorn_divergence_grad %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 5.000000e-01 : f64, epsilon_mode = "absolute"} : tensor<16x2xf32>, tensor<9x2xf32>, tensor<f32>
func.func @regularizers(%x: tensor<16x2xf32>, %y: tensor<16x2xf32>, %z: tensor<9x2xf32>,
                        %p: tensor<?x3xf64>, %q: tensor<5x3xf64>, %dv: tensor<f32>) {
  %g = kiln.monge_gap %x, %y : tensor<16x2xf32>, tensor<16x2xf32> -> tensor<f32>
  %g2, %record = kiln.monge_gap %x, %y {cost = "euclidean", epsilon = 0.01 : f64, epsilon_mode = "mean", threshold = 5.000000e-01 : f64, max_iterations = 500 : i64} : tensor<16x2xf32>, tensor<16x2xf32> -> tensor<f32>, tensor<4xf32>
  %s = kiln.sinkhorn_divergence %x, %z : tensor<16x2xf32>, tensor<9x2xf32> -> tensor<f32>
  %s2 = kiln.sinkhorn_divergence %p, %q : tensor<?x3xf64>, tensor<5x3xf64> -> tensor<f64>
  %dx, %dy = kiln.monge_gap_grad %x, %y, %dv : tensor<16x2xf32>, tensor<16x2xf32>, tensor<f32>
  %dx2, %dz = kiln.sinkhorn_divergence_grad %x, %z, %dv {epsilon = 0.5 : f64, epsilon_mode = "absolute"} : tensor<16x2xf32>, tensor<9x2xf32>, tensor<f32>
  return
}

// -----

func.func @gap_shapes(%x: tensor<16x2xf32>, %y: tensor<15x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{pairs x_i with its image y_i, so x and y need one shape}}
  %g = kiln.monge_gap %x, %y : tensor<16x2xf32>, tensor<15x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @dimensions(%x: tensor<16x2xf32>, %y: tensor<9x3xf32>) -> tensor<f32> {
  // expected-error @+1 {{needs points of one dimension}}
  %g = kiln.sinkhorn_divergence %x, %y : tensor<16x2xf32>, tensor<9x3xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @rank(%x: tensor<16xf32>, %y: tensor<16xf32>) -> tensor<f32> {
  // expected-error @+1 {{takes point clouds as [points, dim] matrices}}
  %g = kiln.monge_gap %x, %y : tensor<16xf32>, tensor<16xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @empty(%x: tensor<0x2xf32>, %y: tensor<3x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{needs non-empty point clouds}}
  %g = kiln.sinkhorn_divergence %x, %y : tensor<0x2xf32>, tensor<3x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @mixed(%x: tensor<4x2xf32>, %y: tensor<4x2xf64>) -> tensor<f32> {
  // expected-error @+1 {{mixes element types 'f32' and 'f64'}}
  %g = kiln.monge_gap %x, %y : tensor<4x2xf32>, tensor<4x2xf64> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @value_type(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{returns a rank-0 tensor of 'f32'}}
  %g = kiln.monge_gap %x, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<1xf32>
  return %g : tensor<1xf32>
}

// -----

func.func @record_type(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{returns its record as 'tensor<4xf32>' [epsilon, iterations, error, converged]}}
  %g, %r = kiln.monge_gap %x, %y : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>, tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

func.func @epsilon(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'epsilon' failed to satisfy constraint: 64-bit float attribute whose value is finite and positive}}
  %g = kiln.monge_gap %x, %y {epsilon = 0.0 : f64} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @epsilon_nan(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{whose value is finite and positive}}
  %g = kiln.monge_gap %x, %y {epsilon = 0x7FF8000000000000 : f64} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @threshold(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'threshold' failed to satisfy constraint}}
  %g = kiln.sinkhorn_divergence %x, %y {threshold = -1.0 : f64} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @iterations(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'max_iterations' failed to satisfy constraint}}
  %g = kiln.sinkhorn_divergence %x, %y {max_iterations = 0 : i64} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @cost(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'cost' failed to satisfy constraint}}
  %g = kiln.monge_gap %x, %y {cost = "cosine"} : tensor<4x2xf32>, tensor<4x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

func.func @cotangent(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>, %dv: tensor<2xf32>) {
  // expected-error @+1 {{takes the value's cotangent as a rank-0 tensor}}
  %dx, %dy = kiln.monge_gap_grad %x, %y, %dv : tensor<4x2xf32>, tensor<4x2xf32>, tensor<2xf32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

// CHECK-LABEL: func.func @ntk
// CHECK:         kiln.ntk @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [0, 1] : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf64>
// CHECK:         kiln.ntk @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [0] {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
// CHECK:         kiln.ntk @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [1, 0] {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x3x8x3xf64>
// CHECK:         kiln.ntk_spectrum %{{.*}} : tensor<8x8xf64> -> tensor<8xf64>, tensor<f64>, tensor<f64>
// CHECK:         kiln.ntk_spectrum %{{.*}} : tensor<8x3x8x3xf64> -> tensor<24xf64>, tensor<f64>, tensor<f64>
func.func @ntk(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) {
  %t = kiln.ntk @model(%w, %b, %x) wrt [0, 1] : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf64>
  %s = kiln.ntk @model(%w, %b, %x) wrt [0] {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
  %f = kiln.ntk @model(%w, %b, %x) wrt [1, 0] {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>) -> tensor<8x3x8x3xf64>
  %e, %tr, %c = kiln.ntk_spectrum %t : tensor<8x8xf64> -> tensor<8xf64>, tensor<f64>, tensor<f64>
  %e2, %tr2, %c2 = kiln.ntk_spectrum %f : tensor<8x3x8x3xf64> -> tensor<24xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_shape(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) {
  // expected-error @+1 {{with logits "full" returns 'tensor<8x3x8x3xf64>', not 'tensor<8x8xf64>'}}
  %f = kiln.ntk @model(%w, %x) wrt [0] {logits = "full"} : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<8x8xf64>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_wrt(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) {
  // expected-error @+1 {{wrt lists argument 0 twice}}
  %t = kiln.ntk @model(%w, %x) wrt [0, 0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_operands(%w: tensor<4x3xf32>, %x: tensor<8x5xf32>) {
  // expected-error @+1 {{operands do not match the signature of @model}}
  %t = kiln.ntk @model(%w, %x) wrt [0] : (tensor<4x3xf32>, tensor<8x5xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func private @loss(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<f32>

func.func @ntk_logits(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) {
  // expected-error @+1 {{@loss must return one static [batch, logits] floating-point tensor}}
  %t = kiln.ntk @loss(%w, %x) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %w2: tensor<3xf64>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_mixed(%w: tensor<4x3xf32>, %w2: tensor<3xf64>, %x: tensor<8x4xf32>) {
  // expected-error @+1 {{parameters of one element type are contracted together}}
  %t = kiln.ntk @model(%w, %w2, %x) wrt [0, 1] : (tensor<4x3xf32>, tensor<3xf64>, tensor<8x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @ntk_missing(%w: tensor<4x3xf32>) {
  // expected-error @+1 {{'absent' is not a function}}
  %t = kiln.ntk @absent(%w) wrt [0] : (tensor<4x3xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @spectrum_square(%k: tensor<8x7xf64>) {
  // expected-error @+1 {{takes a static square kernel [M, M] or [N, K, N, K]}}
  %e, %t, %c = kiln.ntk_spectrum %k : tensor<8x7xf64> -> tensor<8xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

func.func @spectrum_eigenvalues(%k: tensor<8x3x8x3xf64>) {
  // expected-error @+1 {{returns its eigenvalues as 'tensor<24xf64>', not 'tensor<8xf64>'}}
  %e, %t, %c = kiln.ntk_spectrum %k : tensor<8x3x8x3xf64> -> tensor<8xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

func.func @spectrum_scalars(%k: tensor<8x8xf32>) {
  // expected-error @+1 {{returns the trace and the condition number as 'tensor<f32>'}}
  %e, %t, %c = kiln.ntk_spectrum %k : tensor<8x8xf32> -> tensor<8xf32>, tensor<f64>, tensor<f32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

// CHECK-LABEL: func.func @ntk_products
// CHECK:         kiln.ntk_vector_product @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [0, 1], %{{.*}} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8xf32> -> tensor<8xf32>
// CHECK:         kiln.ntk_vector_product @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [0], %{{.*}} {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8x3xf32> -> tensor<8x3xf32>
// CHECK:         kiln.ntk_grad @model(%{{.*}}, %{{.*}}, %{{.*}}) wrt [0, 1], %{{.*}} {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8x8xf64> -> (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>)
func.func @ntk_products(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %x: tensor<8x4xf32>,
                        %v: tensor<8xf32>, %vf: tensor<8x3xf32>, %g: tensor<8x8xf64>) {
  %t = kiln.ntk_vector_product @model(%w, %b, %x) wrt [0, 1], %v : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8xf32> -> tensor<8xf32>
  %f = kiln.ntk_vector_product @model(%w, %b, %x) wrt [0], %vf {logits = "full"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8x3xf32> -> tensor<8x3xf32>
  %gw, %gb, %gx = kiln.ntk_grad @model(%w, %b, %x) wrt [0, 1], %g {logits = "sum"} : (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>), tensor<8x8xf64> -> (tensor<4x3xf32>, tensor<3xf32>, tensor<8x4xf32>)
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_vector_shape(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{with logits "full" multiplies a 'tensor<8x3xf32>', not 'tensor<8xf32>'}}
  %t = kiln.ntk_vector_product @model(%w, %x) wrt [0], %v {logits = "full"} : (tensor<4x3xf32>, tensor<8x4xf32>), tensor<8xf32> -> tensor<8xf32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_vector_wrt(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %v: tensor<8xf32>) {
  // expected-error @+1 {{wrt index 2 is out of range}}
  %t = kiln.ntk_vector_product @model(%w, %x) wrt [2], %v : (tensor<4x3xf32>, tensor<8x4xf32>), tensor<8xf32> -> tensor<8xf32>
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_grad_cotangent(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %g: tensor<8x8xf64>) {
  // expected-error @+1 {{with logits "full" takes the kernel's cotangent 'tensor<8x3x8x3xf64>', not 'tensor<8x8xf64>'}}
  %gw, %gx = kiln.ntk_grad @model(%w, %x) wrt [0], %g {logits = "full"} : (tensor<4x3xf32>, tensor<8x4xf32>), tensor<8x8xf64> -> (tensor<4x3xf32>, tensor<8x4xf32>)
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_grad_type(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %g: tensor<8x8xf64>) {
  // expected-error @+1 {{gradient of an operand of type 'tensor<8x4xf32>' has type 'tensor<8x4xf64>'}}
  %gw, %gx = kiln.ntk_grad @model(%w, %x) wrt [0], %g : (tensor<4x3xf32>, tensor<8x4xf32>), tensor<8x8xf64> -> (tensor<4x3xf32>, tensor<8x4xf64>)
  return
}

// -----

func.func private @model(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>) -> tensor<8x3xf32>

func.func @ntk_grad_count(%w: tensor<4x3xf32>, %x: tensor<8x4xf32>, %g: tensor<8x8xf64>) {
  // expected-error @+1 {{has 1 results for 2 floating-point tensor operands}}
  %gw = kiln.ntk_grad @model(%w, %x) wrt [0], %g : (tensor<4x3xf32>, tensor<8x4xf32>), tensor<8x8xf64> -> (tensor<4x3xf32>)
  return
}
