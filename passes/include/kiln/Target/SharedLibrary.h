// SPDX-License-Identifier: Apache-2.0
// From a kiln program to a shared library the runtime loads, plus its C header.
#ifndef KILN_TARGET_SHAREDLIBRARY_H
#define KILN_TARGET_SHAREDLIBRARY_H

#include "kiln/Target/CompileOptions.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include <string>

namespace kiln {

/// Runs the kiln-to-llvm pipeline on `module` (in place), generates optimised machine code
/// for the target CPU and links it into the shared library `outputPath`. Errors are emitted
/// as diagnostics on the module's context. Nothing is left at `outputPath` (or the header
/// path) unless everything succeeded: files are written to temporaries and renamed.
mlir::LogicalResult compileToSharedLibrary(mlir::ModuleOp module, llvm::StringRef outputPath,
                                           const CompileOptions &options);

/// The C header declaring each entry point of a signature (Abi.h JSON).
mlir::FailureOr<std::string> generateCHeader(llvm::StringRef signatureJson,
                                             llvm::StringRef guardName);

} // namespace kiln

#endif // KILN_TARGET_SHAREDLIBRARY_H
