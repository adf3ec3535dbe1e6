// SPDX-License-Identifier: Apache-2.0
// Kiln's named pass pipelines and the registrations every driver shares.
#ifndef KILN_PIPELINES_PIPELINES_H
#define KILN_PIPELINES_PIPELINES_H

#include "kiln/Pipelines/PipelineOptions.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace kiln {

/// The pipeline's options as kiln-opt parses them (`--kiln-to-llvm='exact-math=1'`).
struct KilnToLLVMOptions : mlir::PassPipelineOptions<KilnToLLVMOptions> {
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP)                                \
  Option<TYPE> FIELD{*this, FLAG, llvm::cl::desc(HELP), llvm::cl::init(DEFAULT)};
#include "kiln/Pipelines/PipelineOptions.def"

  PipelineOptions get() const {
    PipelineOptions options;
#define KILN_PIPELINE_OPTION(TYPE, FIELD, FLAG, DEFAULT, HELP) options.FIELD = FIELD;
#include "kiln/Pipelines/PipelineOptions.def"
    return options;
  }
};

/// Lowers a kiln program on tensors to the LLVM dialect with Kiln's entry-point ABI:
/// kiln -> linalg -> one-shot bufferization (parameters and state updated in place in the
/// donated input buffers) -> loops -> LLVM dialect + kiln_call_ wrappers and signature.
/// kiln-compile, kiln-run and `kiln-opt --kiln-to-llvm` all use this one definition.
void buildKilnToLLVMPipeline(mlir::OpPassManager &pm, const PipelineOptions &options = {});

/// Registers the dialects, interfaces and translations that Kiln programs and pipelines use.
void registerKilnDialects(mlir::DialectRegistry &registry);

/// Registers Kiln's passes and named pipelines with the global pass registry (for kiln-opt).
void registerKilnPassesAndPipelines();

} // namespace kiln

#endif // KILN_PIPELINES_PIPELINES_H
