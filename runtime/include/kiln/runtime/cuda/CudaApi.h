// SPDX-License-Identifier: Apache-2.0
// libkiln_runtime_cuda's C interface to the rest of the runtime.
//
// The CUDA backend is a separate library, built when the CUDA toolkit is found, so that the
// CPU runtime links nothing of CUDA. A module compiled with `--device cuda` names it as a
// dependency (its kernels are launched through the `mgpu*` functions the library defines,
// the host-side ABI of MLIR's gpu-to-llvm lowering); libkiln_runtime finds this table in it
// with dlsym and never calls the CUDA driver itself. The library loads the driver
// (libcuda.so.1) on first use, so it loads, and reports a clear error, on a machine without
// a GPU.
#ifndef KILN_RUNTIME_CUDA_CUDAAPI_H
#define KILN_RUNTIME_CUDA_CUDAAPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_CUDA_API_VERSION 2u
#define KILN_CUDA_API_SYMBOL "kiln_cuda_api"

/// Functions return 0 on success; on failure they return -1 and the error is kept (see
/// `error`). Errors are sticky: the first one stays until `clear_error`, since a failed
/// launch (an illegal address) leaves the CUDA context unusable anyway.
typedef struct kiln_cuda_api {
  uint32_t version; ///< KILN_CUDA_API_VERSION
  /// Initializes the driver and the device's primary context (device 0, or the index in
  /// KILN_CUDA_DEVICE). Called by every other function; 0 when a device is usable.
  int (*init)(void);
  /// The first error since the last clear_error, or NULL: "no CUDA driver
  /// (libcuda.so.1: ...)", "no CUDA device", "cuLaunchKernel: an illegal memory access".
  const char *(*error)(void);
  void (*clear_error)(void);
  /// The device's name and compute capability (e.g. "NVIDIA H200", 90).
  int (*device)(char *name, size_t name_size, int *compute_capability);
  /// Device memory from the caching allocator (256-byte aligned); NULL on failure.
  void *(*alloc)(size_t bytes);
  void (*free)(void *device_pointer);
  /// Synchronous copies between host and device memory.
  int (*to_device)(void *device_dst, const void *host_src, size_t bytes);
  int (*to_host)(void *host_dst, const void *device_src, size_t bytes);
  /// A device-to-device copy, queued on the backend's stream (bench/ measures the device's
  /// copy bandwidth with it).
  int (*copy_on_device)(void *device_dst, const void *device_src, size_t bytes);
  /// Waits for everything launched on the backend's stream.
  int (*synchronize)(void);
  /// Bytes the caching allocator holds: in use by tensors, and cached for reuse.
  void (*memory)(size_t *in_use, size_t *cached);
  /// Returns cached blocks to the driver.
  void (*release_cached)(void);
  /// The device's free and total memory (cuMemGetInfo).
  int (*device_memory)(size_t *free_bytes, size_t *total_bytes);
  /// Row r of device_dst = row host_rows[r] of device_src, for r < count, rows of row_bytes
  /// bytes: a batch gathered from a dataset kept on the device. The row indices are copied
  /// to the device and the gather queued on the backend's stream; the caller has checked
  /// them against device_src's extent.
  int (*gather_rows)(void *device_dst, const void *device_src, const int64_t *host_rows,
                     int64_t count, size_t row_bytes);
} kiln_cuda_api;

/// The backend's table, or NULL if this library was built for another API version.
const kiln_cuda_api *kiln_cuda_api_get(void);

#ifdef __cplusplus
}
#endif

#endif // KILN_RUNTIME_CUDA_CUDAAPI_H
