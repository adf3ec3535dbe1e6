// RUN: kiln-opt %s --kiln-use-library-kernels | FileCheck %s
// RUN: kiln-opt %s --kiln-use-library-kernels | FileCheck %s --check-prefix=GLOBALS
// RUN: kiln-opt %s --kiln-use-library-kernels=device=cuda | FileCheck %s --check-prefix=CUDA
// RUN: kiln-opt %s --kiln-use-library-kernels=device=cuda | FileCheck %s --check-prefix=CUDAGLOBALS
// RUN: kiln-opt %s --kiln-use-library-kernels=device=cuda --canonicalize | FileCheck %s --check-prefix=CUDACANON

/// A contiguous f32 product becomes a oneDNN sgemm call with row-major leading dimensions.
// CHECK-LABEL: func.func @f32_product
// CHECK-SAME:    (%[[A:.*]]: memref<8x4xf32>, %[[B:.*]]: memref<4x3xf32>, %[[C:.*]]: memref<8x3xf32>)
// CHECK-DAG:     %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK-DAG:     %[[PB:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK-DAG:     %[[PC:.*]] = memref.extract_aligned_pointer_as_index %[[C]]
// CHECK:         call @kiln_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64) -> ()
// CHECK-NOT:     linalg.matmul
// CHECK:         return
/// For a CUDA module (device pointers), the CUDA backend's cuBLAS product of the same
/// arguments, adding to C (accumulate = 1)...
// CUDA-LABEL: func.func @f32_product
// CUDA:         %[[ONE:.*]] = arith.constant 1 : i64
// CUDA:         %[[NOA:.*]] = arith.constant 0 : i64
// CUDA:         %[[NOB:.*]] = arith.constant 0 : i64
// CUDA:         call @kiln_cuda_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %[[NOA]], %[[NOB]]) : (i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i64) -> ()
// CUDA-NOT:     kiln_matmul_f32
/// ... or, after a zero fill of C, overwriting it (cuBLAS's beta = 0): the fill goes, which
/// on the GPU would be a launch of its own. The CPU keeps the fill.
// CHECK-LABEL: func.func @filled_product
// CHECK:         linalg.fill
// CHECK:         call @kiln_matmul_f32
// CUDA-LABEL: func.func @filled_product
// CUDA-NOT:     linalg.fill
// CUDA:         %[[ZERO:.*]] = arith.constant 0 : i64
// CUDA:         call @kiln_cuda_matmul_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]],
/// A fill of another value, or one with a write in between, stays.
// CUDA-LABEL: func.func @negative_fills
// CUDA:         linalg.fill
// CUDA:         call @kiln_cuda_matmul_f32({{.*}}, %c1_i64, %c0_i64{{.*}}, %c0_i64{{.*}})
// CUDA:         linalg.fill
// CUDA:         memref.store
// CUDA:         call @kiln_cuda_matmul_f32({{.*}}, %c1_i64{{.*}}, %c0_i64{{.*}}, %c0_i64
/// A backward pass's products of transposed copies (dW = X^T dY, dX = dY W^T) read the
/// originals, transposed by cuBLAS: the copies and their buffers go. m, n, k and the
/// leading dimensions come from the originals ([4, 8] for X^T: m = 8, k = 4, lda = 8).
// CUDACANON-LABEL: func.func @transposed_operands
// CUDACANON-SAME:    (%[[X:[a-z0-9]+]]: memref<4x8xf32>, %[[DY:[a-z0-9]+]]: memref<4x3xf32>, %[[W:[a-z0-9]+]]: memref<8x3xf32>,
// CUDACANON-NOT:     linalg.transpose
// CUDACANON-NOT:     memref.alloc
// CUDACANON:         memref.extract_aligned_pointer_as_index %[[X]]
// CUDACANON:         call @kiln_cuda_matmul_f32(%c8_i64, %c3_i64, %c4_i64, %{{.*}}, %c8_i64, %{{.*}}, %c3_i64, %{{.*}}, %c3_i64, %c1_i64, %c1_i64, %c0_i64)
// CUDACANON:         memref.extract_aligned_pointer_as_index %[[W]]
// CUDACANON:         call @kiln_cuda_matmul_f32(%c4_i64, %c8_i64, %c3_i64, %{{.*}}, %c3_i64, %{{.*}}, %c3_i64, %{{.*}}, %c8_i64, %c1_i64, %c0_i64, %c1_i64)
// CUDACANON-NOT:     memref.dealloc
/// A copy whose source is written before the product reads it stays.
// CUDACANON-LABEL: func.func @negative_transposed_source_written
// CUDACANON:         linalg.transpose
// CUDACANON:         memref.store
// CUDACANON:         call @kiln_cuda_matmul_f32({{.*}}, %c1_i64, %c0_i64, %c0_i64)
/// A kernel call becomes kiln_cuda_<kernel>_<type>(params, buffers, layout), every array a
/// host value in the LLVM dialect (kiln-map-to-gpu leaves them on the host): the device
/// addresses in a stack slot of the entry block, the parameters and the layout [buffers,
/// inputs, bytes of each] in constant globals. Equal arrays share a global.
// CUDA-LABEL: func.func @conv_call
// CUDA-SAME:    (%[[X:.*]]: memref<2x1x8x8xf32>, %[[W:.*]]: memref<4x1x3x3xf32>, %[[Y:.*]]: memref<2x4x6x6xf32>)
// CUDA:         %[[N:.*]] = arith.constant 3 : i64
// CUDA:         %[[A:.*]] = llvm.alloca %[[N]] x i64 : (i64) -> !llvm.ptr
// CUDA:         %[[S0:.*]] = llvm.getelementptr %[[A]][0]
// CUDA:         memref.extract_aligned_pointer_as_index %[[X]]
// CUDA:         llvm.store %{{.*}}, %[[S0]] : i64, !llvm.ptr
// CUDA:         %[[S2:.*]] = llvm.getelementptr %[[A]][2]
// CUDA:         memref.extract_aligned_pointer_as_index %[[Y]]
// CUDA:         llvm.store %{{.*}}, %[[S2]] : i64, !llvm.ptr
// CUDA:         %[[P:.*]] = llvm.mlir.addressof @__kiln_words_0
// CUDA:         %[[L:.*]] = llvm.mlir.addressof @__kiln_words_1
// CUDA:         call @kiln_cuda_conv2d_f32(%[[P]], %[[A]], %[[L]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CUDA-NOT:     kiln_rt.kernel_call
// CUDA-LABEL: func.func @pool_calls
// CUDA:         call @kiln_cuda_avg_pool2d_f64(%{{.*}}, %{{.*}}, %[[POOL:.*]]) :
// CUDA:         memref.copy
// CUDA:         call @kiln_cuda_max_pool2d_f64
// CUDA-LABEL: func.func @state_update
// CUDA:         call @kiln_cuda_frugal_f32
/// conv_call's parameters and layout; the pooling calls share theirs; frugal's layout is 7
/// buffers, 1 input, 128 bytes of gradient, then its outputs'.
// CUDAGLOBALS-DAG: llvm.mlir.global private constant @__kiln_words_0(dense<[2, 1, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 1]> : tensor<16xi64>)
// CUDAGLOBALS-DAG: llvm.mlir.global private constant @__kiln_words_1(dense<[3, 2, 512, 144, 1152]> : tensor<5xi64>)
// CUDAGLOBALS-DAG: llvm.mlir.global private constant @__kiln_words_3(dense<[2, 1, 128, 32]> : tensor<4xi64>)
// CUDAGLOBALS-DAG: llvm.mlir.global private constant @__kiln_words_5(dense<[7, 1, 128, 128, 64, 64, 32, 8, 8]> : tensor<9xi64>)
// CUDAGLOBALS-NOT: __kiln_words_6
func.func @f32_product(%a: memref<8x4xf32>, %b: memref<4x3xf32>, %c: memref<8x3xf32>) {
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x3xf32>) outs(%c : memref<8x3xf32>)
  return
}

