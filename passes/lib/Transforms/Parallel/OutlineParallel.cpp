// SPDX-License-Identifier: Apache-2.0
// kiln-outline-parallel: top-level scf.parallel loops become calls to kiln_parallel_for.
//
// The body is outlined into `void body(i64 begin, i64 end, ptr context)`. Captured values
// travel in a stack struct of their LLVM types; memrefs cross as their descriptors through
// unrealized casts that convert-to-llvm and reconcile-unrealized-casts later dissolve, so
// everything else stays in ordinary scf/memref form until the common LLVM lowering.
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln {
#define GEN_PASS_DEF_KILNOUTLINEPARALLELPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct KilnOutlineParallelPass
    : kiln::impl::KilnOutlineParallelPassBase<KilnOutlineParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    LLVMTypeConverter converter(&getContext());
    SmallVector<std::pair<func::FuncOp, scf::ParallelOp>> loops;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        for (Operation &op : func.getBody().getOps())
          if (auto par = dyn_cast<scf::ParallelOp>(op);
              par && par.getNumLoops() == 1 && par.getNumResults() == 0)
            loops.push_back({func, par});
    if (loops.empty())
      return;

    func::FuncOp runtimeFn = declareRuntimeFunction(module);
    llvm::StringMap<unsigned> counters;
    for (auto [func, par] : loops) {
      std::string name =
          (func.getSymName() + "_parallel" + Twine(counters[func.getSymName()]++)).str();
      if (failed(outline(par, func, name, runtimeFn, converter)))
        return signalPassFailure();
    }
  }

  func::FuncOp declareRuntimeFunction(ModuleOp module) {
    if (auto existing = module.lookupSymbol<func::FuncOp>(KILN_ABI_PARALLEL_FOR_SYMBOL))
      return existing;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto i64 = b.getI64Type();
    auto ptr = LLVM::LLVMPointerType::get(b.getContext());
    auto fn = func::FuncOp::create(b, module.getLoc(), KILN_ABI_PARALLEL_FOR_SYMBOL,
                                   b.getFunctionType({i64, i64, ptr, ptr}, {}));
    fn.setPrivate();
    return fn;
  }

  LogicalResult outline(scf::ParallelOp par, func::FuncOp parent, StringRef name,
                        func::FuncOp runtimeFn, const LLVMTypeConverter &converter) {
    MLIRContext *ctx = &getContext();
    Location loc = par.getLoc();
    auto i64 = IntegerType::get(ctx, 64);
    auto ptr = LLVM::LLVMPointerType::get(ctx);

    // Everything the body needs from outside, plus the loop's lower bound and step.
    // Constants are rematerialized inside instead: LLVM must see a constant step and chunk
    // size to count, and so vectorize, the inner loops.
    llvm::SetVector<Value> used, captured;
    SmallVector<Operation *> constants;
    getUsedValuesDefinedAbove(par.getRegion(), used);
    used.insert(par.getLowerBound()[0]);
    used.insert(par.getStep()[0]);
    for (Value v : used) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>())
        constants.push_back(def);
      else
        captured.insert(v);
    }
    SmallVector<Type> slotTypes;
    for (Value v : captured) {
      Type t = v.getType();
      if (isa<IndexType>(t))
        slotTypes.push_back(i64);
      else if (isa<MemRefType, IntegerType, FloatType>(t))
        slotTypes.push_back(converter.convertType(t));
      else
        return par.emitError() << "cannot pass a value of type " << t
                               << " to a parallel loop body";
    }
    auto contextType = LLVM::LLVMStructType::getLiteral(ctx, slotTypes);

    // The outlined body: for it in [begin, end): iv = lb + it * step; <body>.
    OpBuilder mb(parent);
    mb.setInsertionPointAfter(parent);
    auto bodyType = FunctionType::get(ctx, {i64, i64, ptr}, {});
    auto body = func::FuncOp::create(mb, loc, name, bodyType);
    body.setPrivate();
    Block *entry = body.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    IRMapping mapping;
    for (Operation *constant : constants)
      b.clone(*constant, mapping);
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, contextType, entry->getArgument(2),
                                       ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      Value loaded = LLVM::LoadOp::create(b, loc, slotTypes[i], slot);
      Value local = loaded;
      if (isa<IndexType>(v.getType()))
        local = arith::IndexCastOp::create(b, loc, v.getType(), loaded);
      else if (isa<MemRefType>(v.getType()))
        local = UnrealizedConversionCastOp::create(b, loc, v.getType(), loaded).getResult(0);
      mapping.map(v, local);
    }
    auto toIndex = [&](Value x) {
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), x).getResult();
    };
    Value lb = mapping.lookup(par.getLowerBound()[0]);
    Value step = mapping.lookup(par.getStep()[0]);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    scf::ForOp::create(
        b, loc, toIndex(entry->getArgument(0)), toIndex(entry->getArgument(1)), c1, ValueRange{},
        [&](OpBuilder &nb, Location l, Value it, ValueRange) {
          Value iv = arith::AddIOp::create(nb, l, lb, arith::MulIOp::create(nb, l, it, step));
          mapping.map(par.getInductionVars()[0], iv);
          for (Operation &op : par.getBody()->without_terminator())
            nb.clone(op, mapping);
          scf::YieldOp::create(nb, l);
        });
    func::ReturnOp::create(b, loc);

    // The call site: pack the context, hand the trip count and the body to the runtime.
    OpBuilder cb(par);
    Value trips = arith::CeilDivSIOp::create(
        cb, loc, arith::SubIOp::create(cb, loc, par.getUpperBound()[0], par.getLowerBound()[0]),
        par.getStep()[0]);
    Value one = LLVM::ConstantOp::create(cb, loc, i64, cb.getI64IntegerAttr(1));
    Value context = LLVM::AllocaOp::create(cb, loc, ptr, contextType, one);
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value packed = v;
      if (isa<IndexType>(v.getType()))
        packed = arith::IndexCastOp::create(cb, loc, i64, v);
      else if (isa<MemRefType>(v.getType()))
        packed = UnrealizedConversionCastOp::create(cb, loc, slotTypes[i], v).getResult(0);
      Value slot = LLVM::GEPOp::create(cb, loc, ptr, contextType, context,
                                       ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      LLVM::StoreOp::create(cb, loc, packed, slot);
    }
    Value fnRef = func::ConstantOp::create(cb, loc, bodyType, SymbolRefAttr::get(body));
    Value fnPtr = UnrealizedConversionCastOp::create(cb, loc, ptr, fnRef).getResult(0);
    Value grainValue = arith::ConstantOp::create(cb, loc, cb.getI64IntegerAttr(grain));
    func::CallOp::create(cb, loc, runtimeFn,
                         ValueRange{arith::IndexCastOp::create(cb, loc, i64, trips), grainValue,
                                    fnPtr, context});
    par.erase();
    return success();
  }
};

} // namespace
