// SPDX-License-Identifier: Apache-2.0
// Loading kiln programs from text, with located diagnostics.
#include "kiln/Frontends/Text.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

using namespace mlir;

OwningOpRef<ModuleOp> kiln::loadTextProgram(StringRef path, MLIRContext &context,
                                            llvm::SourceMgr &sourceMgr) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(path, &error);
  if (!buffer) {
    emitError(UnknownLoc::get(&context)) << error;
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  // parseSourceFile verifies the module, so verifier errors carry source locations too.
  return parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
}
