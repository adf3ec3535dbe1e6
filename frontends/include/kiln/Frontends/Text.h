// SPDX-License-Identifier: Apache-2.0
// The textual way in: a .mlir file in the kiln dialect, parsed and verified.
#ifndef KILN_FRONTENDS_TEXT_H
#define KILN_FRONTENDS_TEXT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace kiln {

/// Parses and verifies the program in `path` ("-" is standard input). Problems are reported
/// through the context's diagnostic handler with file:line:col locations; install a
/// SourceMgrDiagnosticHandler on `sourceMgr` to print them. Returns null on any error.
mlir::OwningOpRef<mlir::ModuleOp> loadTextProgram(llvm::StringRef path,
                                                  mlir::MLIRContext &context,
                                                  llvm::SourceMgr &sourceMgr);

} // namespace kiln

#endif // KILN_FRONTENDS_TEXT_H
