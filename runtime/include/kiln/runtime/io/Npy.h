// SPDX-License-Identifier: Apache-2.0
// Reading and writing single tensors as NumPy .npy files.
#ifndef KILN_RUNTIME_IO_NPY_H
#define KILN_RUNTIME_IO_NPY_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <string>

namespace kiln::rt {

/// Reads a little-endian, C-order .npy file (format 1.0, 2.0 or 3.0) with descr '<f4', '<f8',
/// '<f2', '<i4', '<i8', '|i1' or '|b1'. Errors name the path: kNotFound for a missing file,
/// kInvalidArgument for a bad magic string or a malformed header, kUnimplemented for another
/// dtype, big-endian data or fortran_order True, kDataLoss for a truncated header or data (or
/// trailing bytes after the data).
StatusOr<Tensor> loadNpy(const std::string &path);

/// Writes `tensor` as a format 1.0 .npy file (2.0 only if the header needs it). The write is
/// atomic: the bytes go to a temporary file in the same directory, which is fsynced and then
/// renamed over `path`, so an existing file is replaced whole or not at all. kUnimplemented
/// for BF16, which has no NumPy type code.
Status saveNpy(const std::string &path, const TensorView &tensor);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_NPY_H
