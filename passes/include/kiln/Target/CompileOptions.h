// SPDX-License-Identifier: Apache-2.0
// Options of code generation. Plain C++ with no MLIR types, so drivers built with
// exceptions (CLI11) can include it.
#ifndef KILN_TARGET_COMPILEOPTIONS_H
#define KILN_TARGET_COMPILEOPTIONS_H

#include "kiln/Pipelines/PipelineOptions.h"

#include <string>

namespace kiln {

struct CompileOptions {
  /// What the kiln-to-llvm pipeline does (PipelineOptions.def).
  PipelineOptions pipeline;
  /// LLVM CPU name to generate code for; "native" is the CPU of this machine.
  std::string targetCpu = "native";
  /// LLVM optimisation level (0-3).
  unsigned optLevel = 3;
  /// Where to write the C header declaring the entry points; empty for none.
  std::string headerPath;
  /// Where to write the LLVM dialect after the pipeline (for debugging); empty for none.
  std::string dumpLLVMDialectPath;
};

} // namespace kiln

#endif // KILN_TARGET_COMPILEOPTIONS_H
