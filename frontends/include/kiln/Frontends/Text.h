// SPDX-License-Identifier: Apache-2.0
// The textual way in: a .mlir file in the kiln dialect, parsed and verified.
#ifndef KILN_FRONTENDS_TEXT_H
#define KILN_FRONTENDS_TEXT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln {

/// Parses and verifies the program in `path` ("-" is standard input). Problems are reported
/// through the context's diagnostic handler with file:line:col locations; install a
/// ProgramDiagnostics (below) on `sourceMgr` to print them. Returns null on any error.
/// Function arguments are named after their SSA names in the text (`kiln.name`).
mlir::OwningOpRef<mlir::ModuleOp> loadTextProgram(llvm::StringRef path,
                                                  mlir::MLIRContext &context,
                                                  llvm::SourceMgr &sourceMgr);

/// Where `text` holds a form that MLIR 22's parser crashes on instead of rejecting (a linalg
/// named op whose `<...>` is not a properties dictionary, `linalg.max<3>`), the offset of
/// its first character; npos otherwise. parseTextProgram refuses such text with a located
/// error; tools that hand text to MLIR's own parser (kiln-opt) check it first.
size_t findParserHazard(llvm::StringRef text);

/// The same for a program already in `sourceMgr` (its main buffer): what loadTextProgram does
/// once the file is read, for callers that hold the text in memory.
mlir::OwningOpRef<mlir::ModuleOp> parseTextProgram(llvm::SourceMgr &sourceMgr,
                                                   mlir::MLIRContext &context);

/// Prints the context's diagnostics while alive, as `file:line:col: error: message`, then the
/// source line and a caret. Unlike MLIR's SourceMgrDiagnosticHandler it quotes at most ~100
/// columns of the line around the location and escapes bytes that are not printable text, so
/// a binary file or a 100 KB line given as a program yields a readable message.
class ProgramDiagnostics {
public:
  ProgramDiagnostics(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                     llvm::raw_ostream &os = llvm::errs());
  ~ProgramDiagnostics();
  ProgramDiagnostics(const ProgramDiagnostics &) = delete;
  ProgramDiagnostics &operator=(const ProgramDiagnostics &) = delete;

  /// The source line `line` (1-based) of `excerpt`'s caret column `column`, escaped and
  /// windowed to about `width` columns; `caret` gets the caret's column in the result.
  static std::string excerpt(llvm::StringRef line, unsigned column, unsigned &caret,
                             unsigned width = 100);

private:
  void print(mlir::Diagnostic &diagnostic, llvm::StringRef severity);

  llvm::SourceMgr &sourceMgr;
  mlir::MLIRContext &context;
  llvm::raw_ostream &os;
  mlir::DiagnosticEngine::HandlerID handler;
};

} // namespace kiln

#endif // KILN_FRONTENDS_TEXT_H
