// RUN: kiln-opt %s --convert-kiln-to-linalg --canonicalize --cse --split-input-file | FileCheck %s
// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | kiln-opt --split-input-file | FileCheck %s

// The collectives become calls of the runtime's communicator: all_reduce and broadcast_from
// update their tensors in place (one message per op), all_gather fills a fresh tensor.

// CHECK-LABEL: func.func @collectives
// CHECK:         %[[R:.*]]:2 = kiln_rt.kernel_call all_reduce outs(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>) params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
// CHECK:         %[[S:.*]] = kiln_rt.kernel_call all_reduce outs(%{{.*}} : tensor<2xf64>) params #kiln_rt.collective<sizes = [2], reduction = sum, root = 0, ranks = 0>
// CHECK:         %[[B:.*]] = kiln_rt.kernel_call broadcast outs(%{{.*}} : tensor<4x3xf32>) params #kiln_rt.collective<sizes = [12], reduction = sum, root = 1, ranks = 0>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK:         %[[G:.*]] = kiln_rt.kernel_call all_gather ins(%{{.*}} : tensor<3xf32>) outs(%[[E]] : tensor<4x3xf32>) params #kiln_rt.collective<sizes = [3], reduction = sum, root = 0, ranks = 4>
// CHECK:         return %[[R]]#0, %[[R]]#1, %[[S]], %[[B]], %[[G]]
func.func @collectives(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %d: tensor<2xf64>)
    -> (tensor<4x3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %m:2 = kiln.all_reduce %w, %b : tensor<4x3xf32>, tensor<3xf32>
  %s = kiln.all_reduce %d {reduction = "sum"} : tensor<2xf64>
  %r = kiln.broadcast_from %w {root = 1} : tensor<4x3xf32>
  %g = kiln.all_gather %b {ranks = 4} : tensor<3xf32> -> tensor<4x3xf32>
  return %m#0, %m#1, %s, %r, %g : tensor<4x3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

// A collective whose result nobody reads still runs: every rank must make it.
// CHECK-LABEL: func.func @unused
// CHECK:         kiln_rt.kernel_call all_reduce
func.func @unused(%w: tensor<3xf32>) {
  %m = kiln.all_reduce %w : tensor<3xf32>
  return
}
