// SPDX-License-Identifier: Apache-2.0
// An owning tensor in CUDA device memory, for keeping a step's state on the GPU.
#ifndef KILN_RUNTIME_CUDA_DEVICETENSOR_H
#define KILN_RUNTIME_CUDA_DEVICETENSOR_H

#include "kiln/runtime/Module.h"
#include "kiln/runtime/Tensor.h"

#include <memory>
#include <vector>

namespace kiln::rt {

/// Device memory from the caching allocator of a CUDA module's backend
/// (Module::cudaBackend()). Its view() passes to Session::call of any CUDA module of that
/// process, which then uses it in place: parameters and optimizer state stay on the device
/// from step to step, and the host copies only what it reads (download) or writes (upload).
/// Move-only; the memory returns to the allocator when it is destroyed.
class DeviceTensor {
public:
  DeviceTensor() = default;
  DeviceTensor(DeviceTensor &&) noexcept = default;
  DeviceTensor &operator=(DeviceTensor &&) noexcept = default;

  /// kFailedPrecondition for a CPU module; kInvalidArgument for a bad shape;
  /// kResourceExhausted (with the backend's words) when the device has no room.
  static StatusOr<DeviceTensor> allocate(const Module &module, DType dtype,
                                         std::vector<int64_t> shape);

  /// Copies a host tensor of the same dtype and shape in, or this tensor out to one.
  Status upload(const TensorView &host);
  Status download(const TensorView &host) const;

  /// Fills this tensor's n rows (its first dimension) with rows rows[0], ..., rows[n - 1]
  /// of `table`, a device tensor of the same dtype and row shape: a batch assembled on the
  /// device from a dataset uploaded once, queued on the backend's stream. `rows` is host
  /// memory holding n indices, each checked against the table's rows.
  Status gatherRows(const DeviceTensor &table, const int64_t *rows);

  TensorView view() const;
  const std::vector<int64_t> &shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  size_t nbytes() const { return nbytes_; }

private:
  struct Free {
    Free() : cuda(nullptr) {}
    explicit Free(const kiln_cuda_api *backend) : cuda(backend) {}
    void operator()(void *p) const;
    const kiln_cuda_api *cuda;
  };
  Status check(const TensorView &host, const char *what) const;
  std::unique_ptr<void, Free> data_;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  size_t nbytes_ = 0;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_CUDA_DEVICETENSOR_H
