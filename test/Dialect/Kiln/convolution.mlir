// RUN: kiln-opt %s -split-input-file -verify-diagnostics | kiln-opt -split-input-file | FileCheck %s
// RUN: kiln-opt %s -split-input-file -verify-diagnostics --mlir-print-op-generic | kiln-opt -split-input-file | FileCheck %s

// Round trips and verifier errors of Convolution.td: convolution, pooling and their gradients.

// CHECK-LABEL: func.func @convolution_and_pooling
// CHECK:         kiln.conv2d %{{.*}}, %{{.*}} {groups = 2 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<8x4x28x28xf32>, tensor<6x2x3x3xf32> -> tensor<8x6x14x14xf32>
// CHECK:         kiln.channel_bias %{{.*}}, %{{.*}} : tensor<8x6x14x14xf32>, tensor<6xf32>
// CHECK:         kiln.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>} : tensor<8x6x14x14xf32> -> tensor<8x6x7x7xf32>
// CHECK:         kiln.avg_pool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<8x6x7x7xf32> -> tensor<8x6x7x7xf32>
// CHECK:         kiln.global_avg_pool %{{.*}} : tensor<8x6x7x7xf32> -> tensor<8x6xf32>
func.func @convolution_and_pooling(%x: tensor<8x4x28x28xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>)
    -> tensor<8x6xf32> {
  %c = kiln.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, groups = 2}
      : tensor<8x4x28x28xf32>, tensor<6x2x3x3xf32> -> tensor<8x6x14x14xf32>
  %cb = kiln.channel_bias %c, %b : tensor<8x6x14x14xf32>, tensor<6xf32>
  %m = kiln.max_pool2d %cb {kernel = array<i64: 2, 2>} : tensor<8x6x14x14xf32> -> tensor<8x6x7x7xf32>
  %a = kiln.avg_pool2d %m {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>}
      : tensor<8x6x7x7xf32> -> tensor<8x6x7x7xf32>
  %g = kiln.global_avg_pool %a : tensor<8x6x7x7xf32> -> tensor<8x6xf32>
  return %g : tensor<8x6xf32>
}

// -----

// CHECK-LABEL: func.func @convolution_gradients
// CHECK:         kiln.conv2d_grad_input %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>} : tensor<2x4x5x5xf64>, tensor<4x3x3x3xf64> -> tensor<2x3x5x5xf64>
// CHECK:         kiln.conv2d_grad_filter %{{.*}}, %{{.*}} {padding = array<i64: 1, 1>} : tensor<2x3x5x5xf64>, tensor<2x4x5x5xf64> -> tensor<4x3x3x3xf64>
// CHECK:         kiln.channel_sum %{{.*}} : tensor<2x4x5x5xf64> -> tensor<4xf64>
// CHECK:         kiln.max_pool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 5, 5>} : tensor<2x4x5x5xf64>, tensor<2x4x1x1xf64>
// CHECK:         kiln.avg_pool2d_grad %{{.*}} {kernel = array<i64: 5, 5>} : tensor<2x4x1x1xf64> -> tensor<2x4x5x5xf64>
// CHECK:         kiln.global_avg_pool_grad %{{.*}} : tensor<2x4xf64> -> tensor<2x4x5x5xf64>
func.func @convolution_gradients(%x: tensor<2x3x5x5xf64>, %w: tensor<4x3x3x3xf64>, %dy: tensor<2x4x5x5xf64>,
                                 %dp: tensor<2x4x1x1xf64>, %dg: tensor<2x4xf64>)
    -> (tensor<2x3x5x5xf64>, tensor<4x3x3x3xf64>, tensor<4xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>) {
  %dx = kiln.conv2d_grad_input %dy, %w {padding = array<i64: 1, 1>}
      : tensor<2x4x5x5xf64>, tensor<4x3x3x3xf64> -> tensor<2x3x5x5xf64>
  %dw = kiln.conv2d_grad_filter %x, %dy {padding = array<i64: 1, 1>}
      : tensor<2x3x5x5xf64>, tensor<2x4x5x5xf64> -> tensor<4x3x3x3xf64>
  %db = kiln.channel_sum %dy : tensor<2x4x5x5xf64> -> tensor<4xf64>
  %dm = kiln.max_pool2d_grad %dy, %dp {kernel = array<i64: 5, 5>} : tensor<2x4x5x5xf64>, tensor<2x4x1x1xf64>
  %da = kiln.avg_pool2d_grad %dp {kernel = array<i64: 5, 5>} : tensor<2x4x1x1xf64> -> tensor<2x4x5x5xf64>
  %dgx = kiln.global_avg_pool_grad %dg : tensor<2x4xf64> -> tensor<2x4x5x5xf64>
  return %dx, %dw, %db, %dm, %da, %dgx
      : tensor<2x3x5x5xf64>, tensor<4x3x3x3xf64>, tensor<4xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>, tensor<2x4x5x5xf64>
}

