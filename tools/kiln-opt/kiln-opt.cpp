// SPDX-License-Identifier: Apache-2.0
// kiln-opt: mlir-opt with the kiln dialect, passes and pipelines, for lit tests and debugging.
#include "kiln/Frontends/Text.h"
#include "kiln/Pipelines/Pipelines.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <string>

/// MlirOptMain hands its inputs to MLIR's parser, which crashes on some malformed text
/// instead of rejecting it (kiln::findParserHazard). Input files named on the command line
/// are checked first, as kiln-compile checks its program; standard input is not.
static bool inputsAreSafe(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o") {
      ++i; // its value is the output
      continue;
    }
    if (arg.empty() || arg[0] == '-')
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(arg, /*IsText=*/true);
    if (!buffer)
      continue; // not a file: MlirOptMain reports it
    llvm::StringRef text = (*buffer)->getBuffer();
    size_t at = kiln::findParserHazard(text);
    if (at == llvm::StringRef::npos)
      continue;
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    sourceMgr.PrintMessage(llvm::errs(), llvm::SMLoc::getFromPointer(text.data() + at),
                           llvm::SourceMgr::DK_Error,
                           "a linalg op's `<...>` must hold a dictionary of its properties "
                           "(`<{...}>`)");
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  if (!inputsAreSafe(argc, argv))
    return EXIT_FAILURE;
  mlir::registerAllPasses();
  kiln::registerKilnPassesAndPipelines();
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln optimizer driver\n", registry));
}
