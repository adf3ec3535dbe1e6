// SPDX-License-Identifier: Apache-2.0
// Element types of tensors crossing the runtime API, with the names the signature JSON uses.
#ifndef KILN_RUNTIME_DTYPE_H
#define KILN_RUNTIME_DTYPE_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kiln::rt {

/// The element types of Abi.h. I1 is stored as one byte per element (0 or 1), as MLIR's
/// memrefs of i1 and NumPy's bool arrays are.
enum class DType : uint8_t { F32, F64, F16, BF16, I1, I8, I32, I64 };

/// Bytes per element; 0 for a value outside the enum.
size_t dtypeSize(DType dtype);

/// The signature JSON name ("f32", "bf16", "i1", ...); "invalid" for a value outside the enum.
std::string_view dtypeName(DType dtype);

/// The inverse of dtypeName; kInvalidArgument for any other string.
StatusOr<DType> parseDType(std::string_view name);

} // namespace kiln::rt

#endif // KILN_RUNTIME_DTYPE_H
