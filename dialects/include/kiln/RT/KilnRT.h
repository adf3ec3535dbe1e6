// SPDX-License-Identifier: Apache-2.0
// The kiln_rt dialect: its enums, attributes and ops.
#ifndef KILN_RT_KILNRT_H
#define KILN_RT_KILNRT_H

#include "kiln/Enums/KilnEnums.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "kiln/RT/KilnRTEnums.h.inc"

#include "kiln/RT/KilnRTDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "kiln/RT/KilnRTAttrs.h.inc"

#define GET_OP_CLASSES
#include "kiln/RT/KilnRTOps.h.inc"

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace kiln::krt {
/// Registers one-shot bufferization for kiln_rt.kernel_call (the dialect promises it).
void registerBufferizationExternalModels(mlir::DialectRegistry &registry);
/// Whether a kernel talks to the other ranks (a collective or a compressed exchange): such
/// calls keep their order, and every rank makes them alike.
bool communicates(Kernel kernel);
} // namespace kiln::krt

#endif // KILN_RT_KILNRT_H
