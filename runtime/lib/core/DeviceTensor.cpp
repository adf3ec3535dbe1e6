// SPDX-License-Identifier: Apache-2.0
// DeviceTensor: device memory through the CUDA backend's C table; nothing here links CUDA.
#include "kiln/runtime/cuda/DeviceTensor.h"
#include "kiln/runtime/cuda/CudaApi.h"

namespace kiln::rt {

namespace {
Status backendError(const kiln_cuda_api *cuda, StatusCode code, const std::string &what) {
  std::string why = cuda->error() ? cuda->error() : "unknown CUDA error";
  cuda->clear_error();
  return Status::error(code, what + ": " + why);
}
} // namespace

void DeviceTensor::Free::operator()(void *p) const {
  if (cuda && p)
    cuda->free(p);
}

StatusOr<DeviceTensor> DeviceTensor::allocate(const Module &module, DType dtype,
                                              std::vector<int64_t> shape) {
  const kiln_cuda_api *cuda = module.cudaBackend();
  if (!cuda)
    return Status::error(StatusCode::kFailedPrecondition,
                         "DeviceTensor: module '" + module.path() +
                             "' runs on the CPU; device tensors are for modules compiled with "
                             "--device cuda");
  KILN_ASSIGN_OR_RETURN(size_t bytes, checkedByteSize(dtype, shape));
  void *p = cuda->alloc(bytes);
  if (!p)
    return backendError(cuda, StatusCode::kResourceExhausted,
                        "DeviceTensor: allocating " + std::to_string(bytes) + " bytes " +
                            shapeToString(shape));
  DeviceTensor t;
  t.data_ = std::unique_ptr<void, Free>(p, Free{cuda});
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.nbytes_ = bytes;
  return t;
}

Status DeviceTensor::check(const TensorView &host, const char *what) const {
  if (!data_)
    return Status::error(StatusCode::kFailedPrecondition,
                         std::string("DeviceTensor::") + what + " of an empty placeholder");
  if (host.device != Device::kCpu || host.dtype != dtype_ || host.shape != shape_ ||
      (!host.data && nbytes_))
    return Status::error(StatusCode::kInvalidArgument,
                         std::string("DeviceTensor::") + what + ": expected a host " +
                             std::string(dtypeName(dtype_)) + shapeToString(shape_) +
                             " tensor, got " +
                             (host.device == Device::kCpu ? "a host " : "a device ") +
                             std::string(dtypeName(host.dtype)) + shapeToString(host.shape));
  return Status();
}

Status DeviceTensor::upload(const TensorView &host) {
  KILN_RETURN_IF_ERROR(check(host, "upload"));
  if (data_.get_deleter().cuda->to_device(data_.get(), host.data, nbytes_) != 0)
    return backendError(data_.get_deleter().cuda, StatusCode::kInternal,
                        "DeviceTensor::upload");
  return Status();
}

Status DeviceTensor::download(const TensorView &host) const {
  KILN_RETURN_IF_ERROR(check(host, "download"));
  if (data_.get_deleter().cuda->to_host(host.data, data_.get(), nbytes_) != 0)
    return backendError(data_.get_deleter().cuda, StatusCode::kInternal,
                        "DeviceTensor::download");
  return Status();
}

Status DeviceTensor::gatherRows(const DeviceTensor &table, const int64_t *rows) {
  auto invalid = [](const std::string &what) {
    return Status::error(StatusCode::kInvalidArgument, "DeviceTensor::gatherRows: " + what);
  };
  if (!data_ || !table.data_)
    return invalid("an empty placeholder");
  if (shape_.empty() || table.shape_.empty() || table.dtype_ != dtype_ ||
      std::vector<int64_t>(shape_.begin() + 1, shape_.end()) !=
          std::vector<int64_t>(table.shape_.begin() + 1, table.shape_.end()))
    return invalid("rows of " + std::string(dtypeName(dtype_)) + shapeToString(shape_) +
                   " from a table " + std::string(dtypeName(table.dtype_)) +
                   shapeToString(table.shape_) + ": the dtype and row shape must agree");
  const int64_t count = shape_[0], tableRows = table.shape_[0];
  if (count > 0 && !rows)
    return invalid("null row indices");
  for (int64_t r = 0; r < count; ++r)
    if (rows[r] < 0 || rows[r] >= tableRows)
      return invalid("row index " + std::to_string(rows[r]) + " (batch row " +
                     std::to_string(r) + ") is outside the table's " +
                     std::to_string(tableRows) + " rows");
  const size_t rowBytes = count ? nbytes_ / size_t(count) : 0;
  const kiln_cuda_api *cuda = data_.get_deleter().cuda;
  if (cuda->gather_rows(data_.get(), table.data_.get(), rows, count, rowBytes) != 0)
    return backendError(cuda, StatusCode::kInternal, "DeviceTensor::gatherRows");
  return Status();
}

TensorView DeviceTensor::view() const {
  return TensorView{data_.get(), dtype_, shape_, Device::kCuda};
}

} // namespace kiln::rt
