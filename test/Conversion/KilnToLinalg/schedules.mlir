// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: learning-rate schedules (Schedules.cpp).

/// Schedules are scalar f64 code on the counter, rounded once to f32.
// CHECK-LABEL: func.func @cosine_schedule
// CHECK:         %[[C:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK:         arith.sitofp %[[C]] : i64 to f64
// CHECK:         math.cos
// CHECK:         %[[V:.*]] = arith.truncf %{{.*}} : f64 to f32
// CHECK:         tensor.from_elements %[[V]] : tensor<f32>
// CHECK-NOT:     linalg.generic
func.func @cosine_schedule(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.cosine_decay_schedule %t {init_value = 0.025 : f64, decay_steps = 500 : i64}
  return %0 : tensor<f32>
}

// -----

/// Linear ramp (optax.linear_schedule): k = clip(c - transition_begin, 0, steps), then
/// init + (end - init) * k / steps.
// CHECK-LABEL: func.func @linear_schedule_with_begin
// CHECK:         %[[C:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK:         %[[CF:.*]] = arith.sitofp %[[C]] : i64 to f64
// CHECK:         %[[BEGIN:.*]] = arith.constant 1.000000e+01 : f64
// CHECK:         %[[SHIFTED:.*]] = arith.subf %[[CF]], %[[BEGIN]] : f64
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-DAG:     %[[STEPS:.*]] = arith.constant 1.000000e+03 : f64
// CHECK-DAG:     %[[LOW:.*]] = arith.maximumf %[[SHIFTED]], %[[ZERO]] : f64
// CHECK:         %[[K:.*]] = arith.minimumf %[[LOW]], %[[STEPS]] : f64
// CHECK:         %[[FRAC:.*]] = arith.divf %[[K]], %{{.*}} : f64
// CHECK-DAG:     %[[SPAN:.*]] = arith.constant -2.000000e-03 : f64
// CHECK-DAG:     %[[INIT:.*]] = arith.constant 3.000000e-03 : f64
// CHECK-DAG:     %[[RAMP:.*]] = arith.mulf %[[SPAN]], %[[FRAC]] : f64
// CHECK:         %[[V:.*]] = arith.addf %[[INIT]], %[[RAMP]] : f64
// CHECK:         %[[V32:.*]] = arith.truncf %[[V]] : f64 to f32
// CHECK:         %[[R:.*]] = tensor.from_elements %[[V32]] : tensor<f32>
// CHECK:         return %[[R]]
func.func @linear_schedule_with_begin(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.linear_schedule %t {init_value = 3.0e-3 : f64, end_value = 1.0e-3 : f64,
                                transition_steps = 1000 : i64, transition_begin = 10 : i64}
  return %0 : tensor<f32>
}

// -----

/// Warm-up then cosine (optax.warmup_cosine_decay_schedule): for c < warmup the linear ramp
/// init + (peak - init) * clip(c, 0, W) / W; else a cosine decay of c - W over
/// decay_steps - W = 900 steps from peak with alpha = end / peak = 0.01:
/// peak * ((1 - alpha) * 0.5 * (1 + cos(pi k / 900)) + alpha).
// CHECK-LABEL: func.func @warmup_cosine_decay_schedule
// CHECK:         %[[CF:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK:         %[[W:.*]] = arith.constant 1.000000e+02 : f64
// CHECK:         %[[SHIFTED:.*]] = arith.subf %[[CF]], %[[W]] : f64
// CHECK:         %[[LOW:.*]] = arith.maximumf %[[SHIFTED]], %{{.*}} : f64
// CHECK:         %[[K:.*]] = arith.minimumf %[[LOW]], %{{.*}} : f64
// CHECK:         %[[FRAC:.*]] = arith.divf %[[K]], %[[SPAN:.*]] : f64
// CHECK:         %[[PI:.*]] = arith.constant 3.1415926535897931 : f64
// CHECK:         %[[ARG:.*]] = arith.mulf %[[PI]], %[[FRAC]] : f64
// CHECK:         %[[COS:.*]] = math.cos %[[ARG]] : f64
// CHECK:         %[[OPC:.*]] = arith.addf %{{.*}}, %[[COS]] : f64
// CHECK:         %[[HC:.*]] = arith.mulf %{{.*}}, %[[OPC]] : f64
// CHECK-DAG:     %[[ALPHA:.*]] = arith.constant 1.000000e-02 : f64
// CHECK-DAG:     %[[ONEMA:.*]] = arith.constant 0.98999999999999999 : f64
// CHECK-DAG:     %[[SC:.*]] = arith.mulf %[[ONEMA]], %[[HC]] : f64
// CHECK:         %[[DECAY:.*]] = arith.addf %[[SC]], %[[ALPHA]] : f64
// CHECK:         %[[PEAK:.*]] = arith.constant 1.000000e-03 : f64
// CHECK:         %[[DECAYED:.*]] = arith.mulf %[[PEAK]], %[[DECAY]] : f64
// CHECK:         %[[WLOW:.*]] = arith.maximumf %[[CF]], %{{.*}} : f64
// CHECK:         %[[WK:.*]] = arith.minimumf %[[WLOW]], %{{.*}} : f64
// CHECK:         %[[WFRAC:.*]] = arith.divf %[[WK]], %{{.*}} : f64
// CHECK:         %[[WR:.*]] = arith.mulf %{{.*}}, %[[WFRAC]] : f64
// CHECK:         %[[WARM:.*]] = arith.addf %{{.*}}, %[[WR]] : f64
// CHECK:         %[[IN:.*]] = arith.cmpf olt, %[[CF]], %{{.*}} : f64
// CHECK:         %[[V:.*]] = arith.select %[[IN]], %[[WARM]], %[[DECAYED]] : f64
// CHECK:         %[[V32:.*]] = arith.truncf %[[V]] : f64 to f32
// CHECK:         tensor.from_elements %[[V32]] : tensor<f32>
func.func @warmup_cosine_decay_schedule(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0e-3 : f64,
      warmup_steps = 100 : i64, decay_steps = 1000 : i64, end_value = 1.0e-5 : f64}
  return %0 : tensor<f32>
}

