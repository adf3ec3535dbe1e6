// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | FileCheck %s

// convert-kiln-to-linalg: convolution, pooling and per-channel ops (Convolution.cpp).

// Window ops become runtime kernel calls writing a fresh tensor, with the geometry that the
// verifier derived (stride defaults to the window for pooling).
// CHECK-LABEL: func.func @convolution
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x4x4x4xf32>
// CHECK:         %[[C:.*]] = kiln_rt.kernel_call conv2d ins(%{{.*}}, %{{.*}} : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%[[E]] : tensor<2x4x4x4xf32>) params #kiln_rt.window<n = 2, c = 3, h = 8, w = 8, o = 4, kh = 3, kw = 3, oh = 4, ow = 4, sh = 2, sw = 2, ph = 1, pw = 1, dh = 1, dw = 1, groups = 1>
// CHECK:         kiln_rt.kernel_call max_pool2d ins(%[[C]] : tensor<2x4x4x4xf32>) outs(%{{.*}} : tensor<2x4x2x2xf32>) params #kiln_rt.window<n = 2, c = 4, h = 4, w = 4, o = 4, kh = 2, kw = 2, oh = 2, ow = 2, sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
// CHECK:         kiln_rt.kernel_call conv2d_grad_input
// CHECK:         kiln_rt.kernel_call avg_pool2d_grad
func.func @convolution(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %dy: tensor<2x4x4x4xf32>)
    -> (tensor<2x4x2x2xf32>, tensor<2x3x8x8xf32>, tensor<2x4x8x8xf32>) {
  %c = kiln.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32> -> tensor<2x4x4x4xf32>
  %p = kiln.max_pool2d %c {kernel = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x2x2xf32>
  %dx = kiln.conv2d_grad_input %dy, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
      : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32> -> tensor<2x3x8x8xf32>
  %da = kiln.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x8x8xf32>
  return %p, %dx, %da : tensor<2x4x2x2xf32>, tensor<2x3x8x8xf32>, tensor<2x4x8x8xf32>
}

// -----

// Per-channel bias and global pooling are element-wise and reduction generics over NCHW.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG:   #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @channel_ops
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK:         arith.constant 6.250000e-02 : f32
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[CH]]], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
func.func @channel_ops(%x: tensor<2x3x4x4xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>) {
  %y = kiln.channel_bias %x, %b : tensor<2x3x4x4xf32>, tensor<3xf32>
  %g = kiln.global_avg_pool %y : tensor<2x3x4x4xf32> -> tensor<2x3xf32>
  %db = kiln.channel_sum %x : tensor<2x3x4x4xf32> -> tensor<3xf32>
  return %g, %db : tensor<2x3xf32>, tensor<3xf32>
}

// -----

/// avg_pool2d: a runtime kernel writing a fresh tensor, with the given 3x3 window, stride 1
/// and padding 1 (same-size output).
// CHECK-LABEL: func.func @avg_pool2d_padded
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4x8x8xf32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x4x8x8xf32>
// CHECK:         %[[P:.*]] = kiln_rt.kernel_call avg_pool2d ins(%[[X]] : tensor<2x4x8x8xf32>) outs(%[[E]] : tensor<2x4x8x8xf32>) params #kiln_rt.window<n = 2, c = 4, h = 8, w = 8, o = 4, kh = 3, kw = 3, oh = 8, ow = 8, sh = 1, sw = 1, ph = 1, pw = 1, dh = 1, dw = 1, groups = 1>
// CHECK:         return %[[P]]
func.func @avg_pool2d_padded(%x: tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32> {
  %0 = kiln.avg_pool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>}
      : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  return %0 : tensor<2x4x8x8xf32>
}

// -----