func.func @filled_product(%a: memref<8x4xf32>, %b: memref<4x3xf32>, %c: memref<8x3xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<8x3xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x3xf32>) outs(%c : memref<8x3xf32>)
  return
}

func.func @transposed_operands(%x: memref<4x8xf32>, %dy: memref<4x3xf32>, %w: memref<8x3xf32>,
                               %dw: memref<8x3xf32>, %dx: memref<4x8xf32>) {
  %xt = memref.alloc() : memref<8x4xf32>
  linalg.transpose ins(%x : memref<4x8xf32>) outs(%xt : memref<8x4xf32>) permutation = [1, 0]
  %wt = memref.alloc() : memref<3x8xf32>
  linalg.transpose ins(%w : memref<8x3xf32>) outs(%wt : memref<3x8xf32>) permutation = [1, 0]
  linalg.matmul ins(%xt, %dy : memref<8x4xf32>, memref<4x3xf32>) outs(%dw : memref<8x3xf32>)
  linalg.matmul ins(%dy, %wt : memref<4x3xf32>, memref<3x8xf32>) outs(%dx : memref<4x8xf32>)
  memref.dealloc %xt : memref<8x4xf32>
  memref.dealloc %wt : memref<3x8xf32>
  return
}

func.func @negative_transposed_source_written(%x: memref<4x8xf32>, %dy: memref<4x3xf32>,
                                              %dw: memref<8x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  %xt = memref.alloc() : memref<8x4xf32>
  linalg.transpose ins(%x : memref<4x8xf32>) outs(%xt : memref<8x4xf32>) permutation = [1, 0]
  memref.store %zero, %x[%i, %i] : memref<4x8xf32>
  linalg.matmul ins(%xt, %dy : memref<8x4xf32>, memref<4x3xf32>) outs(%dw : memref<8x3xf32>)
  memref.dealloc %xt : memref<8x4xf32>
  return
}

