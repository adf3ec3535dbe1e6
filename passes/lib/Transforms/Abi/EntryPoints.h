// SPDX-License-Identifier: Apache-2.0
// Internal to the Abi passes: finding entry points and their kiln_rt.entry_point contract.
#ifndef KILN_TRANSFORMS_ABI_ENTRYPOINTS_H
#define KILN_TRANSFORMS_ABI_ENTRYPOINTS_H

#include "kiln/RT/KilnRT.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln::detail {

/// Every public function with a body is an entry point.
bool isEntryPoint(mlir::func::FuncOp func);

/// The contract of `func`: its kiln_rt.entry_point, or, on first use, one declared from its
/// tensor signature and its arguments' `kiln.init` and `kiln.data` attributes. Null when an
/// argument or result is not a ranked tensor (kiln-prepare-entry-points reports that).
krt::EntryPointAttr getOrDeclareEntryPoint(mlir::func::FuncOp func);

/// The contract of `op`, or null.
krt::EntryPointAttr getEntryPoint(mlir::Operation *op);
void setEntryPoint(mlir::Operation *op, krt::EntryPointAttr contract);

} // namespace kiln::detail

#endif // KILN_TRANSFORMS_ABI_ENTRYPOINTS_H
