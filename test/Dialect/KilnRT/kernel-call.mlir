// RUN: kiln-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect | kiln-opt -split-input-file --allow-unregistered-dialect | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --allow-unregistered-dialect --mlir-print-op-generic | kiln-opt -split-input-file --allow-unregistered-dialect | FileCheck %s

// Round trips and verifier errors of kiln_rt.kernel_call and its parameter attributes.

/// On tensors the call returns its outputs' new values; on buffers it returns nothing.
// CHECK-LABEL: func.func @window_kernel
// CHECK:         kiln_rt.kernel_call avg_pool2d ins(%{{.*}} : tensor<1x1x4x4xf32>) outs(%{{.*}} : tensor<1x1x2x2xf32>) params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2, sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1> -> tensor<1x1x2x2xf32>
// CHECK:         kiln_rt.kernel_call avg_pool2d ins(%{{.*}} : memref<1x1x4x4xf32>) outs(%{{.*}} : memref<1x1x2x2xf32>) params #kiln_rt.window<{{.*}}>{{$}}
func.func @window_kernel(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>,
                         %xb: memref<1x1x4x4xf32>, %yb: memref<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %y = kiln_rt.kernel_call avg_pool2d ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
      -> tensor<1x1x2x2xf32>
  kiln_rt.kernel_call avg_pool2d ins(%xb : memref<1x1x4x4xf32>) outs(%yb : memref<1x1x2x2xf32>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
  return %y : tensor<1x1x2x2xf32>
}

// -----

/// The FRUGAL configurations: named fields, enums by name, doubles as float literals.
// CHECK-LABEL: func.func @frugal_kernels
// CHECK:         kiln_rt.kernel_call frugal {{.*}} params #kiln_rt.frugal<rows = 8, cols = 4, projection = columns, k = 2, update_gap = 200, state_full = adamw, state_free = sign_sgd, lr = 1.000000e-03, beta1 = 9.000000e-01, beta2 = 0.99899999999999999, eps = 1.000000e-08, weight_decay = 0.000000e+00, free_lr_scale = 1.000000e+00>
// CHECK:         kiln_rt.kernel_call frugal_blocks {{.*}} params #kiln_rt.frugal_blocks<sizes = [32, 4], k = 1, order = descending, update_gap = 5, pool = 32, state_full = momentum, state_free = sgd, lr = 1.000000e-02,
func.func @frugal_kernels(%g: tensor<8x4xf32>, %p: tensor<8x4xf32>, %m: tensor<8x2xf32>,
                          %s: tensor<2xi64>, %n: tensor<i64>, %b: tensor<4xf32>,
                          %pool: tensor<32xf32>, %empty: tensor<0xf32>, %active: tensor<1xi64>) {
  %0:6 = kiln_rt.kernel_call frugal ins(%g : tensor<8x4xf32>)
      outs(%p, %m, %m, %s, %n, %n : tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>, tensor<i64>, tensor<i64>)
      params #kiln_rt.frugal<rows = 8, cols = 4, projection = columns, k = 2, update_gap = 200,
                             state_full = adamw, state_free = sign_sgd, lr = 1.0e-3, beta1 = 0.9,
                             beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, free_lr_scale = 1.0>
      -> tensor<8x4xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<2xi64>, tensor<i64>, tensor<i64>
  %1:7 = kiln_rt.kernel_call frugal_blocks ins(%g, %b : tensor<8x4xf32>, tensor<4xf32>)
      outs(%p, %b, %pool, %empty, %active, %n, %n : tensor<8x4xf32>, tensor<4xf32>, tensor<32xf32>, tensor<0xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>)
      params #kiln_rt.frugal_blocks<sizes = [32, 4], k = 1, order = descending, update_gap = 5,
                                    pool = 32, state_full = momentum, state_free = sgd,
                                    lr = 1.0e-2, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8,
                                    weight_decay = 0.0, free_lr_scale = 1.0>
      -> tensor<8x4xf32>, tensor<4xf32>, tensor<32xf32>, tensor<0xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>
  return
}

// -----

func.func @unknown_kernel(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{unknown kernel 'median_pool2d'}}
  %y = kiln_rt.kernel_call median_pool2d ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
      -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @kernel_shape_mismatch(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error @+1 {{operand #1 of shape 'tensor<1x1x3x3xf32>' does not match the geometry}}
  %y = kiln_rt.kernel_call avg_pool2d ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x3x3xf32>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
      -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}

// -----

func.func @kernel_arity(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel conv2d takes 2 inputs and 1 outputs}}
  %y = kiln_rt.kernel_call conv2d ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
      -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

/// A window kernel takes a window, not a FRUGAL configuration.
func.func @kernel_params_kind(%x: tensor<1x1x4x4xf32>, %init: tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+1 {{kernel avg_pool2d does not take #kiln_rt.frugal}}
  %y = kiln_rt.kernel_call avg_pool2d ins(%x : tensor<1x1x4x4xf32>) outs(%init : tensor<1x1x2x2xf32>)
      params #kiln_rt.frugal<rows = 8, cols = 4, projection = columns, k = 2, update_gap = 200,
                             state_full = adamw, state_free = sign_sgd, lr = 1.0e-3, beta1 = 0.9,
                             beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, free_lr_scale = 1.0>
      -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

func.func @frugal_state_mismatch(%g: tensor<8x4xf32>, %m: tensor<8x3xf32>, %s: tensor<2xi64>, %n: tensor<i64>) {
  // expected-error @+1 {{operand #2 of type 'tensor<8x3xf32>' does not match the FRUGAL configuration}}
  %0:6 = kiln_rt.kernel_call frugal ins(%g : tensor<8x4xf32>)
      outs(%g, %m, %m, %s, %n, %n : tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<2xi64>, tensor<i64>, tensor<i64>)
      params #kiln_rt.frugal<rows = 8, cols = 4, projection = columns, k = 2, update_gap = 200,
                             state_full = adamw, state_free = sign_sgd, lr = 1.0e-3, beta1 = 0.9,
                             beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, free_lr_scale = 1.0>
      -> tensor<8x4xf32>, tensor<8x3xf32>, tensor<8x3xf32>, tensor<2xi64>, tensor<i64>, tensor<i64>
  return
}

// -----

func.func @frugal_blocks_pool_mismatch(%g: tensor<8x4xf32>, %pool: tensor<16xf32>, %a: tensor<1xi64>, %n: tensor<i64>) {
  // expected-error @+1 {{operand #2 of type 'tensor<16xf32>' does not match the blockwise FRUGAL configuration}}
  %0:6 = kiln_rt.kernel_call frugal_blocks ins(%g : tensor<8x4xf32>)
      outs(%g, %pool, %pool, %a, %n, %n : tensor<8x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>)
      params #kiln_rt.frugal_blocks<sizes = [32], k = 1, order = ascending, update_gap = 5,
                                    pool = 32, state_full = adamw, state_free = sgd,
                                    lr = 1.0e-2, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8,
                                    weight_decay = 0.0, free_lr_scale = 1.0>
      -> tensor<8x4xf32>, tensor<16xf32>, tensor<16xf32>, tensor<1xi64>, tensor<i64>, tensor<i64>
  return
}

// -----

func.func @window_groups(%x: tensor<1x3x4x4xf32>, %w: tensor<2x3x1x1xf32>, %init: tensor<1x2x4x4xf32>) {
  // expected-error @+3 {{groups (2) must divide the 3 input and 2 output channels}}
  %y = kiln_rt.kernel_call conv2d ins(%x, %w : tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>)
      outs(%init : tensor<1x2x4x4xf32>)
      params #kiln_rt.window<n = 1, c = 3, h = 4, w = 4, o = 2, kh = 1, kw = 1, oh = 4, ow = 4,
                             sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 2>
      -> tensor<1x2x4x4xf32>
  return
}

// -----

func.func @frugal_bad_gap(%g: tensor<8x4xf32>) {
  // expected-error @+1 {{a FRUGAL configuration needs rows, cols and update_gap of at least 1 and k >= 0}}
  "test.use"() {config = #kiln_rt.frugal<rows = 8, cols = 4, projection = columns, k = 2, update_gap = 0,
                             state_full = adamw, state_free = sign_sgd, lr = 1.0e-3, beta1 = 0.9,
                             beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, free_lr_scale = 1.0>} : () -> ()
  return
}

// -----

func.func @frugal_blocks_k(%g: tensor<8x4xf32>) {
  // expected-error @+1 {{blockwise FRUGAL needs 0 <= k <= N}}
  "test.use"() {config = #kiln_rt.frugal_blocks<sizes = [32], k = 2, order = ascending, update_gap = 5,
                                    pool = 32, state_full = adamw, state_free = sgd,
                                    lr = 1.0e-2, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8,
                                    weight_decay = 0.0, free_lr_scale = 1.0>} : () -> ()
  return
}

// -----

/// The entropic OT regularizers: two or, with gradients, four outputs.
// CHECK-LABEL: func.func @transport_kernels
// CHECK:         kiln_rt.kernel_call monge_gap {{.*}} params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std, max_iterations = 2000, inner_iterations = 10, epsilon = 5.000000e-02, threshold = 1.000000e-03>
// CHECK:         kiln_rt.kernel_call sinkhorn_divergence {{.*}} params #kiln_rt.transport<n = 4, m = 3, d = 2, cost = euclidean, epsilon_mode = absolute, max_iterations = 100, inner_iterations = 5, gradients = true, epsilon = 5.000000e-01, threshold = 1.000000e-03>
func.func @transport_kernels(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>, %z: tensor<3x2xf32>,
                             %v: tensor<f32>, %s: tensor<4xf32>) {
  %0:2 = kiln_rt.kernel_call monge_gap ins(%x, %y : tensor<4x2xf32>, tensor<4x2xf32>)
      outs(%v, %s : tensor<f32>, tensor<4xf32>)
      params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std,
                                max_iterations = 2000, inner_iterations = 10, gradients = false,
                                epsilon = 0.05, threshold = 1.0e-3> -> tensor<f32>, tensor<4xf32>
  %1:4 = kiln_rt.kernel_call sinkhorn_divergence ins(%x, %z : tensor<4x2xf32>, tensor<3x2xf32>)
      outs(%v, %s, %x, %z : tensor<f32>, tensor<4xf32>, tensor<4x2xf32>, tensor<3x2xf32>)
      params #kiln_rt.transport<n = 4, m = 3, d = 2, cost = euclidean, epsilon_mode = absolute,
                                max_iterations = 100, inner_iterations = 5, gradients = true,
                                epsilon = 0.5, threshold = 1.0e-3>
      -> tensor<f32>, tensor<4xf32>, tensor<4x2xf32>, tensor<3x2xf32>
  return
}

// -----

func.func @transport_outputs(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>, %v: tensor<f32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{kernel monge_gap takes 2 inputs and 4 outputs}}
  %0:2 = kiln_rt.kernel_call monge_gap ins(%x, %y : tensor<4x2xf32>, tensor<4x2xf32>)
      outs(%v, %s : tensor<f32>, tensor<4xf32>)
      params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std,
                                max_iterations = 2000, inner_iterations = 10, gradients = true,
                                epsilon = 0.05, threshold = 1.0e-3> -> tensor<f32>, tensor<4xf32>
  return
}

// -----

func.func @transport_shapes(%x: tensor<4x2xf32>, %y: tensor<3x2xf32>, %v: tensor<f32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{operand #1 of type 'tensor<3x2xf32>' does not match the transport configuration}}
  %0:2 = kiln_rt.kernel_call sinkhorn_divergence ins(%x, %y : tensor<4x2xf32>, tensor<3x2xf32>)
      outs(%v, %s : tensor<f32>, tensor<4xf32>)
      params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std,
                                max_iterations = 2000, inner_iterations = 10, gradients = false,
                                epsilon = 0.05, threshold = 1.0e-3> -> tensor<f32>, tensor<4xf32>
  return
}

// -----

func.func @transport_epsilon(%x: tensor<4x2xf32>, %y: tensor<4x2xf32>, %v: tensor<f32>, %s: tensor<4xf32>) {
  // expected-error @+3 {{a transport problem needs a finite positive epsilon and threshold}}
  %0:2 = kiln_rt.kernel_call monge_gap ins(%x, %y : tensor<4x2xf32>, tensor<4x2xf32>)
      outs(%v, %s : tensor<f32>, tensor<4xf32>)
      params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std,
                                max_iterations = 2000, inner_iterations = 10, gradients = false,
                                epsilon = -1.0, threshold = 1.0e-3> -> tensor<f32>, tensor<4xf32>
  return
}

// -----

/// The spectrum of a symmetric matrix: eigenvalues, trace and condition number.
// CHECK-LABEL: func.func @spectrum_kernel
// CHECK:         kiln_rt.kernel_call spectrum {{.*}} params #kiln_rt.spectrum<m = 8>
func.func @spectrum_kernel(%k: tensor<8x8xf64>, %e: tensor<8xf64>, %s: tensor<f64>) {
  %0:3 = kiln_rt.kernel_call spectrum ins(%k : tensor<8x8xf64>)
      outs(%e, %s, %s : tensor<8xf64>, tensor<f64>, tensor<f64>)
      params #kiln_rt.spectrum<m = 8> -> tensor<8xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

func.func @spectrum_shapes(%k: tensor<8x8xf64>, %e: tensor<7xf64>, %s: tensor<f64>) {
  // expected-error @+1 {{operand #1 of type 'tensor<7xf64>' does not match the spectrum configuration}}
  %0:3 = kiln_rt.kernel_call spectrum ins(%k : tensor<8x8xf64>)
      outs(%e, %s, %s : tensor<7xf64>, tensor<f64>, tensor<f64>)
      params #kiln_rt.spectrum<m = 8> -> tensor<7xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

func.func @spectrum_params(%k: tensor<8x8xf64>, %e: tensor<8xf64>, %s: tensor<f64>) {
  // expected-error @+1 {{kernel spectrum does not take}}
  %0:3 = kiln_rt.kernel_call spectrum ins(%k : tensor<8x8xf64>)
      outs(%e, %s, %s : tensor<8xf64>, tensor<f64>, tensor<f64>)
      params #kiln_rt.transport<n = 4, m = 4, d = 2, cost = sqeuclidean, epsilon_mode = std,
                                max_iterations = 2000, inner_iterations = 10, gradients = false,
                                epsilon = 0.05, threshold = 1.0e-3> -> tensor<8xf64>, tensor<f64>, tensor<f64>
  return
}

// -----

/// The Gram product of kiln.ntk: f32 rows, an f64 product.
// CHECK-LABEL: func.func @gram_kernel
// CHECK:         kiln_rt.kernel_call gram {{.*}} params #kiln_rt.gram<rows = 4, cols = 6>
// CHECK:         kiln_rt.kernel_call gram {{.*}} params #kiln_rt.gram<rows = 4, cols = 6, input_f64 = true>
func.func @gram_kernel(%j: tensor<4x6xf32>, %j64: tensor<4x6xf64>, %g: tensor<4x4xf64>) {
  %0 = kiln_rt.kernel_call gram ins(%j : tensor<4x6xf32>) outs(%g : tensor<4x4xf64>)
      params #kiln_rt.gram<rows = 4, cols = 6> -> tensor<4x4xf64>
  %1 = kiln_rt.kernel_call gram ins(%j64 : tensor<4x6xf64>) outs(%g : tensor<4x4xf64>)
      params #kiln_rt.gram<rows = 4, cols = 6, input_f64 = true> -> tensor<4x4xf64>
  return
}

// -----

func.func @gram_input_type(%j: tensor<4x6xf64>, %g: tensor<4x4xf64>) {
  // expected-error @+1 {{operand #0 of type 'tensor<4x6xf64>' does not match the Gram configuration}}
  %0 = kiln_rt.kernel_call gram ins(%j : tensor<4x6xf64>) outs(%g : tensor<4x4xf64>)
      params #kiln_rt.gram<rows = 4, cols = 6> -> tensor<4x4xf64>
  return
}

// -----

/// The runtime's normal fill (kiln.random_normal, the Gaussian mechanism's noise): the key as
/// one i64, any output shape holding `count` elements, on tensors and on buffers.
// CHECK-LABEL: func.func @normal_kernel
// CHECK:         kiln_rt.kernel_call normal ins(%{{.*}} : tensor<i64>) outs(%{{.*}} : tensor<4x3xf32>) params #kiln_rt.normal<count = 12, key_offset = 2, mean = 0.000000e+00, stddev = 1.000000e+00>
// CHECK:         kiln_rt.kernel_call normal ins(%{{.*}} : memref<i64>) outs(%{{.*}} : memref<5xf64>) params #kiln_rt.normal<count = 5, key_offset = 0, mean = -1.000000e+00, stddev = 5.000000e-01>
func.func @normal_kernel(%k: tensor<i64>, %z: tensor<4x3xf32>, %km: memref<i64>, %y: memref<5xf64>) {
  %0 = kiln_rt.kernel_call normal ins(%k : tensor<i64>) outs(%z : tensor<4x3xf32>)
      params #kiln_rt.normal<count = 12, key_offset = 2, mean = 0.0, stddev = 1.0> -> tensor<4x3xf32>
  kiln_rt.kernel_call normal ins(%km : memref<i64>) outs(%y : memref<5xf64>)
      params #kiln_rt.normal<count = 5, key_offset = 0, mean = -1.0, stddev = 0.5>
  return
}

// -----

func.func @normal_count(%k: tensor<i64>, %z: tensor<4x3xf32>) {
  // expected-error @+1 {{kernel normal fills 10 elements, not 'tensor<4x3xf32>'}}
  %0 = kiln_rt.kernel_call normal ins(%k : tensor<i64>) outs(%z : tensor<4x3xf32>)
      params #kiln_rt.normal<count = 10, key_offset = 0, mean = 0.0, stddev = 1.0> -> tensor<4x3xf32>
  return
}

// -----

func.func @normal_key(%k: tensor<2xi64>, %z: tensor<3xf32>) {
  // expected-error @+1 {{kernel normal takes its key as one i64, not 'tensor<2xi64>'}}
  %0 = kiln_rt.kernel_call normal ins(%k : tensor<2xi64>) outs(%z : tensor<3xf32>)
      params #kiln_rt.normal<count = 3, key_offset = 0, mean = 0.0, stddev = 1.0> -> tensor<3xf32>
  return
}

// -----

func.func @normal_stddev(%k: tensor<i64>, %z: tensor<3xf32>) {
  // expected-error @+2 {{a normal fill needs a finite mean and a finite stddev >= 0}}
  %0 = kiln_rt.kernel_call normal ins(%k : tensor<i64>) outs(%z : tensor<3xf32>)
      params #kiln_rt.normal<count = 3, key_offset = 0, mean = 0.0, stddev = -1.0> -> tensor<3xf32>
  return
}

// -----

// CHECK-LABEL: func.func @collectives
// CHECK:         kiln_rt.kernel_call all_reduce outs(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>) params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
// CHECK:         kiln_rt.kernel_call compressed_exchange ins(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<i64>) outs(%{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32>) params #kiln_rt.compression<sizes = [3], method = ef14, compressor = top_k, k = 1, key = 0, eta = 1.000000e+00>
func.func @collectives(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %t: tensor<i64>) {
  %0:2 = kiln_rt.kernel_call all_reduce outs(%w, %b : tensor<4x3xf32>, tensor<3xf32>)
      params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0> -> tensor<4x3xf32>, tensor<3xf32>
  %1:2 = kiln_rt.kernel_call compressed_exchange ins(%b, %t : tensor<3xf32>, tensor<i64>) outs(%b, %b : tensor<3xf32>, tensor<3xf32>)
      params #kiln_rt.compression<sizes = [3], method = ef14, compressor = top_k, k = 1, key = 0, eta = 1.0> -> tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @all_reduce_sizes(%w: tensor<4x3xf32>) {
  // expected-error @+1 {{operand #0 of type 'tensor<4x3xf32>' does not hold the 10 elements of the collective configuration}}
  %0 = kiln_rt.kernel_call all_reduce outs(%w : tensor<4x3xf32>)
      params #kiln_rt.collective<sizes = [10], reduction = sum, root = 0, ranks = 0> -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_ranks(%b: tensor<3xf32>, %y: tensor<6xf32>) {
  // expected-error @+1 {{kernel all_gather needs 3 elements in and 12 out for 4 ranks}}
  %0 = kiln_rt.kernel_call all_gather ins(%b : tensor<3xf32>) outs(%y : tensor<6xf32>)
      params #kiln_rt.collective<sizes = [3], reduction = sum, root = 0, ranks = 4> -> tensor<6xf32>
  return
}

// -----

func.func @compression_state(%b: tensor<3xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{kernel compressed_exchange takes 1 gradients and the step, and returns 1 directions and 3 state tensors}}
  %0:2 = kiln_rt.kernel_call compressed_exchange ins(%b, %t : tensor<3xf32>, tensor<i64>) outs(%b, %b : tensor<3xf32>, tensor<3xf32>)
      params #kiln_rt.compression<sizes = [3], method = econtrol, compressor = top_k, k = 1, key = 0, eta = 0.5> -> tensor<3xf32>, tensor<3xf32>
  return
}

// -----

func.func @compression_k(%b: tensor<3xf32>, %t: tensor<i64>) {
  // expected-error @+2 {{top-k and rand-k keep 1 to 3 coordinates, not 4}}
  %0 = kiln_rt.kernel_call compressed_exchange ins(%b, %t : tensor<3xf32>, tensor<i64>) outs(%b : tensor<3xf32>)
      params #kiln_rt.compression<sizes = [3], method = compressed, compressor = rand_k, k = 4, key = 0, eta = 1.0> -> tensor<3xf32>
  return
}
