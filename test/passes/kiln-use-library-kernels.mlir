// RUN: kiln-opt %s --kiln-use-library-kernels | FileCheck %s
// RUN: kiln-opt %s --kiln-use-library-kernels | FileCheck %s --check-prefix=GLOBALS

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

/// A window kernel on buffers becomes a call with its geometry in a constant global.
// CHECK-LABEL: func.func @conv_call
// CHECK-SAME:    (%[[X:.*]]: memref<2x1x8x8xf32>, %[[W:.*]]: memref<4x1x3x3xf32>, %[[Y:.*]]: memref<2x4x6x6xf32>)
// CHECK:         %[[G:.*]] = memref.get_global @__kiln_geometry_0 : memref<16xi64>
// CHECK:         call @kiln_conv2d_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT:     kiln.kernel_call
func.func @conv_call(%x: memref<2x1x8x8xf32>, %w: memref<4x1x3x3xf32>, %y: memref<2x4x6x6xf32>) {
  kiln.kernel_call "conv2d" ins(%x, %w : memref<2x1x8x8xf32>, memref<4x1x3x3xf32>) outs(%y : memref<2x4x6x6xf32>)
      geometry [2, 1, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 1]
  return
}

/// One input: the second pointer is null. f64 calls the reference kernel; the same geometry
/// shares one global. A strided input is staged through a dense copy.
// CHECK-LABEL: func.func @pool_calls
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         call @kiln_avg_pool2d_f64(%{{.*}}, %{{.*}}, %[[NULL]], %{{.*}})
// CHECK:         %[[TMP:.*]] = memref.alloc() : memref<1x1x4x4xf64>
// CHECK:         memref.copy %{{.*}}, %[[TMP]]
// CHECK:         call @kiln_max_pool2d_f64
// CHECK:         memref.dealloc %[[TMP]]
/// Each kernel is declared once, for the runtime to provide.
// CHECK:       func.func private @kiln_matmul_f32(i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK:       func.func private @kiln_conv2d_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK:       func.func private @kiln_avg_pool2d_f64(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// GLOBALS-DAG: memref.global "private" constant @__kiln_geometry_0 : memref<16xi64> = dense<[2, 1, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 1]>
// GLOBALS-DAG: memref.global "private" constant @__kiln_geometry_1 : memref<16xi64> = dense<[1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]>
// GLOBALS-NOT: memref.global
func.func @pool_calls(%x: memref<1x1x4x4xf64>, %xs: memref<1x1x4x4xf64, strided<[32, 32, 8, 1]>>, %y: memref<1x1x2x2xf64>) {
  kiln.kernel_call "avg_pool2d" ins(%x : memref<1x1x4x4xf64>) outs(%y : memref<1x1x2x2xf64>)
      geometry [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]
  kiln.kernel_call "max_pool2d" ins(%xs : memref<1x1x4x4xf64, strided<[32, 32, 8, 1]>>) outs(%y : memref<1x1x2x2xf64>)
      geometry [1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]
  return
}