// -----

func.func @conv_wrong_output(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x8x8xf32> {
  // expected-error @+1 {{output 'tensor<2x4x8x8xf32>' should be [2, 4, 6, 6]}}
  %y = kiln.conv2d %x, %w : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x8x8xf32>
  return %y : tensor<2x4x8x8xf32>
}

// -----

func.func @conv_groups_do_not_divide(%x: tensor<2x3x8x8xf32>, %w: tensor<4x1x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{groups = 2 must divide the 3 input and 4 output channels}}
  %y = kiln.conv2d %x, %w {groups = 2} : tensor<2x3x8x8xf32>, tensor<4x1x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_filter_channels(%x: tensor<2x4x8x8xf32>, %w: tensor<4x4x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{filter has 4 input channels, expected 2 (channels / groups)}}
  %y = kiln.conv2d %x, %w {groups = 2} : tensor<2x4x8x8xf32>, tensor<4x4x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_zero_stride(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{strides and dilations of at least 1}}
  %y = kiln.conv2d %x, %w {stride = array<i64: 0, 1>} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_window_too_large(%x: tensor<2x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x1x1xf32> {
  // expected-error @+1 {{window 3x3 (dilated) is larger than the 2x2 padded input}}
  %y = kiln.conv2d %x, %w : tensor<2x3x2x2xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x1x1xf32>
  return %y : tensor<2x4x1x1xf32>
}

// -----

// A dynamic batch is the program's batch, chosen when it is compiled (--batch).
func.func @conv_dynamic_batch(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32> {
  %y = kiln.conv2d %x, %w : tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<?x4x6x6xf32>
  return %y : tensor<?x4x6x6xf32>
}

// -----

func.func @conv_dynamic_channels(%x: tensor<2x?x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{works on NCHW tensors of static C, H and W}}
  %y = kiln.conv2d %x, %w : tensor<2x?x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @conv_stride_arity(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32> {
  // expected-error @+1 {{attribute 'stride' failed to satisfy constraint}}
  %y = kiln.conv2d %x, %w {stride = array<i64: 1, 1, 1>} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x6x6xf32>
  return %y : tensor<2x4x6x6xf32>
}

// -----

func.func @pool_padding_over_half(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x5x5xf32> {
  // expected-error @+1 {{padding must be at most half the window, as in PyTorch}}
  %y = kiln.max_pool2d %x {kernel = array<i64: 2, 2>, padding = array<i64: 2, 2>} : tensor<2x3x8x8xf32> -> tensor<2x3x5x5xf32>
  return %y : tensor<2x3x5x5xf32>
}

// -----

func.func @pool_wrong_output(%x: tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32> {
  // expected-error @+1 {{output 'tensor<2x3x8x8xf32>' should be [2, 3, 4, 4]}}
  %y = kiln.avg_pool2d %x {kernel = array<i64: 2, 2>} : tensor<2x3x8x8xf32> -> tensor<2x3x8x8xf32>
  return %y : tensor<2x3x8x8xf32>
}

// -----

func.func @global_pool_shape(%x: tensor<2x3x8x8xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{pools a static [N, C, H, W] tensor to [N, C]}}
  %y = kiln.global_avg_pool %x : tensor<2x3x8x8xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

func.func @channel_bias_length(%x: tensor<2x3x8x8xf32>, %b: tensor<4xf32>) -> tensor<2x3x8x8xf32> {
  // expected-error @+1 {{has 4 values for 3 channels}}
  %y = kiln.channel_bias %x, %b : tensor<2x3x8x8xf32>, tensor<4xf32>
  return %y : tensor<2x3x8x8xf32>
}
