// RUN: kiln-opt %s --kiln-lower-strided-copies | FileCheck %s

/// A copy into a strided view (a concatenation's slice) becomes a linalg.copy loop nest.
// CHECK-LABEL: func.func @into_slice
// CHECK:         %[[S:.*]] = memref.subview
// CHECK:         linalg.copy ins(%{{.*}} : memref<2x3xf32>) outs(%[[S]] : memref<2x3xf32, strided<[10, 1], offset: 3>>)
// CHECK-NOT:     memref.copy
func.func @into_slice(%a: memref<2x3xf32>, %c: memref<2x10xf32>) {
  %s = memref.subview %c[0, 3] [2, 3] [1, 1] : memref<2x10xf32> to memref<2x3xf32, strided<[10, 1], offset: 3>>
  memref.copy %a, %s : memref<2x3xf32> to memref<2x3xf32, strided<[10, 1], offset: 3>>
  return
}

/// Dense copies stay: LLVM lowers them to memcpy.
// CHECK-LABEL: func.func @negative_dense
// CHECK:         memref.copy
// CHECK-NOT:     linalg.copy
func.func @negative_dense(%a: memref<2x3xf32>, %b: memref<2x3xf32>) {
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  return
}
