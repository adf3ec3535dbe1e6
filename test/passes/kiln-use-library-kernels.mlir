// RUN: kiln-opt %s --kiln-use-library-kernels | FileCheck %s

/// A contiguous f32 product becomes a oneDNN sgemm call with row-major leading dimensions.
// CHECK-LABEL: func.func @f32_product
// CHECK-SAME:    (%[[A:.*]]: memref<8x4xf32>, %[[B:.*]]: memref<4x3xf32>, %[[C:.*]]: memref<8x3xf32>)
// CHECK-DAG:     %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK-DAG:     %[[PB:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK-DAG:     %[[PC:.*]] = memref.extract_aligned_pointer_as_index %[[C]]
// CHECK:         call @kiln_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64) -> ()
// CHECK-NOT:     linalg.matmul
// CHECK:         return
func.func @f32_product(%a: memref<8x4xf32>, %b: memref<4x3xf32>, %c: memref<8x3xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x3xf32>) outs(%c : memref<8x3xf32>)
  return
}

/// f64 (gradient checks) keeps the generated loops.
// CHECK-LABEL: func.func @negative_f64_stays
// CHECK:         linalg.matmul
func.func @negative_f64_stays(%a: memref<8x4xf64>, %b: memref<4x3xf64>, %c: memref<8x3xf64>) {
  linalg.matmul ins(%a, %b : memref<8x4xf64>, memref<4x3xf64>) outs(%c : memref<8x3xf64>)
  return
}

/// A strided view is not a plain row-major matrix for sgemm's leading dimension.
// CHECK-LABEL: func.func @negative_strided_view
// CHECK:         linalg.matmul
func.func @negative_strided_view(%a: memref<8x4xf32, strided<[8, 1]>>, %b: memref<4x3xf32>, %c: memref<8x3xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32, strided<[8, 1]>>, memref<4x3xf32>) outs(%c : memref<8x3xf32>)
  return
}

/// The kernel is declared once, for the runtime to provide.
// CHECK:       func.func private @kiln_matmul_f32(i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64)
