// RUN: kiln-opt %s --kiln-relax-mixed | FileCheck %s

// A differentiated supernet edge (what kiln-autodiff and the inliner leave): the backward
// needs every candidate's output for d alpha.
// - %conv's input %r is used later (by the filter gradient): its output is recomputed at the
//   backward and the forward copy dies after the mixed sum.
// - %relu's output is used later by its own gradient: it stays alive anyway, kept.
// - %pool's input %tmp is dead by the backward: recomputing would keep it alive, kept.
// CHECK-LABEL: func.func @edge
// CHECK:         %[[TMP:.*]] = kiln.relu %arg0
// CHECK:         %[[POOL:.*]] = kiln.avg_pool2d %[[TMP]]
// CHECK:         %[[RELU:.*]] = kiln.relu %arg0
// CHECK:         %[[CONV:.*]] = kiln.conv2d %[[RELU]], %arg1
// CHECK:         kiln.mixed %arg2 [%[[POOL]], %[[RELU]], %[[CONV]]]
// CHECK:         %[[AGAIN:.*]] = kiln.conv2d %[[RELU]], %arg1
// CHECK-NEXT:    kiln.mixed_grad %arg2, %arg3 [%[[POOL]], %[[RELU]], %[[AGAIN]]]
func.func @edge(%x: tensor<2x4x6x6xf32>, %w: tensor<4x4x1x1xf32>, %alpha: tensor<4xf32>,
                %dy: tensor<2x4x6x6xf32>) -> (tensor<2x4x6x6xf32>, tensor<4xf32>, tensor<2x4x6x6xf32>, tensor<4x4x1x1xf32>) {
  %tmp = kiln.relu %x : tensor<2x4x6x6xf32>
  %pool = kiln.avg_pool2d %tmp {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x4x6x6xf32> -> tensor<2x4x6x6xf32>
  %relu = kiln.relu %x : tensor<2x4x6x6xf32>
  %conv = kiln.conv2d %relu, %w : tensor<2x4x6x6xf32>, tensor<4x4x1x1xf32> -> tensor<2x4x6x6xf32>
  %y = kiln.mixed %alpha [%pool, %relu, %conv] {ops = ["none", "avg_pool_3x3", "relu", "conv_1x1"]}
      : tensor<4xf32>, [tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>] -> tensor<2x4x6x6xf32>
  %da, %dpool, %drelu, %dconv = kiln.mixed_grad %alpha, %dy [%pool, %relu, %conv] {ops = ["none", "avg_pool_3x3", "relu", "conv_1x1"]}
      : tensor<4xf32>, tensor<2x4x6x6xf32>, [tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>]
      -> tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32>
  %g = kiln.relu_grad %relu, %drelu : tensor<2x4x6x6xf32>
  %dw = kiln.conv2d_grad_filter %relu, %dconv : tensor<2x4x6x6xf32>, tensor<2x4x6x6xf32> -> tensor<4x4x1x1xf32>
  return %y, %da, %g, %dw : tensor<2x4x6x6xf32>, tensor<4xf32>, tensor<2x4x6x6xf32>, tensor<4x4x1x1xf32>
}
