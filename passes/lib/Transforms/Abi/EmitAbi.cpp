// SPDX-License-Identifier: Apache-2.0
// kiln-emit-abi: the symbols of Abi.h, emitted in the LLVM dialect, with the signature JSON
// written from the entry points' kiln_rt.entry_point contracts.
#include "EntryPoints.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/JSON.h"

namespace kiln {
#define GEN_PASS_DEF_KILNEMITABIPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace json = llvm::json;

namespace {

std::string dtypeName(Type t) {
  if (t.isF32()) return "f32";
  if (t.isF64()) return "f64";
  if (t.isF16()) return "f16";
  if (t.isBF16()) return "bf16";
  if (t.isInteger(1)) return "i1";
  if (t.isInteger(8)) return "i8";
  if (t.isInteger(32)) return "i32";
  return "i64";
}

json::Object tensorSpec(RankedTensorType t) {
  json::Array shape;
  for (int64_t d : t.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? int64_t(-1) : d);
  return json::Object{{"dtype", dtypeName(t.getElementType())}, {"shape", std::move(shape)}};
}

/// One entry of the signature JSON (Abi.h) from an entry point's contract.
json::Object entrySignature(StringRef name, kiln::krt::EntryPointAttr contract) {
  json::Array inputs, results;
  for (kiln::krt::InputAttr in : contract.getInputs()) {
    json::Object spec = tensorSpec(in.getType());
    if (!in.getName().empty())
      spec["name"] = in.getName();
    spec["donated"] = in.getDonated();
    if (!in.getInit().empty())
      spec["init"] = in.getInit();
    if (in.getData())
      spec["data"] = kiln::stringifyDataField(*in.getData());
    if (in.getClasses() > 0)
      spec["classes"] = in.getClasses();
    if (in.getRole())
      spec["role"] = kiln::krt::stringifyRole(*in.getRole());
    if (in.getCandidates() && !in.getCandidates().empty()) {
      json::Array names;
      for (Attribute candidate : in.getCandidates())
        names.push_back(cast<StringAttr>(candidate).getValue());
      spec["candidates"] = std::move(names);
    }
    if (!in.getDims().empty())
      spec["dims"] = json::Array(in.getDims());
    inputs.push_back(std::move(spec));
  }
  for (kiln::krt::ResultAttr result : contract.getResults()) {
    json::Object spec = tensorSpec(result.getType());
    spec["alias"] = result.getAlias();
    results.push_back(std::move(spec));
  }
  json::Object entry{{"name", name},
                     {"symbol", (llvm::Twine(KILN_ABI_ENTRY_PREFIX) + name).str()},
                     {"inputs", std::move(inputs)},
                     {"results", std::move(results)}};
  if (!contract.getExtents().empty())
    entry["extents"] = json::Array(contract.getExtents());
  return entry;
}

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
    // The entry points, in module order. FuncToLLVM copies the contract onto the
    // _mlir_ciface_ wrapper too; the function of the entry's own name is the one it names.
    SmallVector<std::pair<LLVM::LLVMFuncOp, kiln::krt::EntryPointAttr>> entries;
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      if (kiln::krt::EntryPointAttr contract = kiln::detail::getEntryPoint(fn))
        if (!fn.getName().starts_with("_mlir_ciface_"))
          entries.push_back({fn, contract});

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    json::Array signatures;
    for (auto [fn, contract] : entries) {
      size_t outputs = llvm::count_if(contract.getResults(), [](kiln::krt::ResultAttr r) {
        return r.getAlias() < 0;
      });
      size_t args = contract.getInputs().size() + outputs;
      if (failed(emitCallWrapper(b, module, fn.getName(), args)))
        return signalPassFailure();
      signatures.push_back(entrySignature(fn.getName(), contract));
    }
    // The contracts are consumed: what the runtime needs is in the JSON now.
    for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
      fn->removeAttr(kiln::krt::KilnRTDialect::kEntryPointAttrName);

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
    std::string text;
    llvm::raw_string_ostream os(text);
    // A module compiled for the GPU (kiln-to-nvvm) runs on CUDA device buffers: the runtime
    // must know before it passes any pointer.
    if (device != "cpu" && device != "cuda") {
      module.emitError("kiln-emit-abi: unknown device '") << device << "'";
      return signalPassFailure();
    }
    bool cuda = device == "cuda";
    os << json::Value(json::Object{{"abi_version", KILN_ABI_VERSION},
                                   {"device", cuda ? "cuda" : "cpu"},
                                   {"entry_points", std::move(signatures)}});
    text.push_back('\0');
    auto arrayType = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
    LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true, LLVM::Linkage::External,
                           KILN_ABI_SIGNATURE_SYMBOL, b.getStringAttr(text));
  }
};

} // namespace
