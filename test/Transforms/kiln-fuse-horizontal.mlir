// RUN: kiln-opt %s --kiln-fuse-horizontal="chunk-size=1024 min-elements=1000" --split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-fuse-horizontal="chunk-size=1024 min-elements=0 align=4 parallelize-reductions=0" --split-input-file | kiln-opt --canonicalize --split-input-file | FileCheck %s --check-prefix=GPU

#map1 = affine_map<(d0) -> (d0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>

/// Updates of two parameters of different shapes run as one parallel loop over chunks of
/// their concatenated index space; each chunk runs its slice of each update.
// CHECK-LABEL: func.func @two_parameters_one_loop
// CHECK-SAME:    (%[[W:.*]]: memref<64x32xf32>, %[[GW:.*]]: memref<64x32xf32>, %[[B:.*]]: memref<32xf32>, %[[GB:.*]]: memref<32xf32>)
// CHECK-DAG:     %[[WF:.*]] = memref.collapse_shape %[[W]] {{\[}}[0, 1]] : memref<64x32xf32> into memref<2048xf32>
// CHECK-DAG:     %[[GWF:.*]] = memref.collapse_shape %[[GW]] {{\[}}[0, 1]]
// CHECK:         scf.parallel (%[[C:.*]]) =
// CHECK:           scf.if
// CHECK:           %[[WS:.*]] = memref.subview %[[WF]]
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME:        outs(%[[WS]] :
// CHECK:           scf.if
// CHECK:           %[[BS:.*]] = memref.subview %[[B]]
// CHECK:           linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME:        outs(%[[BS]] :
// CHECK:         }
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @two_parameters_one_loop(%w: memref<64x32xf32>, %gw: memref<64x32xf32>, %b: memref<32xf32>,
                                   %gb: memref<32xf32>) {
  linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]}
      ins(%gw : memref<64x32xf32>) outs(%w : memref<64x32xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.subf %p, %g : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel"]}
      ins(%gb : memref<32xf32>) outs(%b : memref<32xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.subf %p, %g : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

/// The second update reads what the first writes: slices of the two would run in different
/// chunks, so they must not share a loop.
// CHECK-LABEL: func.func @negative_dependent_updates
// CHECK:         scf.parallel
// CHECK:         scf.parallel
func.func @negative_dependent_updates(%a: memref<2048xf32>, %b: memref<2048xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<2048xf32>) {
  ^bb0(%x: f32):
    %0 = arith.addf %x, %x : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a : memref<2048xf32>) outs(%b : memref<2048xf32>) {
  ^bb0(%x: f32, %y: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

/// A store to a buffer the group reads, between two updates, keeps them apart.
// CHECK-LABEL: func.func @negative_intervening_write
// CHECK:         scf.parallel
// CHECK:         memref.store
// CHECK:         scf.parallel
func.func @negative_intervening_write(%a: memref<2048xf32>, %g: memref<2048xf32>, %b: memref<2048xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%g : memref<2048xf32>) outs(%a : memref<2048xf32>) {
  ^bb0(%x: f32, %y: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  }
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  memref.store %zero, %g[%c0] : memref<2048xf32>
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%g : memref<2048xf32>) outs(%b : memref<2048xf32>) {
  ^bb0(%x: f32, %y: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

/// In a private function the arguments may alias, so updates of two arguments stay apart.
// CHECK-LABEL: func.func private @negative_private_arguments_may_alias
// CHECK:         scf.parallel
// CHECK:         scf.parallel
func.func private @negative_private_arguments_may_alias(%a: memref<2048xf32>, %b: memref<2048xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<2048xf32>) {
  ^bb0(%x: f32):
    %0 = arith.addf %x, %x : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%b : memref<2048xf32>) {
  ^bb0(%x: f32):
    %0 = arith.addf %x, %x : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

/// Below min-elements an update stays a plain serial generic.
// CHECK-LABEL: func.func @negative_tiny_stays_serial
// CHECK-NOT:     scf.parallel
// CHECK:         linalg.generic
func.func @negative_tiny_stays_serial(%a: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%a : memref<16xf32>) {
  ^bb0(%x: f32):
    %0 = arith.addf %x, %x : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

/// A reassociable sum becomes per-chunk partial sums in parallel, added in chunk order.
// CHECK-LABEL: func.func @sum_of_squares_in_parallel
// CHECK-SAME:    (%[[X:.*]]: memref<4096xf32>, %[[ACC:.*]]: memref<f64>)
// CHECK:         %[[PARTS:.*]] = memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK:         scf.parallel (%[[C:.*]]) =
// CHECK:           %[[S:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (f64)
// CHECK:             memref.load %[[X]]
// CHECK:             arith.addf %[[A]], %{{.*}} fastmath<reassoc> : f64
// CHECK:           memref.store %[[S]], %[[PARTS]][%[[C]]]
// CHECK:         %[[START:.*]] = memref.load %[[ACC]][]
// CHECK:         %[[TOTAL:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[START]]) -> (f64)
// CHECK:         memref.store %[[TOTAL]], %[[ACC]][]
// CHECK:         memref.dealloc %[[PARTS]]
// CHECK-NOT:     linalg.generic
func.func @sum_of_squares_in_parallel(%x: memref<4096xf32>, %acc: memref<f64>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<4096xf32>) outs(%acc : memref<f64>) {
  ^bb0(%in: f32, %a: f64):
    %w = arith.extf %in : f32 to f64
    %sq = arith.mulf %w, %w : f64
    %s = arith.addf %a, %sq fastmath<reassoc> : f64
    linalg.yield %s : f64
  }
  return
}

// -----

/// Without reassoc the order of the additions is part of the result: left serial, in the same
/// order, with the accumulator in a register.
// CHECK-LABEL: func.func @negative_strict_sum_stays_serial
// CHECK-NOT:     scf.parallel
// CHECK:         %[[START:.*]] = memref.load %{{.*}}[] : memref<f32>
// CHECK:         %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[START]]) -> (f32)
// CHECK:           %[[X:.*]] = memref.load
// CHECK:           %[[S:.*]] = arith.addf %[[A]], %[[X]] : f32
// CHECK:           scf.yield %[[S]]
// CHECK:         memref.store %[[SUM]], %{{.*}}[] : memref<f32>
// CHECK-NOT:     linalg.generic
func.func @negative_strict_sum_stays_serial(%x: memref<4096xf32>, %acc: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<4096xf32>) outs(%acc : memref<f32>) {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// Per-sample squared norms: each row of contiguous samples summed in a register, the rows in
/// parallel, the sample's [4, 8] elements as one inner loop of 32.
// CHECK-LABEL: func.func @per_sample_norms
// CHECK:         %[[ROWS:.*]] = memref.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : memref<64x4x8xf32> into memref<64x32xf32>
// CHECK:         scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           %[[START:.*]] = memref.load %{{.*}}[%[[R]]] : memref<64xf64>
// CHECK:           %[[SUM:.*]] = scf.for %[[K:.*]] = {{.*}} iter_args(%[[A:.*]] = %[[START]]) -> (f64)
// CHECK:             memref.load %[[ROWS]][%[[R]], %[[K]]]
// CHECK:             arith.addf %[[A]], %{{.*}} fastmath<reassoc> : f64
// CHECK:           memref.store %[[SUM]], %{{.*}}[%[[R]]] : memref<64xf64>
// CHECK-NOT:     linalg.generic
// GPU-LABEL:   func.func @per_sample_norms
// GPU:           linalg.generic
func.func @per_sample_norms(%x: memref<64x4x8xf32>, %acc: memref<64xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<64x4x8xf32>) outs(%acc : memref<64xf64>) {
  ^bb0(%in: f32, %a: f64):
    %w = arith.extf %in : f32 to f64
    %sq = arith.mulf %w, %w : f64
    %s = arith.addf %a, %sq fastmath<reassoc> : f64
    linalg.yield %s : f64
  }
  return
}

// -----

/// A bias gradient (sum over n, h, w per channel): the channels outermost and in parallel,
/// then n, h, w in their order around a register accumulator, read through the original
/// indexing.
// CHECK-LABEL: func.func @channel_sums
// CHECK:         scf.parallel (%[[C:.*]]) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           %[[START:.*]] = memref.load %{{.*}}[%[[C]]] : memref<16xf32>
// CHECK:           scf.for %[[N:[^ ]*]] = {{.*}} iter_args(%{{.*}} = %[[START]]) -> (f32)
// CHECK:             scf.for %[[H:[^ ]*]] = {{.*}} -> (f32)
// CHECK:               scf.for %[[W:[^ ]*]] = {{.*}} -> (f32)
// CHECK:                 memref.load %{{.*}}[%[[N]], %[[C]], %[[H]], %[[W]]] : memref<32x16x8x8xf32>
// CHECK-NOT:     linalg.generic
func.func @channel_sums(%x: memref<32x16x8x8xf32>, %acc: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1)>], iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : memref<32x16x8x8xf32>) outs(%acc : memref<16xf32>) {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// Column sums: the innermost loop runs along the accumulators, so each of its points adds
/// into a different one and the loop vectorizes as it is: left alone.
// CHECK-LABEL: func.func @negative_column_sums_stay
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic
func.func @negative_column_sums_stay(%x: memref<320x8192xf32>, %acc: memref<8192xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<320x8192xf32>) outs(%acc : memref<8192xf32>) {
  ^bb0(%in: f32, %a: f32):
    %s = arith.addf %a, %in : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// For the GPU's 16-byte vector accesses (align=4): the second update starts at 12, the first
/// multiple of 4 after the first update's 10 elements, so that every chunk's slice of it
/// starts on a multiple of 4 too. With parallelize-reductions=0 a sum is left alone.
#map1 = affine_map<(d0) -> (d0)>
// GPU-LABEL: func.func @aligned_offsets
// GPU-DAG:     %[[C12:.*]] = arith.constant 12 : index
// GPU-DAG:     %[[C2012:.*]] = arith.constant 2012 : index
// GPU:         scf.parallel
// GPU:           arith.minui %{{.*}}, %[[C2012]] : index
// GPU:           scf.if
// GPU:           arith.subi %{{.*}}, %[[C12]] : index
// GPU:           scf.if
// GPU:         linalg.generic {{.*}} iterator_types = ["reduction"]
func.func @aligned_offsets(%w: memref<10xf32>, %gw: memref<10xf32>, %b: memref<2000xf32>,
                           %gb: memref<2000xf32>, %acc: memref<f32>) {
  linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel"]}
      ins(%gw : memref<10xf32>) outs(%w : memref<10xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.subf %p, %g : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel"]}
      ins(%gb : memref<2000xf32>) outs(%b : memref<2000xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.subf %p, %g : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [#map1, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%b : memref<2000xf32>) outs(%acc : memref<f32>) {
  ^bb0(%x: f32, %a: f32):
    %0 = arith.addf %a, %x fastmath<reassoc> : f32
    linalg.yield %0 : f32
  }
  return
}
