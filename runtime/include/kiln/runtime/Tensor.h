// SPDX-License-Identifier: Apache-2.0
// Dense row-major tensors: the borrowed TensorView (host or device memory) and the owning
// host Tensor.
#ifndef KILN_RUNTIME_TENSOR_H
#define KILN_RUNTIME_TENSOR_H

#include "kiln/runtime/DType.h"
#include "kiln/runtime/Device.h"
#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {

/// A borrowed, contiguous, row-major tensor: the caller keeps `data` alive and sized
/// `nbytes()` for as long as the view is used. Entry points receive it as a memref descriptor
/// with offset 0 and row-major strides. `device` says which memory `data` points to: host
/// memory, or CUDA device memory (a DeviceTensor's view), which host code must not touch.
struct TensorView {
  void *data = nullptr;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  Device device = Device::kCpu;

  /// Product of the extents (1 for rank 0). Assumes a valid shape; see checkedByteSize.
  int64_t numel() const;
  /// numel() * dtypeSize(dtype).
  size_t nbytes() const;
};

/// The byte size of a dense `dtype` tensor of `shape`: kInvalidArgument for a negative extent,
/// an invalid dtype or a size that does not fit in memory arithmetic (int64 elements, size_t
/// bytes). Everything that sizes memory from untrusted shapes goes through this.
StatusOr<size_t> checkedByteSize(DType dtype, const std::vector<int64_t> &shape);

/// "[4, 3]" ("[]" for rank 0); a dynamic extent (-1) prints as "?".
std::string shapeToString(const std::vector<int64_t> &shape);

/// "[4, -1]": every extent as its number. For messages about invalid shapes, where a -1 is
/// an error to show, not a dynamic dimension.
std::string extentsToString(const std::vector<int64_t> &shape);

/// An owning host tensor: 64-byte aligned, zero-initialised storage. Move-only, so ownership
/// is always visible in the types.
class Tensor {
public:
  /// An empty placeholder (no storage, shape [0]) to move a real tensor into later.
  Tensor();
  Tensor(Tensor &&) noexcept;
  Tensor &operator=(Tensor &&) noexcept;
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  ~Tensor();

  /// Allocates a zeroed tensor. kInvalidArgument for a negative extent or a size that
  /// overflows, kResourceExhausted when the allocation fails. A zero-element tensor still
  /// gets a (non-null) allocation, so data() is null only for the placeholder.
  static StatusOr<Tensor> allocate(DType dtype, std::vector<int64_t> shape);

  /// A view of this tensor's storage; valid while the tensor lives and is not moved from.
  TensorView view() const;
  void *data() const { return data_.get(); }
  /// The storage as `T*`; the caller picks the T matching dtype() (uint8_t for I1,
  /// uint16_t for F16 and BF16).
  template <class T> T *data() const { return static_cast<T *>(data_.get()); }
  const std::vector<int64_t> &shape() const { return shape_; }
  DType dtype() const { return dtype_; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return nbytes_; }

private:
  struct Free {
    void operator()(void *p) const;
  };
  std::unique_ptr<void, Free> data_;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  int64_t numel_ = 0;
  size_t nbytes_ = 0;
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_TENSOR_H
