// SPDX-License-Identifier: Apache-2.0
// What the parse and pipeline fuzz targets share: a context with every dialect kiln-compile
// registers, and parsing an input as a program the way the text frontend does.
#ifndef KILN_TEST_FUZZ_PROGRAMFUZZ_H
#define KILN_TEST_FUZZ_PROGRAMFUZZ_H

#include "kiln/Frontends/Text.h"
#include "kiln/Pipelines/Pipelines.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <memory>

// The program targets link Debian's libMLIR, which is not instrumented, while LLVM's inline
// BumpPtrAllocator code compiled into them is: it poisons slab memory (ASan's user
// poisoning) that libMLIR's own copy then hands out without unpoisoning, and the next write
// into it is a false "use-after-poison" (the first pipeline seed hit it). Kiln's code is
// still checked for every other error.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char *__asan_default_options() { return "allow_user_poisoning=0"; }
#endif
#endif

namespace kiln::fuzz {

/// A fresh context for each input: one shared by successive inputs (as this target once had)
/// made a slow input depend on what ran before it, so a reported timeout did not reproduce
/// from its file alone. Dialects load lazily, so a context costs little beside the pipeline.
inline std::unique_ptr<mlir::MLIRContext> makeProgramContext() {
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  auto context = std::make_unique<mlir::MLIRContext>(registry);
  // One thread, so a crash reproduces from its input alone.
  context->disableMultithreading();
  context->printOpOnDiagnostic(false);
  return context;
}

/// An input parsed and verified by the text frontend (parseTextProgram), in a context of its own. Diagnostics are
/// dropped while it lives (a rejected program is the common, correct outcome), including
/// those of the passes its user runs.
struct ParsedProgram {
  ParsedProgram(const uint8_t *data, size_t size)
      : ownedContext(makeProgramContext()), context(*ownedContext),
        quiet(&context, [](mlir::Diagnostic &) {}) {
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(
            llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.mlir"),
        llvm::SMLoc());
    module = kiln::parseTextProgram(sourceMgr, context);
  }

  std::unique_ptr<mlir::MLIRContext> ownedContext;
  mlir::MLIRContext &context;
  mlir::ScopedDiagnosticHandler quiet;
  llvm::SourceMgr sourceMgr;
  mlir::OwningOpRef<mlir::ModuleOp> module; ///< null when the input is not a valid program
};

} // namespace kiln::fuzz

#endif // KILN_TEST_FUZZ_PROGRAMFUZZ_H
