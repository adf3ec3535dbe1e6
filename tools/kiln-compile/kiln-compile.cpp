// SPDX-License-Identifier: Apache-2.0
// kiln-compile: program.mlir -> libprogram.so (+ C header) for libkiln_runtime.
#include "kiln/Tools/Driver.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
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
  // The pipeline's own options (PipelineOptions.def), each a flag of the same name.
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                                \
  cl::opt<TYPE> FIELD##Flag(FLAG, cl::desc(HELP), cl::init(DEFAULT), cl::cat(category));
#include "kiln/Pipelines/PipelineOptions.def"
  cl::opt<std::string> dumpLLVM("dump-llvm-dialect",
                                cl::desc("Also write the lowered LLVM-dialect module here"),
                                cl::cat(category));
  cl::opt<std::string> arch("arch",
                            cl::desc("A search's checkpoint: compile the architecture derived "
                                     "from its alphas (kiln.architecture)"),
                            cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Kiln compiler: kiln program -> shared library\n");

  if (optLevel > 3) {
    llvm::errs() << "kiln-compile: error: -O" << optLevel << " is not in 0..3\n";
    return EXIT_FAILURE;
  }
  kiln::CompileOptions options;
  options.targetCpu = cpu;
  options.optLevel = optLevel;
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP) options.pipeline.FIELD = FIELD##Flag;
#include "kiln/Pipelines/PipelineOptions.def"
  options.dumpLLVMDialectPath = dumpLLVM;
  // Retraining what a search found: its alphas bound, the edges discretized.
  if (!arch.empty())
    options.pipeline.deriveArch = true;
  if (header.empty()) {
    llvm::SmallString<128> path(output.getValue());
    llvm::sys::path::replace_extension(path, ".h");
    options.headerPath = path.str().str();
  } else if (header != "none") {
    options.headerPath = header;
  }
  return kiln::compileProgramFile(input, output, options, arch) ? EXIT_SUCCESS : EXIT_FAILURE;
}
