// RUN: kiln-opt %s --split-input-file --kiln-use-library-kernels=device=cuda -verify-diagnostics

/// The collectives have no CUDA version yet (NCCL): a data-parallel program compiled for
/// the GPU is refused where the exchange is, not left for the runtime to fail.
func.func @all_reduce(%w: memref<4x3xf32>) {
  // expected-error @below {{the collective 'all_reduce' has no CUDA version (NCCL): data-parallel programs run on the CPU}}
  kiln_rt.kernel_call all_reduce outs(%w : memref<4x3xf32>)
      params #kiln_rt.collective<sizes = [12], reduction = mean, root = 0, ranks = 0>
  return
}

// -----

func.func @compressed(%g: memref<3xf32>, %t: memref<i64>, %d: memref<3xf32>, %e: memref<3xf32>) {
  // expected-error @below {{the collective 'compressed_exchange' has no CUDA version}}
  kiln_rt.kernel_call compressed_exchange ins(%g, %t : memref<3xf32>, memref<i64>) outs(%d, %e : memref<3xf32>, memref<3xf32>)
      params #kiln_rt.compression<sizes = [3], method = ef14, compressor = top_k, k = 1, key = 0, eta = 1.0>
  return
}

