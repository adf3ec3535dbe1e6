// RUN: kiln-opt %s --pass-pipeline='builtin.module(func.func(kiln-parallelize-nests))' | FileCheck %s

#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>

/// A per-channel bias with its ReLU over [128, 32, 28, 28]: one row (25088 points) is more
/// than a chunk, so the batch loop becomes a parallel loop of single rows.
// CHECK-LABEL: func.func @bias_relu
// CHECK:         scf.parallel (%[[N:.*]]) = (%{{.*}}) to (%c128) step (%{{.*}}) {
// CHECK:           memref.subview %{{.*}}[%[[N]], 0, 0, 0] [1, 32, 28, 28] [1, 1, 1, 1]
// CHECK:           linalg.generic
// CHECK:             arith.maximumf
func.func @bias_relu(%x: memref<128x32x28x28xf32>, %b: memref<32xf32>, %y: memref<128x32x28x28xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<128x32x28x28xf32>, memref<32xf32>) outs(%y : memref<128x32x28x28xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.addf %a, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}

/// The bias gradient sums over n, h and w: it is split over its channels, and each chunk
/// still sums in the serial order.
// CHECK-LABEL: func.func @channel_sum
// CHECK:         scf.parallel (%[[C:.*]]) = (%{{.*}}) to (%c32) step (%{{.*}}) {
// CHECK:           linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "reduction", "reduction"]
func.func @channel_sum(%x: memref<128x32x28x28xf32>, %db: memref<32xf32>) {
  linalg.generic {indexing_maps = [#id, #ch], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : memref<128x32x28x28xf32>) outs(%db : memref<32xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %acc, %a : f32
    linalg.yield %s : f32
  }
  return
}

/// Small nests stay serial: parallel chunks would cost more than they save.
// CHECK-LABEL: func.func @small
// CHECK-NOT:     scf.parallel
func.func @small(%x: memref<128x10xf32>, %y: memref<128x10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<128x10xf32>) outs(%y : memref<128x10xf32>) {
  ^bb0(%a: f32, %out: f32):
    linalg.yield %a : f32
  }
  return
}
