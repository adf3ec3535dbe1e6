// SPDX-License-Identifier: Apache-2.0
// What kiln-compile and kiln-run share: text program in, shared library out. No MLIR types
// here, so drivers built with exceptions (CLI11) can include it.
#ifndef KILN_TOOLS_DRIVER_H
#define KILN_TOOLS_DRIVER_H

#include <string>

namespace kiln {

struct DriverOptions {
  std::string targetCpu = "native";
  unsigned optLevel = 3;
  bool exactMath = false;          ///< IEEE sqrt/division in update loops
  std::string headerPath;          ///< empty: no header
  std::string dumpLLVMDialectPath; ///< empty: no dump
};

/// Parses, verifies and compiles the kiln program at `inputPath` into the shared library
/// `outputPath`. Diagnostics (file:line:col) go to stderr. Returns false on any error, and
/// then leaves no file at `outputPath`.
bool compileProgramFile(const std::string &inputPath, const std::string &outputPath,
                        const DriverOptions &options);

} // namespace kiln

#endif // KILN_TOOLS_DRIVER_H
