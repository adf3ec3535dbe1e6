// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// The regularizers become calls of the runtime's solver; a forward op and its gradient twin
// (as kiln-autodiff leaves them) fuse into one call that also returns the gradients, which
// the twin's place scales by the cotangent.

// CHECK-LABEL: func.func @forward
// CHECK:         %[[C:.*]]:2 = kiln_rt.kernel_call monge_gap ins(%{{.*}}, %{{.*}} : tensor<8x2xf32>, tensor<8x2xf32>) outs(%{{.*}}, %{{.*}} : tensor<f32>, tensor<4xf32>) params #kiln_rt.transport<n = 8, m = 8, d = 2, cost = sqeuclidean, epsilon_mode = std, max_iterations = 2000, inner_iterations = 10, epsilon = 5.000000e-02, threshold = 1.000000e-03>
// CHECK:         return %[[C]]#0, %[[C]]#1
func.func @forward(%x: tensor<8x2xf32>, %y: tensor<8x2xf32>) -> (tensor<f32>, tensor<4xf32>) {
  %g, %r = kiln.monge_gap %x, %y : tensor<8x2xf32>, tensor<8x2xf32> -> tensor<f32>, tensor<4xf32>
  return %g, %r : tensor<f32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @fused
// CHECK:         %[[C:.*]]:4 = kiln_rt.kernel_call sinkhorn_divergence ins(%{{.*}}, %{{.*}} : tensor<8x3xf64>, tensor<5x3xf64>) outs({{.*}}) params #kiln_rt.transport<n = 8, m = 5, d = 3, cost = euclidean, epsilon_mode = absolute, max_iterations = 2000, inner_iterations = 10, gradients = true, epsilon = 5.000000e-01
// CHECK-NOT:     kernel_call
// CHECK:         %[[DX:.*]] = linalg.generic {{.*}} ins(%[[C]]#2, %{{.*}} : tensor<8x3xf64>, tensor<f64>)
// CHECK:           arith.mulf
// CHECK:         %[[DY:.*]] = linalg.generic {{.*}} ins(%[[C]]#3, %{{.*}} : tensor<5x3xf64>, tensor<f64>)
// CHECK:         return %[[C]]#0, %[[DX]], %[[DY]]
func.func @fused(%x: tensor<8x3xf64>, %y: tensor<5x3xf64>, %dv: tensor<f64>) -> (tensor<f64>, tensor<8x3xf64>, tensor<5x3xf64>) {
  %s = kiln.sinkhorn_divergence %x, %y {cost = "euclidean", epsilon = 0.5 : f64, epsilon_mode = "absolute"} : tensor<8x3xf64>, tensor<5x3xf64> -> tensor<f64>
  %dx, %dy = kiln.sinkhorn_divergence_grad %x, %y, %dv {cost = "euclidean", epsilon = 0.5 : f64, epsilon_mode = "absolute"} : tensor<8x3xf64>, tensor<5x3xf64>, tensor<f64>
  return %s, %dx, %dy : tensor<f64>, tensor<8x3xf64>, tensor<5x3xf64>
}

// -----

// A gradient op of another problem (here another epsilon) is not fused: two solves.
// CHECK-LABEL: func.func @unfused
// CHECK:         kiln_rt.kernel_call monge_gap {{.*}} inner_iterations = 10, epsilon = 5.000000e-02
// CHECK:         kiln_rt.kernel_call monge_gap {{.*}} gradients = true, epsilon = 1.000000e-01
func.func @unfused(%x: tensor<8x2xf32>, %y: tensor<8x2xf32>, %dv: tensor<f32>) -> (tensor<f32>, tensor<8x2xf32>, tensor<8x2xf32>) {
  %g = kiln.monge_gap %x, %y : tensor<8x2xf32>, tensor<8x2xf32> -> tensor<f32>
  %dx, %dy = kiln.monge_gap_grad %x, %y, %dv {epsilon = 0.1 : f64} : tensor<8x2xf32>, tensor<8x2xf32>, tensor<f32>
  return %g, %dx, %dy : tensor<f32>, tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

func.func @dynamic(%x: tensor<?x2xf32>, %y: tensor<?x2xf32>) -> tensor<f32> {
  // expected-error @+2 {{needs static point clouds: compile the program with --batch N}}
  // expected-error @+1 {{failed to legalize}}
  %g = kiln.monge_gap %x, %y : tensor<?x2xf32>, tensor<?x2xf32> -> tensor<f32>
  return %g : tensor<f32>
}

// -----

// The NTK's spectrum is the runtime's LAPACK kernel; a full [N, K, N, K] kernel is read as the
// [N K, N K] matrix it lays out.
// CHECK-LABEL: func.func @spectrum
// CHECK:         kiln_rt.kernel_call spectrum ins(%{{.*}} : tensor<6x6xf64>) outs(%{{.*}}, %{{.*}}, %{{.*}} : tensor<6xf64>, tensor<f64>, tensor<f64>) params #kiln_rt.spectrum<m = 6>
// CHECK:         %[[M:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3]] : tensor<3x4x3x4xf32> into tensor<12x12xf32>
// CHECK:         kiln_rt.kernel_call spectrum ins(%[[M]] : tensor<12x12xf32>) {{.*}} params #kiln_rt.spectrum<m = 12>
func.func @spectrum(%k: tensor<6x6xf64>, %f: tensor<3x4x3x4xf32>) -> (tensor<f64>, tensor<12xf32>) {
  %e, %t, %c = kiln.ntk_spectrum %k : tensor<6x6xf64> -> tensor<6xf64>, tensor<f64>, tensor<f64>
  %e2, %t2, %c2 = kiln.ntk_spectrum %f : tensor<3x4x3x4xf32> -> tensor<12xf32>, tensor<f32>, tensor<f32>
  return %c, %e2 : tensor<f64>, tensor<12xf32>
}
