// RUN: kiln-opt %s --split-input-file -verify-diagnostics

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{schedule_options gives both 'decay_epochs' and 'decay_steps'}}
kiln.train_step @both(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "cosine_decay",
    schedule_options = {decay_epochs = 2, decay_steps = 10 : i64}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{schedule_options: 'decay_epochs' = -1.000000e+00 : f64 is not a number of epochs}}
kiln.train_step @negative(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "cosine_decay",
    schedule_options = {decay_epochs = -1.0}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// A length in epochs only for the op's lengths in steps.
// expected-error @+1 {{schedule_options: kiln.cosine_decay_schedule has no attribute 'alpha_epochs'}}
kiln.train_step @not_a_length(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "cosine_decay",
    schedule_options = {alpha_epochs = 2, decay_steps = 10 : i64}}