/// conv2d_grad_filter: the kernel reads (x, dy) and writes a fresh filter-shaped tensor; the
/// geometry is the forward convolution's (input x, output channels and window from the
/// filter type, groups 2).
// CHECK-LABEL: func.func @conv2d_grad_filter_grouped
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4x8x8xf32>, %[[DY:.*]]: tensor<2x6x8x8xf32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<6x2x3x3xf32>
// CHECK:         %[[DW:.*]] = kiln_rt.kernel_call conv2d_grad_filter ins(%[[X]], %[[DY]] : tensor<2x4x8x8xf32>, tensor<2x6x8x8xf32>) outs(%[[E]] : tensor<6x2x3x3xf32>) params #kiln_rt.window<n = 2, c = 4, h = 8, w = 8, o = 6, kh = 3, kw = 3, oh = 8, ow = 8, sh = 1, sw = 1, ph = 1, pw = 1, dh = 1, dw = 1, groups = 2>
// CHECK:         return %[[DW]]
func.func @conv2d_grad_filter_grouped(%x: tensor<2x4x8x8xf32>, %dy: tensor<2x6x8x8xf32>) -> tensor<6x2x3x3xf32> {
  %0 = kiln.conv2d_grad_filter %x, %dy {padding = array<i64: 1, 1>, groups = 2 : i64}
      : tensor<2x4x8x8xf32>, tensor<2x6x8x8xf32> -> tensor<6x2x3x3xf32>
  return %0 : tensor<6x2x3x3xf32>
}

// -----

/// max_pool2d_grad: the kernel recomputes the window maxima from x (an input) and routes dy;
/// the stride defaults to the 2x2 window.
// CHECK-LABEL: func.func @max_pool2d_grad_default_stride
// CHECK-SAME:    (%[[X:.*]]: tensor<2x4x8x8xf32>, %[[DY:.*]]: tensor<2x4x4x4xf32>)
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<2x4x8x8xf32>
// CHECK:         %[[DX:.*]] = kiln_rt.kernel_call max_pool2d_grad ins(%[[X]], %[[DY]] : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32>) outs(%[[E]] : tensor<2x4x8x8xf32>) params #kiln_rt.window<n = 2, c = 4, h = 8, w = 8, o = 4, kh = 2, kw = 2, oh = 4, ow = 4, sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
// CHECK:         return %[[DX]]
func.func @max_pool2d_grad_default_stride(%x: tensor<2x4x8x8xf32>, %dy: tensor<2x4x4x4xf32>) -> tensor<2x4x8x8xf32> {
  %0 = kiln.max_pool2d_grad %x, %dy {kernel = array<i64: 2, 2>} : tensor<2x4x8x8xf32>, tensor<2x4x4x4xf32>
  return %0 : tensor<2x4x8x8xf32>
}

// -----

/// global_avg_pool_grad: dy[n, c] / (H * W) = dy * 0.05 for a 4x5 image, read through the
/// (n, c) map at every pixel; no reduction.
// CHECK-DAG:   #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @global_avg_pool_grad_spread
// CHECK-SAME:    (%[[DY:.*]]: tensor<2x3xf32>)
// CHECK-DAG:     %[[SCALE:.*]] = arith.constant 5.000000e-02 : f32
// CHECK-DAG:     %[[E:.*]] = tensor.empty() : tensor<2x3x4x5xf32>
// CHECK:         %[[DX:.*]] = linalg.generic {indexing_maps = [#[[NC]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[DY]] : tensor<2x3xf32>) outs(%[[E]] : tensor<2x3x4x5xf32>)
// CHECK-NEXT:    ^bb0(%[[DI:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[V:.*]] = arith.mulf %[[DI]], %[[SCALE]] : f32
// CHECK-NEXT:      linalg.yield %[[V]] : f32
// CHECK:         return %[[DX]]
func.func @global_avg_pool_grad_spread(%dy: tensor<2x3xf32>) -> tensor<2x3x4x5xf32> {
  %0 = kiln.global_avg_pool_grad %dy : tensor<2x3xf32> -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}
