// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Random.td: initializers.

// CHECK-LABEL: func.func @initializers
// CHECK:         kiln.random_uniform %{{.*}} {high = 6.250000e-02 : f64, low = -6.250000e-02 : f64} : tensor<256xf32>
// CHECK:         kiln.random_normal %{{.*}} {stddev = 2.000000e-02 : f64} : tensor<784x256xf32>
// CHECK:         kiln.variance_scaling %{{.*}} {distribution = "normal", in_axis = 1 : i64, mode = "fan_in", out_axis = 0 : i64, scale = 2.000000e+00 : f64} : tensor<32x1x3x3xf32>
func.func @initializers(%k0: tensor<i64>) -> (tensor<256xf32>, tensor<784x256xf32>, tensor<32x1x3x3xf32>, tensor<i64>) {
  %b, %k1 = kiln.random_uniform %k0 {low = -0.0625 : f64, high = 0.0625 : f64} : tensor<256xf32>
  %w, %k2 = kiln.random_normal %k1 {stddev = 0.02 : f64} : tensor<784x256xf32>
  %c, %k3 = kiln.variance_scaling %k2 {scale = 2.0 : f64, mode = "fan_in", distribution = "normal",
      in_axis = 1 : i64, out_axis = 0 : i64} : tensor<32x1x3x3xf32>
  return %b, %w, %c, %k3 : tensor<256xf32>, tensor<784x256xf32>, tensor<32x1x3x3xf32>, tensor<i64>
}

// -----

func.func @uniform_inverted_range(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{needs finite low <= high, got [1.000000e+00, 0.000000e+00)}}
  %x, %k1 = kiln.random_uniform %k {low = 1.0 : f64, high = 0.0 : f64} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @normal_negative_stddev(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'stddev' failed to satisfy constraint}}
  %x, %k1 = kiln.random_normal %k {stddev = -1.0 : f64} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scaling_mode(%k: tensor<i64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{attribute 'mode' failed to satisfy constraint: a fan mode: fan_in, fan_out or fan_avg}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_sum", distribution = "uniform"} : tensor<4x3xf32>
  return %x : tensor<4x3xf32>
}

// -----

func.func @scaling_rank(%k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{needs distinct in_axis and out_axis within a shape of rank >= 2}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_in", distribution = "uniform"} : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

func.func @scaling_distribution(%k: tensor<i64>) -> tensor<4x3xf32> {
  // expected-error @+1 {{attribute 'distribution' failed to satisfy constraint: an initializer distribution: uniform or normal}}
  %x, %k1 = kiln.variance_scaling %k {scale = 1.0 : f64, mode = "fan_in", distribution = "truncated_normal"} : tensor<4x3xf32>
  return %x : tensor<4x3xf32>
}

// -----

func.func @random_dynamic(%k: tensor<i64>) -> tensor<?xf32> {
  // expected-error @+1 {{needs a static shape}}
  %x, %k1 = kiln.random_uniform %k {low = 0.0 : f64, high = 1.0 : f64} : tensor<?xf32>
  return %x : tensor<?xf32>
}
