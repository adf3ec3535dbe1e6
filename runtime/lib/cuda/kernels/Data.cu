// SPDX-License-Identifier: Apache-2.0
// Batches gathered from a dataset kept in device memory (kiln_cuda_api's gather_rows), device
// code only: runtime/lib/cuda/Data.cpp launches it.
#include <cstdint>

/// dst[r] = src[rows[r]] for rows of `words` 4-byte words, a thread per word.
extern "C" __global__ void kiln_gpu_gather_rows_u32(uint32_t *dst, const uint32_t *src,
                                                    const int64_t *rows, int64_t count,
                                                    int64_t words) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count * words;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / words, w = i % words;
    dst[i] = src[rows[r] * words + w];
  }
}

/// The same for rows whose size is not a multiple of 4 bytes, a thread per byte.
extern "C" __global__ void kiln_gpu_gather_rows_u8(uint8_t *dst, const uint8_t *src,
                                                   const int64_t *rows, int64_t count,
                                                   int64_t bytes) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count * bytes;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / bytes, b = i % bytes;
    dst[i] = src[rows[r] * bytes + b];
  }
}
