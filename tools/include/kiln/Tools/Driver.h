// SPDX-License-Identifier: Apache-2.0
// What kiln-compile and kiln-run share: text program in, shared library out. No MLIR types
// here, so drivers built with exceptions (CLI11) can include it.
#ifndef KILN_TOOLS_DRIVER_H
#define KILN_TOOLS_DRIVER_H

#include "kiln/Target/CompileOptions.h"

#include <cstdint>
#include <string>

namespace kiln {

/// Parses, verifies and compiles the kiln program at `inputPath` into the shared library
/// `outputPath`. With `archCheckpoint`, the alphas that the program's kiln.architecture ops
/// stand for are read from that search checkpoint first and attached to the program
/// (`kiln.searched_alphas`, which kiln-bind-arch consumes). Diagnostics (file:line:col) go
/// to stderr. Returns false on any error, and then leaves no file at `outputPath`.
/// `batch`, when given, is set to the batch size a program written with a dynamic batch was
/// compiled for (`--batch`, or its kiln.train_step's `batch`), and to 0 for a program
/// written for one batch: only the first kind can be compiled again for another size.
bool compileProgramFile(const std::string &inputPath, const std::string &outputPath,
                        const CompileOptions &options, const std::string &archCheckpoint = "",
                        int64_t *batch = nullptr);

} // namespace kiln

#endif // KILN_TOOLS_DRIVER_H
