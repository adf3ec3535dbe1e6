// SPDX-License-Identifier: Apache-2.0
// The dtype table: sizes and the signature JSON spellings.
#include "kiln/runtime/DType.h"

#include <string>

namespace kiln::rt {
namespace {
struct DTypeInfo {
  DType dtype;
  std::string_view name;
  size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "f32", 4}, {DType::F64, "f64", 8}, {DType::F16, "f16", 2},
    {DType::BF16, "bf16", 2}, {DType::I1, "i1", 1}, {DType::I8, "i8", 1},
    {DType::I32, "i32", 4}, {DType::I64, "i64", 8},
};

const DTypeInfo *find(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}
} // namespace

size_t dtypeSize(DType dtype) {
  const DTypeInfo *info = find(dtype);
  return info ? info->size : 0;
}

std::string_view dtypeName(DType dtype) {
  const DTypeInfo *info = find(dtype);
  return info ? info->name : "invalid";
}

StatusOr<DType> parseDType(std::string_view name) {
  for (const DTypeInfo &info : kDTypes)
    if (info.name == name)
      return info.dtype;
  return Status::error(StatusCode::kInvalidArgument,
                       "unknown dtype '" + std::string(name) +
                           "' (expected one of f32, f64, f16, bf16, i1, i8, i32, i64)");
}

} // namespace kiln::rt
