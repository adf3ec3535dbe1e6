// SPDX-License-Identifier: Apache-2.0
// The one place that joins the text frontend, the pipelines and code generation.
#include "kiln/Tools/Driver.h"
#include "kiln/Frontends/Text.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Target/SharedLibrary.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

bool kiln::compileProgramFile(const std::string &inputPath, const std::string &outputPath,
                              const CompileOptions &options) {
  mlir::DialectRegistry registry;
  registerKilnDialects(registry);
  mlir::MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::OwningOpRef<mlir::ModuleOp> module = loadTextProgram(inputPath, context, sourceMgr);
  if (!module)
    return false;
  return mlir::succeeded(compileToSharedLibrary(*module, outputPath, options));
}
