// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Schedules.td: learning-rate schedules.

// CHECK-LABEL: func.func @schedules
// CHECK:         kiln.linear_schedule %{{.*}} {end_value = 1.000000e-03 : f64, init_value = 0.000000e+00 : f64, transition_steps = 100 : i64}
// CHECK:         kiln.cosine_decay_schedule
// CHECK:         kiln.warmup_cosine_decay_schedule
// CHECK:         kiln.step_decay_schedule
// CHECK:         kiln.uba_schedule
func.func @schedules(%t: tensor<i64>) {
  %0 = kiln.linear_schedule %t {init_value = 0.0 : f64, end_value = 1.0e-3 : f64, transition_steps = 100 : i64}
  %1 = kiln.cosine_decay_schedule %t {init_value = 0.025 : f64, decay_steps = 500 : i64}
  %2 = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0e-3 : f64,
      warmup_steps = 10 : i64, decay_steps = 100 : i64}
  %3 = kiln.step_decay_schedule %t {init_value = 0.1 : f64, step_size = 30 : i64, gamma = 0.1 : f64}
  %4 = kiln.uba_schedule %t {max_value = 0.1 : f64, min_value = 0.0 : f64, total_steps = 100 : i64, phi = 1.0 : f64}
  return
}

// -----

func.func @schedule_zero_steps(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'transition_steps' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = kiln.linear_schedule %t {init_value = 0.0 : f64, end_value = 1.0 : f64, transition_steps = 0 : i64}
  return %0 : tensor<f32>
}

// -----

func.func @warmup_longer_than_decay(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{warmup_steps (100) must be smaller than decay_steps (50)}}
  %0 = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0 : f64,
      warmup_steps = 100 : i64, decay_steps = 50 : i64}
  return %0 : tensor<f32>
}

// -----

func.func @uba_negative_phi(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'phi' failed to satisfy constraint: 64-bit float attribute whose value is finite and non-negative}}
  %0 = kiln.uba_schedule %t {max_value = 1.0 : f64, min_value = 0.0 : f64, total_steps = 10 : i64, phi = -1.0 : f64}
  return %0 : tensor<f32>
}

// -----

func.func @schedule_count_type(%t: tensor<i32>) -> tensor<f32> {
  // expected-error @+1 {{operand #0 must be 0D tensor of 64-bit signless integer values}}
  %0 = "kiln.step_decay_schedule"(%t) {init_value = 0.1 : f64, step_size = 3 : i64, gamma = 0.5 : f64} : (tensor<i32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @infinite_init_value(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{attribute 'init_value' failed to satisfy constraint: 64-bit float attribute whose value is finite}}
  %0 = kiln.cosine_decay_schedule %t {init_value = 0xFFF0000000000000 : f64, decay_steps = 10 : i64}
  return %0 : tensor<f32>
}

// -----

/// phi = 0 makes the end of the schedule 0 / 0.
func.func @uba_phi_zero(%t: tensor<i64>) -> tensor<f32> {
  // expected-error @+1 {{phi must be positive (2 is cosine annealing), not 0}}
  %0 = kiln.uba_schedule %t {max_value = 0.1 : f64, min_value = 0.0 : f64, total_steps = 100 : i64, phi = 0.0 : f64}
  return %0 : tensor<f32>
}