// -----

/// StepLR: init * gamma^floor(c / step_size).
// CHECK-LABEL: func.func @step_decay_schedule
// CHECK:         %[[CF:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK:         %[[SIZE:.*]] = arith.constant 3.000000e+01 : f64
// CHECK:         %[[Q:.*]] = arith.divf %[[CF]], %[[SIZE]] : f64
// CHECK:         %[[N:.*]] = math.floor %[[Q]] : f64
// CHECK:         %[[GAMMA:.*]] = arith.constant 5.000000e-01 : f64
// CHECK:         %[[F:.*]] = math.powf %[[GAMMA]], %[[N]] : f64
// CHECK:         %[[INIT:.*]] = arith.constant 1.000000e-01 : f64
// CHECK:         %[[V:.*]] = arith.mulf %[[INIT]], %[[F]] : f64
// CHECK:         %[[V32:.*]] = arith.truncf %[[V]] : f64 to f32
// CHECK:         tensor.from_elements %[[V32]] : tensor<f32>
func.func @step_decay_schedule(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.step_decay_schedule %t {init_value = 0.1 : f64, step_size = 30 : i64, gamma = 0.5 : f64}
  return %0 : tensor<f32>
}

// -----

/// UBA: with W = 100 and T = 1000, p = clip(c - W, 0, T - W) / (T - W), s = 1 + cos(pi p),
/// value = min + (max - min) * 2 s / (2 phi + (2 - phi) s), here phi = 0.5: 2 phi = 1 and
/// 2 - phi = 1.5; before W the ramp max * c / W.
// CHECK-LABEL: func.func @uba_schedule_warmup
// CHECK:         %[[CF:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK:         %[[SHIFTED:.*]] = arith.subf %[[CF]], %{{.*}} : f64
// CHECK:         %[[LOW:.*]] = arith.maximumf %[[SHIFTED]], %{{.*}} : f64
// CHECK:         %[[K:.*]] = arith.minimumf %[[LOW]], %{{.*}} : f64
// CHECK:         %[[P:.*]] = arith.divf %[[K]], %{{.*}} : f64
// CHECK:         %[[ARG:.*]] = arith.mulf %{{.*}}, %[[P]] : f64
// CHECK:         %[[COS:.*]] = math.cos %[[ARG]] : f64
// CHECK:         %[[OPC:.*]] = arith.addf %{{.*}}, %[[COS]] : f64
// CHECK:         %[[HC:.*]] = arith.mulf %{{.*}}, %[[OPC]] : f64
// CHECK:         %[[S:.*]] = arith.mulf %{{.*}}, %[[HC]] : f64
// CHECK-DAG:     %[[TWO:.*]] = arith.constant 2.000000e+00 : f64
// CHECK-DAG:     %[[NUM:.*]] = arith.mulf %[[TWO]], %[[S]] : f64
// CHECK-DAG:     %[[TWOMPHI:.*]] = arith.constant 1.500000e+00 : f64
// CHECK-DAG:     %[[TWOPHI:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-DAG:     %[[BS:.*]] = arith.mulf %[[TWOMPHI]], %[[S]] : f64
// CHECK-DAG:     %[[DEN:.*]] = arith.addf %[[TWOPHI]], %[[BS]] : f64
// CHECK:         %[[FACTOR:.*]] = arith.divf %[[NUM]], %[[DEN]] : f64
// CHECK-DAG:     %[[RANGE:.*]] = arith.constant 9.900000e-02 : f64
// CHECK-DAG:     %[[MIN:.*]] = arith.constant 1.000000e-03 : f64
// CHECK-DAG:     %[[SCALED:.*]] = arith.mulf %[[RANGE]], %[[FACTOR]] : f64
// CHECK:         %[[DECAYED:.*]] = arith.addf %[[MIN]], %[[SCALED]] : f64
// CHECK-DAG:     %[[MAX:.*]] = arith.constant 1.000000e-01 : f64
// CHECK-DAG:     %[[RAMP:.*]] = arith.divf %[[CF]], %{{.*}} : f64
// CHECK:         %[[WARM:.*]] = arith.mulf %[[MAX]], %[[RAMP]] : f64
// CHECK:         %[[IN:.*]] = arith.cmpf olt, %[[CF]], %{{.*}} : f64
// CHECK:         %[[V:.*]] = arith.select %[[IN]], %[[WARM]], %[[DECAYED]] : f64
// CHECK:         %[[V32:.*]] = arith.truncf %[[V]] : f64 to f32
// CHECK:         tensor.from_elements %[[V32]] : tensor<f32>
func.func @uba_schedule_warmup(%t: tensor<i64>) -> tensor<f32> {
  %0 = kiln.uba_schedule %t {max_value = 0.1 : f64, min_value = 0.001 : f64, total_steps = 1000 : i64,
                             phi = 0.5 : f64, warmup_steps = 100 : i64}
  return %0 : tensor<f32>
}
