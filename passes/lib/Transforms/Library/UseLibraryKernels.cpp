// SPDX-License-Identifier: Apache-2.0
// kiln-use-library-kernels: f32 linalg.matmul on buffers -> kiln_matmul_f32 (oneDNN).
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"

namespace kiln {
#define GEN_PASS_DEF_KILNUSELIBRARYKERNELSPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isContiguousF32Matrix(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getRank() == 2 && type.getElementType().isF32() &&
         type.getLayout().isIdentity();
}

struct KilnUseLibraryKernelsPass
    : kiln::impl::KilnUseLibraryKernelsPassBase<KilnUseLibraryKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::MatmulOp> matmuls;
    module.walk([&](linalg::MatmulOp op) {
      // Plain products only: no transposed/broadcast indexing, no type casts in the body.
      if (op.hasPureBufferSemantics() && !op.hasUserDefinedMaps() &&
          llvm::all_of(op->getOperands(), isContiguousF32Matrix))
        matmuls.push_back(op);
    });
    if (matmuls.empty())
      return;
    MLIRContext *ctx = &getContext();
    auto i64 = IntegerType::get(ctx, 64);
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto type = FunctionType::get(ctx, {i64, i64, i64, ptr, i64, ptr, i64, ptr, i64}, {});
    auto kernel = module.lookupSymbol<func::FuncOp>(KILN_ABI_MATMUL_F32_SYMBOL);
    if (!kernel) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      kernel = func::FuncOp::create(b, module.getLoc(), KILN_ABI_MATMUL_F32_SYMBOL, type);
      kernel.setPrivate();
    }
    for (linalg::MatmulOp op : matmuls) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      auto asI64 = [&](Value index) {
        return arith::IndexCastOp::create(b, loc, i64, index).getResult();
      };
      auto dim = [&](Value m, int64_t d) { return asI64(memref::DimOp::create(b, loc, m, d)); };
      // Identity layouts have offset 0: the aligned pointer is the first element.
      auto base = [&](Value m) {
        Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
        return LLVM::IntToPtrOp::create(b, loc, ptr, asI64(address)).getResult();
      };
      Value a = op.getDpsInputs()[0], w = op.getDpsInputs()[1], c = op.getDpsInits()[0];
      Value m = dim(a, 0), k = dim(a, 1), n = dim(w, 1);
      func::CallOp::create(b, loc, kernel,
                           ValueRange{m, n, k, base(a), k, base(w), n, base(c), n});
      op->erase();
    }
  }
};

} // namespace
