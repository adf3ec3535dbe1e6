// SPDX-License-Identifier: Apache-2.0
// The one place that joins the text frontend, the pipelines, code generation and the
// runtime's file formats (a search's checkpoint for --arch).
#include "kiln/Tools/Driver.h"
#include "kiln/Frontends/Text.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Target/SharedLibrary.h"
#include "kiln/runtime/io/Checkpoint.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;

namespace {

/// Reads the tensors that `module`'s kiln.architecture ops stand for (by name) from the
/// search checkpoint at `path` and attaches them as `kiln.searched_alphas`; kiln-bind-arch
/// checks them against the ops. Only those tensors: a checkpoint also holds every weight.
LogicalResult attachSearchedAlphas(ModuleOp module, const std::string &path) {
  SmallVector<kiln::ArchitectureOp> ops;
  module.walk([&](kiln::ArchitectureOp op) { ops.push_back(op); });
  // Nothing would read the alphas: the program would compile as if --arch were not given.
  if (ops.empty())
    return module.emitError("--arch ")
           << path << ": the program has no kiln.architecture op to bind a search's alphas to";
  Operation *anchor = ops.front().getOperation();
  auto loaded = kiln::rt::loadCheckpoint(path);
  if (!loaded.ok())
    return anchor->emitOpError("cannot read the search's checkpoint: ")
           << std::string(loaded.status().message());
  Builder b(module.getContext());
  SmallVector<NamedAttribute> alphas;
  for (kiln::ArchitectureOp op : ops) {
    StringRef name = op.getTensor();
    if (llvm::any_of(alphas, [&](NamedAttribute a) { return a.getName() == name; }))
      continue;
    for (const auto &[tensorName, tensor] : loaded->tensors) {
      if (tensorName != name)
        continue;
      SmallVector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
      DenseElementsAttr values;
      if (tensor.dtype() == kiln::rt::DType::F32)
        values = DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                                        ArrayRef<float>(tensor.data<float>(), tensor.numel()));
      else if (tensor.dtype() == kiln::rt::DType::F64)
        values = DenseElementsAttr::get(RankedTensorType::get(shape, b.getF64Type()),
                                        ArrayRef<double>(tensor.data<double>(), tensor.numel()));
      else
        return op.emitOpError() << "is " << op.getType() << " but " << path << "'s \"" << name
                                << "\" holds " << llvm::StringRef(kiln::rt::dtypeName(tensor.dtype()))
                                << " (a checkpoint of another search step?)";
      alphas.push_back(b.getNamedAttr(name, values));
    }
  }
  module->setAttr(kiln::KilnDialect::kSearchedAlphasAttrName, b.getDictionaryAttr(alphas));
  return success();
}

} // namespace

bool kiln::compileProgramFile(const std::string &inputPath, const std::string &outputPath,
                              const CompileOptions &options, const std::string &archCheckpoint,
                              int64_t *batch) {
  DialectRegistry registry;
  registerKilnDialects(registry);
  MLIRContext context(registry);
  // A diagnostic names its location in the user's program; the generic form of the op it
  // comes from, mid-pipeline, means nothing to its author.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  kiln::ProgramDiagnostics diagnostics(sourceMgr, context);

  OwningOpRef<ModuleOp> module = loadTextProgram(inputPath, context, sourceMgr);
  if (!module)
    return false;
  if (!archCheckpoint.empty() && failed(attachSearchedAlphas(*module, archCheckpoint)))
    return false;
  if (failed(compileToSharedLibrary(*module, outputPath, options)))
    return false;
  if (batch) {
    auto size = (*module)->getAttrOfType<IntegerAttr>(KilnDialect::kBatchAttrName);
    *batch = size ? size.getInt() : 0;
  }
  return true;
}
