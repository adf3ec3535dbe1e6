// RUN: kiln-opt %s --convert-kiln-to-linalg --canonicalize --cse --split-input-file | FileCheck %s
// RUN: kiln-opt %s --convert-kiln-to-linalg --split-input-file | kiln-opt --split-input-file | FileCheck %s

// The collectives become calls of the runtime's communicator: all_reduce and broadcast_from
// update their tensors in place (one message per op), all_gather fills a fresh tensor. An
// all_reduce whose results are first read further down is started where it stands and
// waited for right before that read (here the return): the ops between run meanwhile.

// CHECK-LABEL: func.func @collectives
// CHECK:         %[[R0:.*]]:2 = kiln_rt.kernel_call all_reduce_start outs(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>) params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
// CHECK:         %[[S0:.*]] = kiln_rt.kernel_call all_reduce_start outs(%{{.*}} : tensor<2xf64>) params #kiln_rt.collective<sizes = [2], reduction = sum, root = 0, ranks = 0>
// CHECK:         %[[B:.*]] = kiln_rt.kernel_call broadcast outs(%{{.*}} : tensor<4x3xf32>) params #kiln_rt.collective<sizes = [12], reduction = sum, root = 1, ranks = 0>
// CHECK:         %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK:         %[[G:.*]] = kiln_rt.kernel_call all_gather ins(%{{.*}} : tensor<3xf32>) outs(%[[E]] : tensor<4x3xf32>) params #kiln_rt.collective<sizes = [3], reduction = sum, root = 0, ranks = 4>
// CHECK:         %[[R:.*]]:2 = kiln_rt.kernel_call all_reduce_wait outs(%[[R0]]#0, %[[R0]]#1 : tensor<4x3xf32>, tensor<3xf32>) params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
// CHECK:         %[[S:.*]] = kiln_rt.kernel_call all_reduce_wait outs(%[[S0]] : tensor<2xf64>)
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

// Read by the very next op: one blocking all_reduce.
// CHECK-LABEL: func.func @read_at_once
// CHECK:         %[[R:.*]] = kiln_rt.kernel_call all_reduce outs(%{{.*}} : tensor<3xf32>)
// CHECK-NEXT:    arith.addf %[[R]], %[[R]]
func.func @read_at_once(%w: tensor<3xf32>) -> tensor<3xf32> {
  %m = kiln.all_reduce %w : tensor<3xf32>
  %d = arith.addf %m, %m : tensor<3xf32>
  return %d : tensor<3xf32>
}

// -----

// A collective whose result nobody reads still runs: every rank must make it.
// CHECK-LABEL: func.func @unused
// CHECK:         kiln_rt.kernel_call all_reduce
func.func @unused(%w: tensor<3xf32>) {
  %m = kiln.all_reduce %w : tensor<3xf32>
  return
}

// -----

// One kernel call: the gradients and the step in, fresh directions and the state (in place) out.
// CHECK-LABEL: func.func @compressed
// CHECK:         %[[D0:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK:         %[[D1:.*]] = tensor.empty() : tensor<3xf32>
// CHECK:         %[[C:.*]]:4 = kiln_rt.kernel_call compressed_exchange ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>, tensor<i64>) outs(%[[D0]], %[[D1]], %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>) params #kiln_rt.compression<sizes = [12, 3], method = ef14, compressor = rand_k, k = 3, key = 7, eta = 1.000000e+00>
// CHECK:         return %[[C]]#0, %[[C]]#1, %[[C]]#2, %[[C]]#3
func.func @compressed(%w: tensor<4x3xf32>, %b: tensor<3xf32>, %ew: tensor<4x3xf32>, %eb: tensor<3xf32>, %t: tensor<i64>)
    -> (tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>) {
  %r:4 = kiln.compressed_exchange %w, %b state(%ew, %eb : tensor<4x3xf32>, tensor<3xf32>) step(%t)
      {method = "ef14", compressor = "rand_k", k = 3, key = 7} : tensor<4x3xf32>, tensor<3xf32>
  return %r#0, %r#1, %r#2, %r#3 : tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>
}
