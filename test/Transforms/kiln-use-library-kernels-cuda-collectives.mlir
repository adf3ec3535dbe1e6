// RUN: kiln-opt %s --split-input-file --kiln-use-library-kernels=device=cuda | FileCheck %s

/// The collectives of a data-parallel step compiled for the GPU call the CUDA backend's
/// (runtime/lib/cuda/Collectives.cpp: NCCL on the device buffers, queued on the step's
/// stream) with the CUDA kernels' layout argument; the compressed exchange runs its CPU
/// kernel on host copies.
// CHECK-LABEL: func.func @all_reduce
// CHECK:         call @kiln_cuda_all_reduce_start_f32(%{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:         call @kiln_cuda_all_reduce_wait_f32(%{{.*}}, %{{.*}}, %{{.*}}) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:         call @kiln_cuda_all_reduce_f64(
// CHECK-NOT:     kiln_rt.kernel_call
func.func @all_reduce(%w: memref<4x3xf32>, %b: memref<3xf32>, %d: memref<2xf64>) {
  kiln_rt.kernel_call all_reduce_start outs(%w, %b : memref<4x3xf32>, memref<3xf32>)
      params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
  kiln_rt.kernel_call all_reduce_wait outs(%w, %b : memref<4x3xf32>, memref<3xf32>)
      params #kiln_rt.collective<sizes = [12, 3], reduction = mean, root = 0, ranks = 0>
  kiln_rt.kernel_call all_reduce outs(%d : memref<2xf64>)
      params #kiln_rt.collective<sizes = [2], reduction = sum, root = 0, ranks = 0>
  return
}

// -----

// CHECK-LABEL: func.func @compressed
// CHECK:         call @kiln_cuda_compressed_exchange_f32(
func.func @compressed(%g: memref<3xf32>, %t: memref<i64>, %d: memref<3xf32>, %e: memref<3xf32>) {
  kiln_rt.kernel_call compressed_exchange ins(%g, %t : memref<3xf32>, memref<i64>) outs(%d, %e : memref<3xf32>, memref<3xf32>)
      params #kiln_rt.compression<sizes = [3], method = ef14, compressor = top_k, k = 1, key = 0, eta = 1.0>
  return
}
