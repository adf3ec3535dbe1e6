// SPDX-License-Identifier: Apache-2.0
// kiln-compile: program.mlir -> libprogram.so (+ C header) for libkiln_runtime.
#include "kiln/Frontends/Text.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Target/SharedLibrary.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include <cstdlib>

namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::OptionCategory category("kiln-compile options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<program.mlir>"), cl::Required,
                             cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("Shared library to write"),
                              cl::value_desc("libprog.so"), cl::Required, cl::cat(category));
  cl::opt<std::string> header("header",
                              cl::desc("C header to write (default: the library path "
                                       "with .h; 'none' to skip)"),
                              cl::cat(category));
  cl::opt<std::string> cpu("mcpu", cl::desc("Target CPU (default: this machine's)"),
                           cl::init("native"), cl::cat(category));
  cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimisation level 0-3"), cl::init(3),
                             cl::Prefix, cl::cat(category));
  cl::opt<std::string> dumpLLVM("dump-llvm-dialect",
                                cl::desc("Also write the lowered LLVM-dialect module here"),
                                cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Kiln compiler: kiln program -> shared library\n");

  if (optLevel > 3) {
    llvm::errs() << "kiln-compile: error: -O" << optLevel << " is not in 0..3\n";
    return EXIT_FAILURE;
  }
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  mlir::MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  mlir::OwningOpRef<mlir::ModuleOp> module = kiln::loadTextProgram(input, context, sourceMgr);
  if (!module)
    return EXIT_FAILURE;

  kiln::CompileOptions options;
  options.targetCpu = cpu;
  options.optLevel = optLevel;
  options.dumpLLVMDialectPath = dumpLLVM;
  if (header.empty()) {
    llvm::SmallString<128> path(output.getValue());
    llvm::sys::path::replace_extension(path, ".h");
    options.headerPath = path.str().str();
  } else if (header != "none") {
    options.headerPath = header;
  }
  if (mlir::failed(kiln::compileToSharedLibrary(*module, output, options)))
    return EXIT_FAILURE;
  return EXIT_SUCCESS;
}
