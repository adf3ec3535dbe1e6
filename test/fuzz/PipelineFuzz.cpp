// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the whole of kiln-compile up to LLVM IR, in memory: parse and verify, the
// kiln-to-llvm pipeline, translation to an llvm::Module, and the C header of the signature.
// Code generation and linking are left out: they are LLVM's, and slow.
#include "FuzzInput.h"
#include "ProgramFuzz.h"

#include "kiln/Target/SharedLibrary.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::fuzz::ParsedProgram program(data, size);
  if (!program.module)
    return 0;
  mlir::ModuleOp module = *program.module;
  mlir::PassManager pm(&program.context);
  kiln::buildKilnToLLVMPipeline(pm);
  if (mlir::failed(pm.run(module)))
    return 0;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, llvmContext);
  auto signature = module.lookupSymbol<mlir::LLVM::GlobalOp>(KILN_ABI_SIGNATURE_SYMBOL);
  if (auto text = signature ? llvm::dyn_cast_or_null<mlir::StringAttr>(signature.getValueOrNull())
                            : mlir::StringAttr();
      text && !text.getValue().empty())
    (void)kiln::generateCHeader(text.getValue().drop_back(), "fuzz");
  return 0;
}
