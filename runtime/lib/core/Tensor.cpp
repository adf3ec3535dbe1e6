// SPDX-License-Identifier: Apache-2.0
// Tensor storage and the checked size arithmetic every untrusted shape goes through.
#include "kiln/runtime/Tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace kiln::rt {
namespace {
constexpr size_t kAlignment = 64;

uint64_t wrappingProduct(const std::vector<int64_t> &shape) {
  // Unsigned so that a shape nobody validated cannot trigger signed-overflow UB.
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}
} // namespace

int64_t TensorView::numel() const { return static_cast<int64_t>(wrappingProduct(shape)); }

size_t TensorView::nbytes() const {
  return static_cast<size_t>(wrappingProduct(shape)) * dtypeSize(dtype);
}

StatusOr<size_t> checkedByteSize(DType dtype, const std::vector<int64_t> &shape) {
  size_t elementSize = dtypeSize(dtype);
  if (elementSize == 0)
    return Status::error(StatusCode::kInvalidArgument,
                         "invalid dtype value " + std::to_string(static_cast<int>(dtype)));
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0)
      return Status::error(StatusCode::kInvalidArgument,
                           "negative extent in shape " + extentsToString(shape));
    empty |= d == 0;
  }
  if (empty)
    return size_t{0};
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(numel, d, &numel))
      return Status::error(StatusCode::kInvalidArgument,
                           "element count of shape " + shapeToString(shape) + " overflows");
  }
  // Bytes stay within int64 so that pointer differences over the buffer are well defined.
  int64_t bytes = 0;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(elementSize), &bytes))
    return Status::error(StatusCode::kInvalidArgument,
                         "byte size of " + std::string(dtypeName(dtype)) + shapeToString(shape) +
                             " overflows");
  return static_cast<size_t>(bytes);
}

static std::string joinExtents(const std::vector<int64_t> &shape, bool dynamicAsQuestionMark) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += dynamicAsQuestionMark && shape[i] == -1 ? std::string("?") : std::to_string(shape[i]);
  }
  return text + "]";
}

std::string shapeToString(const std::vector<int64_t> &shape) { return joinExtents(shape, true); }

std::string extentsToString(const std::vector<int64_t> &shape) {
  return joinExtents(shape, false);
}

void Tensor::Free::operator()(void *p) const { std::free(p); }

Tensor::Tensor() : shape_{0} {}
Tensor::Tensor(Tensor &&) noexcept = default;
Tensor &Tensor::operator=(Tensor &&) noexcept = default;
Tensor::~Tensor() = default;

StatusOr<Tensor> Tensor::allocate(DType dtype, std::vector<int64_t> shape) {
  KILN_ASSIGN_OR_RETURN(size_t nbytes, checkedByteSize(dtype, shape));
  // aligned_alloc wants a multiple of the alignment, and a zero-byte tensor still gets a real
  // pointer so that data() == nullptr means "no tensor" and nothing else.
  size_t padded = (nbytes == 0 ? kAlignment : nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void *storage = std::aligned_alloc(kAlignment, padded);
  if (!storage)
    return Status::error(StatusCode::kResourceExhausted,
                         "cannot allocate " + std::to_string(nbytes) + " bytes for a " +
                             std::string(dtypeName(dtype)) + shapeToString(shape) + " tensor");
  std::memset(storage, 0, padded);

  Tensor tensor;
  tensor.data_.reset(storage);
  tensor.dtype_ = dtype;
  tensor.numel_ = static_cast<int64_t>(nbytes / dtypeSize(dtype));
  tensor.nbytes_ = nbytes;
  tensor.shape_ = std::move(shape);
  return tensor;
}

TensorView Tensor::view() const { return TensorView{data_.get(), dtype_, shape_}; }

} // namespace kiln::rt
