// SPDX-License-Identifier: Apache-2.0
// kiln-finalize-entry-points: which results alias inputs after bufferization, as Abi.h JSON.
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/JSON.h"

namespace kiln {
#define GEN_PASS_DEF_KILNFINALIZEENTRYPOINTSPASS
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

/// The argument a returned buffer is, looking through casts, as
/// drop-equivalent-buffer-results decides it; -1 for a buffer of its own.
int64_t aliasedArgument(Value v, func::FuncOp func) {
  while (auto cast = v.getDefiningOp<memref::CastOp>())
    v = cast.getSource();
  for (BlockArgument arg : func.getArguments())
    if (v == arg)
      return arg.getArgNumber();
  return -1;
}

/// Erases the results that alias arguments from `func` and from its call sites.
void dropAliasedResults(func::FuncOp func, func::ReturnOp ret, ArrayRef<int64_t> aliases,
                        ModuleOp module) {
  llvm::BitVector erased(aliases.size());
  SmallVector<Value> kept;
  for (auto [i, alias] : llvm::enumerate(aliases)) {
    if (alias >= 0)
      erased.set(i);
    else
      kept.push_back(ret.getOperand(i));
  }
  SmallVector<func::CallOp> calls;
  module.walk([&](func::CallOp call) {
    if (call.getCallee() == func.getSymName())
      calls.push_back(call);
  });
  (void)func.eraseResults(erased);
  ret.getOperandsMutable().assign(kept);
  IRRewriter rewriter(module.getContext());
  for (func::CallOp call : calls) {
    rewriter.setInsertionPoint(call);
    auto newCall = func::CallOp::create(rewriter, call.getLoc(), func, call.getOperands());
    SmallVector<Value> replacements;
    unsigned next = 0;
    for (auto [i, alias] : llvm::enumerate(aliases))
      replacements.push_back(alias >= 0 ? call.getOperand(alias) : newCall.getResult(next++));
    rewriter.replaceOp(call, replacements);
  }
}

struct KilnFinalizeEntryPointsPass
    : kiln::impl::KilnFinalizeEntryPointsPassBase<KilnFinalizeEntryPointsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    json::Array entries;
    bool failedAny = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      auto typeAttr = func->getAttrOfType<TypeAttr>(kiln::kAbiFunctionTypeAttr);
      if (!typeAttr)
        continue;
      auto tensorType = cast<FunctionType>(typeAttr.getValue());
      auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());

      auto donated = func->getAttrOfType<DenseBoolArrayAttr>(kiln::kAbiDonatedAttr);
      auto inits = func->getAttrOfType<ArrayAttr>(kiln::kAbiInitAttr);
      auto data = func->getAttrOfType<ArrayAttr>(kiln::kAbiDataAttr);
      auto classes = func->getAttrOfType<DenseI64ArrayAttr>(kiln::kAbiClassesAttr);
      auto roles = func->getAttrOfType<ArrayAttr>(kiln::kAbiRolesAttr);
      auto candidates = func->getAttrOfType<ArrayAttr>(kiln::kAbiCandidatesAttr);
      json::Array inputs, results;
      SmallVector<int64_t> aliases;
      for (auto [i, t] : llvm::enumerate(tensorType.getInputs())) {
        json::Object spec = tensorSpec(cast<RankedTensorType>(t));
        spec["donated"] = donated && donated[i];
        if (inits && !cast<StringAttr>(inits[i]).getValue().empty())
          spec["init"] = cast<StringAttr>(inits[i]).getValue();
        if (data && !cast<StringAttr>(data[i]).getValue().empty())
          spec["data"] = cast<StringAttr>(data[i]).getValue();
        if (classes && classes[i] > 0)
          spec["classes"] = classes[i];
        if (roles && !cast<StringAttr>(roles[i]).getValue().empty())
          spec["role"] = cast<StringAttr>(roles[i]).getValue();
        if (candidates && !cast<ArrayAttr>(candidates[i]).empty()) {
          json::Array names;
          for (Attribute name : cast<ArrayAttr>(candidates[i]))
            names.push_back(cast<StringAttr>(name).getValue());
          spec["candidates"] = std::move(names);
        }
        inputs.push_back(std::move(spec));
      }
      for (auto [i, t] : llvm::enumerate(tensorType.getResults())) {
        auto rt = cast<RankedTensorType>(t);
        json::Object spec = tensorSpec(rt);
        int64_t alias = aliasedArgument(ret.getOperand(i), func);
        aliases.push_back(alias);
        if (alias < 0 && !rt.hasStaticShape()) {
          func.emitError() << "entry point @" << func.getSymName() << ": result #" << i
                           << " (" << t
                           << ") has a dynamic shape and is not computed in place in an "
                              "input; the runtime cannot allocate it (ABI v"
                           << KILN_ABI_VERSION << ")";
          failedAny = true;
        }
        spec["alias"] = alias;
        results.push_back(std::move(spec));
      }
      entries.push_back(json::Object{
          {"name", func.getSymName()},
          {"symbol", (llvm::Twine(KILN_ABI_ENTRY_PREFIX) + func.getSymName()).str()},
          {"inputs", std::move(inputs)},
          {"results", std::move(results)}});
      dropAliasedResults(func, ret, aliases, module);
    }
    if (failedAny)
      return signalPassFailure();
    json::Value signature = json::Object{{"abi_version", KILN_ABI_VERSION},
                                         {"entry_points", std::move(entries)}};
    std::string text;
    llvm::raw_string_ostream os(text);
    os << signature;
    module->setAttr(kiln::kAbiSignatureAttr, StringAttr::get(&getContext(), text));
  }
};

} // namespace
