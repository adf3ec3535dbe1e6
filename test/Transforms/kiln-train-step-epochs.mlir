// RUN: kiln-opt %s --kiln-train-step=train-examples=1000 --split-input-file -verify-diagnostics | FileCheck %s
// RUN: not kiln-opt %s --kiln-train-step --split-input-file 2>&1 | FileCheck %s --check-prefix=UNKNOWN

/// Schedule lengths in epochs, at 1000 / 16 = 62 steps per epoch (the last partial batch is
/// dropped, as kiln-run does): integers and fractions of an epoch alike.
// CHECK-LABEL: func.func @train_step(
// CHECK:         kiln.warmup_cosine_decay_schedule %{{.*}} {decay_steps = 155 : i64, init_value = 0.000000e+00 : f64, peak_value = 1.000000e-01 : f64, warmup_steps = 62 : i64}
// UNKNOWN: error: 'kiln.train_step' op schedule_options: 'decay_epochs' needs the number of training examples per epoch: kiln-run --train takes it from the data set; otherwise give --train-examples N (or 'decay_steps')
func.func private @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"}, %x: tensor<16x3xf32> {kiln.data = "images"},
                        %y: tensor<16xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<16x3xf32>, tensor<3x2xf32> -> tensor<16x2xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<16x2xf32>, tensor<16xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "warmup_cosine_decay",
    schedule_options = {init_value = 0.0 : f64, warmup_epochs = 1, decay_epochs = 2.5}}

// -----

/// step_size_epochs stands for step_size.
// CHECK-LABEL: func.func @train_step(
// CHECK:         kiln.step_decay_schedule %{{.*}} {gamma = 5.000000e-01 : f64, init_value = 1.000000e-01 : f64, step_size = 124 : i64}
func.func private @loss(%w: tensor<3x2xf32> {kiln.init = "zeros"}, %x: tensor<16x3xf32> {kiln.data = "images"},
                        %y: tensor<16xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %h = kiln.matmul %x, %w : tensor<16x3xf32>, tensor<3x2xf32> -> tensor<16x2xf32>
  %l = kiln.softmax_cross_entropy %h, %y : tensor<16x2xf32>, tensor<16xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "step_decay",
    schedule_options = {gamma = 0.5 : f64, step_size_epochs = 2}}
