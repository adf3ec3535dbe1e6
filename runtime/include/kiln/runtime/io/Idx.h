// SPDX-License-Identifier: Apache-2.0
// Reading IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
#ifndef KILN_RUNTIME_IO_IDX_H
#define KILN_RUNTIME_IO_IDX_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <string>

namespace kiln::rt {

/// Reads an IDX file into a tensor of `as` (F32, F64, I32 or I64), multiplying every value
/// by `scale` (for images, 1/255 gives [0, 1]). The file may be gzip-compressed, as Debian's
/// dataset-fashion-mnist ships it (/usr/share/datasets/fashion-mnist/*.gz); compression is
/// detected from the content, not the name. Errors name the path: kNotFound for a missing
/// file, kInvalidArgument for a bad magic number or an element type other than unsigned or
/// signed bytes, 16/32-bit integers, f32 or f64, kDataLoss for truncated data or trailing
/// bytes, kInvalidArgument for an unsupported `as` or, when `as` is an integer type, an element
/// (times `scale`) that is not a number or does not fit in it.
StatusOr<Tensor> loadIdx(const std::string &path, DType as, double scale = 1.0);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_IDX_H
