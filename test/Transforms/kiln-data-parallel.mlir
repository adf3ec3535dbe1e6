// RUN: kiln-opt %s --kiln-data-parallel --split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-data-parallel="bucket-bytes=64 overlap=true" --split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: kiln-opt %s --kiln-data-parallel=bucket-bytes=64 --split-input-file | FileCheck %s --check-prefix=SERIAL

// The default 25 MiB bucket takes every f32 gradient, last first; the f64 one travels in a
// bucket of its own type.
// CHECK-LABEL: func.func @exchange
// CHECK-SAME:    (%[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[C:.*]]: tensor<2xf64>, %[[D:.*]]: tensor<5xf32>)
// CHECK:         %[[F:.*]]:3 = kiln.all_reduce %[[D]], %[[B]], %[[A]] : tensor<5xf32>, tensor<3xf32>, tensor<4x3xf32>
// CHECK:         %[[G:.*]] = kiln.all_reduce %[[C]] : tensor<2xf64>
// CHECK-NOT:     kiln.exchange_gradients
// CHECK:         return %[[F]]#2, %[[F]]#1, %[[G]], %[[F]]#0
//
// 64 bytes: d (20 bytes) and b (12) share a bucket; a (48) would overflow it and starts the next.
// SMALL-LABEL: func.func @exchange
// SMALL-SAME:    (%[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[C:.*]]: tensor<2xf64>, %[[D:.*]]: tensor<5xf32>)
// SMALL:         kiln.all_reduce %[[D]], %[[B]] : tensor<5xf32>, tensor<3xf32>
// SMALL:         kiln.all_reduce %[[A]] : tensor<4x3xf32>
// SMALL:         kiln.all_reduce %[[C]] : tensor<2xf64>
func.func @exchange(%a: tensor<4x3xf32>, %b: tensor<3xf32>, %c: tensor<2xf64>, %d: tensor<5xf32>)
    -> (tensor<4x3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<5xf32>) {
  %g:4 = kiln.exchange_gradients %a, %b, %c, %d : tensor<4x3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<5xf32>
  return %g#0, %g#1, %g#2, %g#3 : tensor<4x3xf32>, tensor<3xf32>, tensor<2xf64>, tensor<5xf32>
}

// -----

// A gradient larger than a bucket travels alone.
// SMALL-LABEL: func.func @buckets
// SMALL-SAME:    (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[C:.*]]: tensor<4xf32>, %[[D:.*]]: tensor<20xf32>)
// SMALL:         kiln.all_reduce %[[D]] : tensor<20xf32>
// SMALL:         kiln.all_reduce %[[C]], %[[B]], %[[A]] : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
func.func @buckets(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xf32>, %d: tensor<20xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<20xf32>) {
  %g:4 = kiln.exchange_gradients %a, %b, %c, %d : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<20xf32>
  return %g#0, %g#1, %g#2, %g#3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<20xf32>
}

// -----

// Overlap: buckets follow the order the gradients are computed (here %gb, then %gw, then
// %gc), each all_reduce right after the op that computes its last gradient, so that it
// travels while the rest of the backward pass runs; the optimizer reads the results where
// the exchange was. The bucket of the gradient computed last has nothing left to travel
// behind and stays at the exchange. Without overlap every bucket waits there.
// SMALL-LABEL: func.func @overlap
// SMALL:         %[[GB:.*]] = arith.mulf %{{.*}} : tensor<4xf32>
// SMALL-NEXT:    %[[GW:.*]] = arith.mulf %{{.*}} : tensor<8xf32>
// SMALL-NEXT:    %[[R1:.*]]:2 = kiln.all_reduce %[[GB]], %[[GW]] : tensor<4xf32>, tensor<8xf32>
// SMALL-NEXT:    %[[GC:.*]] = arith.mulf %{{.*}} : tensor<16xf32>
// SMALL-NEXT:    arith.subf
// SMALL-NEXT:    %[[R2:.*]] = kiln.all_reduce %[[GC]] : tensor<16xf32>
// SMALL-NEXT:    %[[U:.*]] = arith.addf %[[R2]], %{{.*}} : tensor<16xf32>
// SMALL:         return %[[R1]]#1, %[[R1]]#0, %[[U]]
// SERIAL-LABEL: func.func @overlap
// SERIAL:         arith.mulf
// SERIAL:         arith.mulf
// SERIAL:         arith.mulf
// SERIAL-NEXT:    arith.subf
// SERIAL-NEXT:    kiln.all_reduce
// SERIAL-NEXT:    kiln.all_reduce
func.func @overlap(%w: tensor<8xf32>, %b: tensor<4xf32>, %c: tensor<16xf32>)
    -> (tensor<8xf32>, tensor<4xf32>, tensor<16xf32>) {
  %gb = arith.mulf %b, %b : tensor<4xf32>
  %gw = arith.mulf %w, %w : tensor<8xf32>
  %gc = arith.mulf %c, %c : tensor<16xf32>
  %s = arith.subf %c, %c : tensor<16xf32>
  %g:3 = kiln.exchange_gradients %gw, %gb, %gc : tensor<8xf32>, tensor<4xf32>, tensor<16xf32>
  %u = arith.addf %g#2, %s : tensor<16xf32>
  return %g#0, %g#1, %u : tensor<8xf32>, tensor<4xf32>, tensor<16xf32>
}
