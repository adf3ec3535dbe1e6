// SPDX-License-Identifier: Apache-2.0
// What the verifiers of window and FRUGAL ops derive from their types and attributes, as
// plain structs: one derivation, which the verifier checks and the lowerings to kiln_rt
// kernel calls reuse. No ABI types: kiln_rt's attributes describe the runtime's side.
#ifndef KILN_IR_LAYOUTS_H
#define KILN_IR_LAYOUTS_H

#include "kiln/Enums/KilnEnums.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace kiln {

/// A convolution or pooling window over NCHW tensors, as torch.nn.functional.conv2d: input
/// [n, c, h, w]; filter [o, c / groups, kh, kw] (pooling: o = c, groups = 1); output
/// [n, o, oh, ow]; strides, padding on both sides and dilations.
struct WindowGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0;
  int64_t o = 0, kh = 0, kw = 0;
  int64_t oh = 0, ow = 0;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  int64_t groups = 1;
};

/// kiln.frugal's parameter as a [rows, cols] matrix (coordinates: rows = 1), its
/// subspace size k and the shapes of its state and subspace operands.
struct FrugalLayout {
  int64_t rows = 0, cols = 0, k = 0;
  FrugalProjection projection = FrugalProjection::Columns;
  llvm::SmallVector<int64_t> stateShape, subspaceShape;
};

/// kiln.frugal_blocks: k of the tensors (element counts `sizes`) are state-full at a time,
/// their state packed into pools of `pool` elements.
struct FrugalBlocksLayout {
  int64_t k = 0, pool = 0;
  llvm::SmallVector<int64_t> sizes;
};

} // namespace kiln

#endif // KILN_IR_LAYOUTS_H
