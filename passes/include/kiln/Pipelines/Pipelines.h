// SPDX-License-Identifier: Apache-2.0
// Kiln's named pass pipelines and the registrations every driver shares.
#ifndef KILN_PIPELINES_PIPELINES_H
#define KILN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace kiln {

struct KilnToLLVMOptions : mlir::PassPipelineOptions<KilnToLLVMOptions> {
  Option<bool> exactMath{*this, "exact-math",
                         llvm::cl::desc("IEEE square roots and divisions in update loops "
                                        "(default: refined estimates, within 1e-6 relative)"),
                         llvm::cl::init(false)};
  Option<std::string> searchMethod{
      *this, "search",
      llvm::cl::desc("Expand every kiln.search_step with this method (darts1, darts2, rarts, "
                     "rarts_jacobi) instead of its own")};
  Option<bool> recomputeCandidates{
      *this, "recompute-candidates",
      llvm::cl::desc("Recompute supernet candidates for the alpha gradient instead of keeping "
                     "them from the forward pass (kiln-relax-mixed)"),
      llvm::cl::init(true)};
  Option<std::string> archCheckpoint{
      *this, "arch",
      llvm::cl::desc("A search's checkpoint: bind kiln.architecture to its alphas and "
                     "derive the discrete architecture first")};
};

/// Lowers a kiln program on tensors to the LLVM dialect with Kiln's entry-point ABI:
/// kiln -> linalg -> one-shot bufferization (parameters and state updated in place in the
/// donated input buffers) -> loops -> LLVM dialect + kiln_call_ wrappers and signature.
/// kiln-compile, kiln-run and `kiln-opt --kiln-to-llvm` all use this one definition.
void buildKilnToLLVMPipeline(mlir::OpPassManager &pm, const KilnToLLVMOptions &options = {});

/// Registers the dialects, interfaces and translations that Kiln programs and pipelines use.
void registerKilnDialects(mlir::DialectRegistry &registry);

/// Registers Kiln's passes and named pipelines with the global pass registry (for kiln-opt).
void registerKilnPassesAndPipelines();

} // namespace kiln

#endif // KILN_PIPELINES_PIPELINES_H
