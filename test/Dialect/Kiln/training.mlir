// RUN: kiln-opt %s --split-input-file -verify-diagnostics | FileCheck %s

// A train step declaration round-trips; the defaults (constant lr, no clipping) stay implicit.
// CHECK-LABEL: func.func private @loss
// CHECK:       kiln.train_step @train_step(@loss) {forward = @forward, lr = 1.000000e-03 : f64, optimizer = "adamw", schedule = "cosine_decay", schedule_options = {decay_steps = 100 : i64}}
func.func private @forward(%w: tensor<4x3xf32>, %x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %h = kiln.matmul %x, %w : tensor<2x4xf32>, tensor<4x3xf32> -> tensor<2x3xf32>
  return %h : tensor<2x3xf32>
}
func.func private @loss(%w: tensor<4x3xf32> {kiln.init = "uniform:0.5"},
                        %x: tensor<2x4xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %z = func.call @forward(%w, %x) : (tensor<4x3xf32>, tensor<2x4xf32>) -> tensor<2x3xf32>
  %l = kiln.softmax_cross_entropy %z, %y : tensor<2x3xf32>, tensor<2xi64> -> tensor<f32>
  return %l : tensor<f32>
}
kiln.train_step @train_step(@loss) {optimizer = "adamw", lr = 1.0e-3 : f64,
    schedule = "cosine_decay", schedule_options = {decay_steps = 100 : i64}, forward = @forward}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{attribute 'optimizer' failed to satisfy constraint: an optimizer: sgd, momentum, adam, adamw, amsgrad, adagrad, rmsprop, lion or sign_sgd}}
kiln.train_step @s(@loss) {optimizer = "adamax", lr = 0.1 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{options: kiln.adam has no attribute 'beta3' (it has beta1, beta2, eps)}}
kiln.train_step @s(@loss) {optimizer = "adam", lr = 0.1 : f64, options = {beta3 = 0.9 : f64}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{options sets 'lr', which the train step sets itself}}
kiln.train_step @s(@loss) {optimizer = "adam", lr = 0.1 : f64, options = {lr = 0.2 : f64}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{has schedule_options but no schedule}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule_options = {alpha = 0.1 : f64}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{schedule_options sets 'peak_value', which the train step sets itself}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, schedule = "warmup_cosine_decay",
    schedule_options = {peak_value = 0.2 : f64, warmup_steps = 1 : i64, decay_steps = 10 : i64}}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{attribute 'lr' failed to satisfy constraint}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0x7FF0000000000000 : f64}

// -----

// expected-error @+1 {{'nothing' is not a function}}
kiln.train_step @s(@nothing) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func private @loss(%w: tensor<3xf32>, %x: tensor<3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{parameter 0 of @loss needs a kiln.init: the step initialises it}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{@loss has no data argument (kiln.data "images"/"labels")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "val_images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{@loss argument 1 is "val_images": a training step takes one batch ("images", "labels")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<3xf32> {kiln.data = "images"}) -> (tensor<f32>, tensor<f32>) {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s, %s : tensor<f32>, tensor<f32>
}
// expected-error @+1 {{@loss must return one tensor<f32>, the loss}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64}

// -----

func.func private @forward(%w: tensor<3xf32>, %x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<2x4xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{forward @forward must take the loss's parameters and images (tensor<3xf32>, tensor<2x4xf32>) and return the logits}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, forward = @forward}

// -----

func.func private @forward(%w: tensor<3xf32>, %x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<2x3xf32> {kiln.data = "images"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{an evaluation step counts correct labels: @loss has no kiln.data "labels" argument}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, forward = @forward}

// -----

func.func private @forward(%w: tensor<3xf32>, %x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"},
                        %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-note @+1 {{defined here}}
func.func @eval_step() {
  return
}
// expected-error @+1 {{writes @eval_step for its forward function, but the module has one}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, forward = @forward}

// -----

// Arguments are named for the runtime; two of one name would collide in a checkpoint.
// expected-error @+1 {{arguments #0 and #1 are both named "w"}}
func.func @twice(%a: tensor<3xf32> {kiln.name = "w"}, %b: tensor<3xf32> {kiln.name = "w"}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'kiln.name' must be a non-empty name of letters, digits, '_', '.', '$' or '-', not "w 1"}}
func.func @spaced(%a: tensor<3xf32> {kiln.name = "w 1"}) {
  return
}

// -----

// Privacy: the clipping norm is required, belongs to a privacy method, and replaces global
// clipping; error_max_norm is DiceSGD's.
func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{privacy "dp_sgd" needs max_grad_norm, the per-example clipping norm}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dp_sgd"}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{max_grad_norm, noise_multiplier, error_max_norm and expected_batch_size belong to a privacy method (privacy = "dp_sgd" or "dice_sgd")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, noise_multiplier = 1.0 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{error_max_norm is DiceSGD's (privacy = "dice_sgd")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dp_sgd", max_grad_norm = 1.0 : f64, error_max_norm = 2.0 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{clip_global_norm would clip the private gradient after its noise; privacy clips each example's gradient to max_grad_norm instead}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dice_sgd", max_grad_norm = 1.0 : f64, clip_global_norm = 1.0 : f64}

// -----

// expected-error @+1 {{'max_grad_norm' failed to satisfy constraint}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dp_sgd", max_grad_norm = -1.0 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %m: tensor<2xf32> {kiln.data = "weights"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{@loss argument 2 is "weights": a loss is written for its batch; privacy adds the per-example weights to the step}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dp_sgd", max_grad_norm = 1.0 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{a private step exchanging gradients between processes is not supported yet}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, privacy = "dp_sgd", max_grad_norm = 1.0 : f64, exchange = "mean"}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{attribute 'exchange' failed to satisfy constraint: a gradient exchange between processes: none, mean, compressed, ef14, ef21 or econtrol}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "ring"}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{compressor, compression_ratio and eta belong to a compressed exchange (exchange = "compressed", "ef14", "ef21" or "econtrol")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "mean", compressor = "top_k"}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{compression_ratio 2.000000e+00 keeps more than every coordinate}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "ef14", compression_ratio = 2.0 : f64}

// -----

func.func private @loss(%w: tensor<3xf32> {kiln.init = "zeros"}, %x: tensor<2x3xf32> {kiln.data = "images"},
                        %y: tensor<2xi64> {kiln.data = "labels"}) -> tensor<f32> {
  %s = kiln.sum %w : tensor<3xf32> -> tensor<f32>
  return %s : tensor<f32>
}
// expected-error @+1 {{eta is EControl's (exchange = "econtrol")}}
kiln.train_step @s(@loss) {optimizer = "sgd", lr = 0.1 : f64, exchange = "ef21", eta = 0.5 : f64}