func.func @negative_fills(%a: memref<8x4xf32>, %b: memref<4x3xf32>, %c: memref<8x3xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%one : f32) outs(%c : memref<8x3xf32>)
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x3xf32>) outs(%c : memref<8x3xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<8x3xf32>)
  memref.store %one, %c[%i, %i] : memref<8x3xf32>
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

/// A kernel call on buffers becomes kiln_<kernel>_<type>(params, buffers): the parameters
/// packed into the kernel's struct (kiln_window_geometry, in field order) in a constant
/// global, the buffer addresses (inputs, then outputs) in a stack array.
// CHECK-LABEL: func.func @conv_call
// CHECK-SAME:    (%[[X:.*]]: memref<2x1x8x8xf32>, %[[W:.*]]: memref<4x1x3x3xf32>, %[[Y:.*]]: memref<2x4x6x6xf32>)
// CHECK:         %[[G:.*]] = memref.get_global @__kiln_params_0 : memref<16xi64>
// CHECK:         %[[A:.*]] = memref.alloca() : memref<3xi64>
// CHECK:         memref.extract_aligned_pointer_as_index %[[X]]
// CHECK:         memref.store %{{.*}}, %[[A]][%c0]
// CHECK:         memref.extract_aligned_pointer_as_index %[[W]]
// CHECK:         memref.store %{{.*}}, %[[A]][%c1]
// CHECK:         memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK:         memref.store %{{.*}}, %[[A]][%c2]
// CHECK:         call @kiln_conv2d_f32(%{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT:     kiln_rt.kernel_call
func.func @conv_call(%x: memref<2x1x8x8xf32>, %w: memref<4x1x3x3xf32>, %y: memref<2x4x6x6xf32>) {
  kiln_rt.kernel_call conv2d ins(%x, %w : memref<2x1x8x8xf32>, memref<4x1x3x3xf32>) outs(%y : memref<2x4x6x6xf32>)
      params #kiln_rt.window<n = 2, c = 1, h = 8, w = 8, o = 4, kh = 3, kw = 3, oh = 6, ow = 6,
                             sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
  return
}

