// SPDX-License-Identifier: Apache-2.0
// Options of code generation. Plain C++ with no MLIR types, so drivers built with
// exceptions (CLI11) can include it.
#ifndef KILN_TARGET_COMPILEOPTIONS_H
#define KILN_TARGET_COMPILEOPTIONS_H

#include <string>

namespace kiln {

struct CompileOptions {
  /// LLVM CPU name to generate code for; "native" is the CPU of this machine.
  std::string targetCpu = "native";
  /// LLVM optimisation level (0-3).
  unsigned optLevel = 3;
  /// IEEE square roots and divisions in update loops instead of refined estimates.
  bool exactMath = false;
  /// Where to write the C header declaring the entry points; empty for none.
  std::string headerPath;
  /// Where to write the LLVM dialect after the pipeline (for debugging); empty for none.
  std::string dumpLLVMDialectPath;
  /// A search's checkpoint whose alphas kiln.architecture ops take (kiln-bind-arch); the
  /// derived architecture is compiled. Empty for none.
  std::string archCheckpoint;
  /// The method every kiln.search_step expands to (darts1, darts2, rarts, rarts_jacobi)
  /// instead of its own; empty keeps each op's.
  std::string searchMethod;
  /// kiln-relax-mixed: supernet edges recompute candidate outputs for the backward.
  bool recomputeCandidates = true;
};

} // namespace kiln

#endif // KILN_TARGET_COMPILEOPTIONS_H
