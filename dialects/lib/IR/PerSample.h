// SPDX-License-Identifier: Apache-2.0
// What the per-sample gradient rules of Layers.cpp and Convolution.cpp share
// (PerSampleGradientOpInterface): the [B] type of per-sample values, and the check that a
// layer's batched operand can be split by sample.
#ifndef KILN_DIALECTS_LIB_IR_PERSAMPLE_H
#define KILN_DIALECTS_LIB_IR_PERSAMPLE_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace kiln::detail {

/// The [samples] tensor of per-sample values (norms) of an element type.
inline mlir::RankedTensorType perSampleType(int64_t samples, mlir::Type element) {
  return mlir::RankedTensorType::get({samples}, element);
}

/// Whether `batched` (f32 or f64, static, rank >= 2) leads with one row per sample or, with
/// `anyRowsEach`, with a whole number of consecutive rows per sample. Otherwise `reason`
/// says why, naming the operand `what` ("operand", "input").
inline bool splitsBySample(mlir::Value batched, int64_t samples, bool anyRowsEach,
                           llvm::StringRef what, std::string &reason) {
  auto t = llvm::cast<mlir::RankedTensorType>(batched.getType());
  reason.clear();
  llvm::raw_string_ostream os(reason);
  if (!llvm::isa<mlir::Float32Type, mlir::Float64Type>(t.getElementType()) ||
      !t.hasStaticShape() || t.getRank() < 2) {
    os << "per-sample gradients are computed for f32 or f64 tensors of static shape with a "
          "leading batch (fixed before autodiff by kiln-specialize-batch), not '"
       << t << "'";
    return false;
  }
  if (anyRowsEach ? t.getDimSize(0) % samples != 0 : t.getDimSize(0) != samples) {
    os << "its " << what << " '" << t << "' ";
    if (anyRowsEach)
      os << "does not lead with the " << samples
         << " samples of the batch (or a multiple: T consecutive rows per sample)";
    else
      os << "does not hold one image per sample of the " << samples << "-sample batch";
    return false;
  }
  return true;
}

} // namespace kiln::detail

#endif // KILN_DIALECTS_LIB_IR_PERSAMPLE_H