/// f64 calls the reference kernel; the same parameters share one global. A strided input
/// is staged through a dense copy, freed after the call.
// CHECK-LABEL: func.func @pool_calls
// CHECK:         memref.alloca() : memref<2xi64>
// CHECK:         call @kiln_avg_pool2d_f64(%{{.*}}, %{{.*}})
// CHECK:         %[[TMP:.*]] = memref.alloc() : memref<1x1x4x4xf64>
// CHECK:         memref.copy %{{.*}}, %[[TMP]]
// CHECK:         call @kiln_max_pool2d_f64
// CHECK:         memref.dealloc %[[TMP]]
// GLOBALS-DAG: memref.global "private" constant @__kiln_params_0 : memref<16xi64> = dense<[2, 1, 8, 8, 4, 3, 3, 6, 6, 1, 1, 0, 0, 1, 1, 1]>
// GLOBALS-DAG: memref.global "private" constant @__kiln_params_1 : memref<16xi64> = dense<[1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1]>
/// A kiln_frugal_config: the enums as Abi.h numbers them, the doubles as their bit patterns
/// (lr 1e-3, beta1 0.9, beta2 and eps as given, weight decay 0, scale 1).
// GLOBALS-DAG: memref.global "private" constant @__kiln_params_2 : memref<13xi64> = dense<[4, 8, 0, 4, 200, 0, 0, 4562254508917369340, 4606281698874543309, 4607173411218089181, 4486051092506501181, 0, 4607182418800017408]>
// GLOBALS-NOT: memref.global
func.func @pool_calls(%x: memref<1x1x4x4xf64>, %xs: memref<1x1x4x4xf64, strided<[32, 32, 8, 1]>>, %y: memref<1x1x2x2xf64>) {
  kiln_rt.kernel_call avg_pool2d ins(%x : memref<1x1x4x4xf64>) outs(%y : memref<1x1x2x2xf64>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
  kiln_rt.kernel_call max_pool2d ins(%xs : memref<1x1x4x4xf64, strided<[32, 32, 8, 1]>>) outs(%y : memref<1x1x2x2xf64>)
      params #kiln_rt.window<n = 1, c = 1, h = 4, w = 4, o = 1, kh = 2, kw = 2, oh = 2, ow = 2,
                             sh = 2, sw = 2, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1>
  return
}

/// A kernel that reads its outputs (frugal) gets a strided output copied in and back.
// CHECK-LABEL: func.func @state_update
// CHECK:         %[[TMP:.*]] = memref.alloc() : memref<4xi64>
// CHECK:         memref.copy %[[SUB:.*]], %[[TMP]]
// CHECK:         call @kiln_frugal_f32
// CHECK:         memref.copy %[[TMP]], %[[SUB]]
// CHECK:         memref.dealloc %[[TMP]]
/// Each kernel is declared once, for the runtime to provide.
// CHECK:       func.func private @kiln_matmul_f32(i64, i64, i64, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK:       func.func private @kiln_conv2d_f32(!llvm.ptr, !llvm.ptr)
// CHECK:       func.func private @kiln_avg_pool2d_f64(!llvm.ptr, !llvm.ptr)
func.func @state_update(%g: memref<4x8xf32>, %p: memref<4x8xf32>, %m: memref<4x4xf32>, %v: memref<4x4xf32>,
                        %big: memref<8xi64>, %n: memref<i64>, %k: memref<i64>) {
  %sub = memref.subview %big[0] [4] [2] : memref<8xi64> to memref<4xi64, strided<[2]>>
  kiln_rt.kernel_call frugal ins(%g : memref<4x8xf32>)
      outs(%p, %m, %v, %sub, %n, %k : memref<4x8xf32>, memref<4x4xf32>, memref<4x4xf32>, memref<4xi64, strided<[2]>>, memref<i64>, memref<i64>)
      params #kiln_rt.frugal<rows = 4, cols = 8, projection = columns, k = 4, update_gap = 200,
                             state_full = adamw, state_free = sign_sgd, lr = 1.0e-3, beta1 = 0.9,
                             beta2 = 0.9989999575147085, eps = 8.221287348204347e-09,
                             weight_decay = 0.0, free_lr_scale = 1.0>
  return
}
