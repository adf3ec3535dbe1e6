// SPDX-License-Identifier: Apache-2.0
// kiln-emit-abi: the symbols of Abi.h, emitted in the LLVM dialect.
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/JSON.h"

namespace kiln {
#define GEN_PASS_DEF_KILNEMITABIPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// kiln_call_<name>(void **args) { _mlir_ciface_<name>(args[0], ..., args[n-1]); }
/// The runtime then needs one calling convention for every entry, whatever its arity.
LogicalResult emitCallWrapper(OpBuilder &b, ModuleOp module, StringRef name,
                              size_t expectedArgs) {
  Location loc = module.getLoc();
  auto target = module.lookupSymbol<LLVM::LLVMFuncOp>(("_mlir_ciface_" + name).str());
  if (!target)
    return module.emitError() << "entry point @" << name << " has no C interface wrapper";
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  LLVM::LLVMFunctionType targetType = target.getFunctionType();
  if (targetType.getNumParams() != expectedArgs ||
      llvm::any_of(targetType.getParams(), [&](Type t) { return t != ptr; }))
    return target.emitError() << "entry point @" << name << " lowered to "
                              << targetType.getNumParams()
                              << " arguments, but its signature describes " << expectedArgs
                              << " descriptors";

  auto voidType = LLVM::LLVMVoidType::get(b.getContext());
  auto fn = LLVM::LLVMFuncOp::create(b, loc, (KILN_ABI_ENTRY_PREFIX + name).str(),
                                     LLVM::LLVMFunctionType::get(voidType, {ptr}));
  Block *body = fn.addEntryBlock(b);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> descriptors;
  for (size_t i = 0; i < expectedArgs; ++i) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    descriptors.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  }
  LLVM::CallOp::create(b, loc, target, descriptors);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

struct KilnEmitAbiPass : kiln::impl::KilnEmitAbiPassBase<KilnEmitAbiPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto signatureAttr = module->getAttrOfType<StringAttr>(kiln::kAbiSignatureAttr);
    if (!signatureAttr) {
      module.emitError() << "missing " << kiln::kAbiSignatureAttr
                         << "; run kiln-finalize-entry-points after bufferization";
      return signalPassFailure();
    }
    llvm::Expected<llvm::json::Value> signature = llvm::json::parse(signatureAttr.getValue());
    if (!signature) {
      module.emitError() << "corrupt " << kiln::kAbiSignatureAttr << ": "
                         << llvm::toString(signature.takeError());
      return signalPassFailure();
    }

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    for (const llvm::json::Value &entry :
         *signature->getAsObject()->getArray("entry_points")) {
      const llvm::json::Object &e = *entry.getAsObject();
      size_t outputs = 0;
      for (const llvm::json::Value &r : *e.getArray("results"))
        outputs += *r.getAsObject()->getInteger("alias") < 0;
      size_t args = e.getArray("inputs")->size() + outputs;
      if (failed(emitCallWrapper(b, module, *e.getString("name"), args)))
        return signalPassFailure();
    }

    // Only the ABI symbols leave the library. A program's own function names (an entry
    // called `step`, say) would otherwise interpose with, or be interposed by, symbols of the
    // host process: glibc exports a `step`.
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
      StringRef name = fn.getName();
      if (!fn.isExternal() && !name.starts_with(KILN_ABI_ENTRY_PREFIX) &&
          !name.starts_with("_mlir_ciface_"))
        fn.setLinkage(LLVM::Linkage::Internal);
    }

    Location loc = module.getLoc();
    auto i32 = b.getI32Type();
    LLVM::GlobalOp::create(b, loc, i32, /*isConstant=*/true, LLVM::Linkage::External,
                           KILN_ABI_VERSION_SYMBOL, b.getI32IntegerAttr(KILN_ABI_VERSION));
    std::string text = signatureAttr.getValue().str();
    text.push_back('\0');
    auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
    LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true, LLVM::Linkage::External,
                           KILN_ABI_SIGNATURE_SYMBOL, b.getStringAttr(text));
  }
};

} // namespace
