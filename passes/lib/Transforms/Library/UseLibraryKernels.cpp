// SPDX-License-Identifier: Apache-2.0
// kiln-use-library-kernels: f32 linalg.matmul on buffers -> kiln_matmul_f32 (oneDNN; with
// device=cuda, kiln_cuda_matmul_f32: cuBLAS), and
// kiln_rt.kernel_call on buffers -> kiln_<kernel>_<f32|f64> (convolution, pooling, FRUGAL,
// ...; with device=cuda, kiln_cuda_<kernel>_<f32|f64>), its parameters packed into the
// kernel's C struct of Abi.h: the one place they are.
#include "kiln/RT/KilnRT.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"

#include "llvm/ADT/SetVector.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_KILNUSELIBRARYKERNELSPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The words of a C struct of int64_t and double fields (doubles as their bit patterns), as
/// the kernels read their `params` argument.
template <typename Struct> SmallVector<int64_t> wordsOf(const Struct &value) {
  static_assert(sizeof(Struct) % sizeof(int64_t) == 0, "kernel parameters are 64-bit words");
  SmallVector<int64_t> words(sizeof(Struct) / sizeof(int64_t));
  std::memcpy(words.data(), &value, sizeof(Struct));
  return words;
}

/// The fields kiln_frugal_config and kiln_frugal_blocks_config share: the rules and their
/// hyperparameters (the enums as Abi.h numbers them, the same as KilnEnums.td).
template <typename Config, typename Attr> void packRules(Config &c, Attr f) {
  c.update_gap = f.getUpdateGap();
  c.state_full = static_cast<int64_t>(f.getStateFull());
  c.state_free = static_cast<int64_t>(f.getStateFree());
  c.lr = f.getLr().convertToDouble();
  c.beta1 = f.getBeta1().convertToDouble();
  c.beta2 = f.getBeta2().convertToDouble();
  c.eps = f.getEps().convertToDouble();
  c.weight_decay = f.getWeightDecay().convertToDouble();
  c.free_lr_scale = f.getFreeLrScale().convertToDouble();
}

/// Abi.h's kiln_window_geometry, kiln_frugal_config, kiln_transport_config,
/// kiln_spectrum_config, kiln_gram_config, kiln_normal_config, kiln_collective_config or
/// kiln_frugal_blocks_config (both followed by the tensors' sizes) of a kernel call's
/// parameter attribute.
SmallVector<int64_t> packParams(Attribute params) {
  using namespace kiln::krt;
  if (auto g = dyn_cast<WindowAttr>(params)) {
    kiln_window_geometry c{g.getN(),  g.getC(),  g.getH(),  g.getW(),  g.getO(),  g.getKh(),
                           g.getKw(), g.getOh(), g.getOw(), g.getSh(), g.getSw(), g.getPh(),
                           g.getPw(), g.getDh(), g.getDw(), g.getGroups()};
    static_assert(sizeof(c) == KILN_ABI_WINDOW_GEOMETRY_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto f = dyn_cast<FrugalAttr>(params)) {
    kiln_frugal_config c{};
    c.rows = f.getRows();
    c.cols = f.getCols();
    c.projection = static_cast<int64_t>(f.getProjection());
    c.k = f.getK();
    packRules(c, f);
    static_assert(sizeof(c) == KILN_ABI_FRUGAL_CONFIG_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto t = dyn_cast<TransportAttr>(params)) {
    kiln_transport_config c{};
    c.n = t.getN();
    c.m = t.getM();
    c.d = t.getD();
    c.cost = static_cast<int64_t>(t.getCost());
    c.epsilon_mode = static_cast<int64_t>(t.getEpsilonMode());
    c.max_iterations = t.getMaxIterations();
    c.inner_iterations = t.getInnerIterations();
    c.materialize_limit = -1;
    c.gradients = t.getGradients();
    c.epsilon = t.getEpsilon().convertToDouble();
    c.threshold = t.getThreshold().convertToDouble();
    static_assert(sizeof(c) == KILN_ABI_TRANSPORT_CONFIG_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto g = dyn_cast<GramAttr>(params)) {
    kiln_gram_config c{g.getRows(), g.getCols(), g.getInputF64()};
    static_assert(sizeof(c) == KILN_ABI_GRAM_CONFIG_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto n = dyn_cast<NormalAttr>(params)) {
    kiln_normal_config c{n.getCount(), n.getKeyOffset(), n.getMean().convertToDouble(),
                         n.getStddev().convertToDouble()};
    static_assert(sizeof(c) == KILN_ABI_NORMAL_CONFIG_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto s = dyn_cast<SpectrumAttr>(params)) {
    kiln_spectrum_config c{s.getM()};
    static_assert(sizeof(c) == KILN_ABI_SPECTRUM_CONFIG_FIELDS * sizeof(int64_t));
    return wordsOf(c);
  }
  if (auto k = dyn_cast<CollectiveAttr>(params)) {
    kiln_collective_config c{int64_t(k.getSizes().size()), static_cast<int64_t>(k.getReduction()),
                             k.getRoot(), k.getRanks()};
    static_assert(sizeof(c) == KILN_ABI_COLLECTIVE_CONFIG_FIELDS * sizeof(int64_t));
    SmallVector<int64_t> words = wordsOf(c);
    llvm::append_range(words, k.getSizes());
    return words;
  }
  if (auto k = dyn_cast<CompressionAttr>(params)) {
    // The runtime numbers its error controls without "none" and "mean" (Compression.h).
    int64_t control = static_cast<int64_t>(k.getMethod()) -
                      static_cast<int64_t>(kiln::GradientExchange::Compressed);
    kiln_compression_config c{int64_t(k.getSizes().size()), control,
                              static_cast<int64_t>(k.getCompressor()), k.getK(), k.getKey(),
                              k.getEta().convertToDouble()};
    static_assert(sizeof(c) == KILN_ABI_COMPRESSION_CONFIG_FIELDS * sizeof(int64_t));
    SmallVector<int64_t> words = wordsOf(c);
    llvm::append_range(words, k.getSizes());
    return words;
  }
  auto f = cast<FrugalBlocksAttr>(params);
  kiln_frugal_blocks_config c{};
  c.tensors = f.getSizes().size();
  c.k = f.getK();
  c.order = static_cast<int64_t>(f.getOrder());
  c.pool = f.getPool();
  packRules(c, f);
  static_assert(sizeof(c) == KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS * sizeof(int64_t));
  SmallVector<int64_t> words = wordsOf(c);
  llvm::append_range(words, f.getSizes());
  return words;
}

bool isContiguousF32Matrix(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getRank() == 2 && type.getElementType().isF32() &&
         type.getLayout().isIdentity();
}

struct KilnUseLibraryKernelsPass
    : kiln::impl::KilnUseLibraryKernelsPassBase<KilnUseLibraryKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (device != "cpu" && device != "cuda") {
      getOperation().emitError("kiln-use-library-kernels: unknown device '") << device << "'";
      return signalPassFailure();
    }
    replaceMatmuls();
    if (failed(replaceKernelCalls()))
      signalPassFailure();
  }

  /// The function declaration `name` with `type`, added once.
  static func::FuncOp declare(ModuleOp module, StringRef name, FunctionType type) {
    auto fn = module.lookupSymbol<func::FuncOp>(name);
    if (!fn) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      fn = func::FuncOp::create(b, module.getLoc(), name, type);
      fn.setPrivate();
    }
    return fn;
  }

  /// The first element's address of a buffer with an identity layout (offset 0).
  static Value basePointer(OpBuilder &b, Location loc, Value memref) {
    auto i64 = b.getI64Type();
    Value address = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    return LLVM::IntToPtrOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                                    arith::IndexCastOp::create(b, loc, i64, address).getResult());
  }

  /// Each kernel's parameters become one constant global, shared by the calls that use it.
  memref::GlobalOp paramsGlobal(ModuleOp module, ArrayRef<int64_t> fields) {
    auto type = MemRefType::get({int64_t(fields.size())}, IntegerType::get(&getContext(), 64));
    auto value = DenseElementsAttr::get(
        RankedTensorType::get(type.getShape(), type.getElementType()), fields);
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant() && global.getInitialValue() == value)
        return global;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    std::string name = "__kiln_params_" + std::to_string(paramsCount++);
    return memref::GlobalOp::create(b, module.getLoc(), name, b.getStringAttr("private"), type,
                                    value, /*constant=*/true, /*alignment=*/nullptr);
  }

  /// A constant host array of i64 in an LLVM global (shared by equal arrays), and its
  /// address: kiln-map-to-gpu keeps LLVM-dialect values on the host.
  Value hostWords(OpBuilder &b, Location loc, ArrayRef<int64_t> words) {
    ModuleOp module = getOperation();
    auto i64 = b.getI64Type();
    auto type = LLVM::LLVMArrayType::get(i64, words.size());
    auto value = DenseElementsAttr::get(RankedTensorType::get({int64_t(words.size())}, i64), words);
    LLVM::GlobalOp global;
    for (auto g : module.getOps<LLVM::GlobalOp>())
      if (g.getConstant() && g.getValueAttr() == value)
        global = g;
    if (!global) {
      OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
      global = LLVM::GlobalOp::create(top, loc, type, /*isConstant=*/true,
                                      LLVM::Linkage::Private,
                                      "__kiln_words_" + std::to_string(paramsCount++), value);
    }
    return LLVM::AddressOfOp::create(b, loc, global);
  }

  LogicalResult replaceKernelCalls() {
    ModuleOp module = getOperation();
    SmallVector<kiln::krt::KernelCallOp> calls;
    module.walk([&](kiln::krt::KernelCallOp op) { calls.push_back(op); });
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    const bool cuda = device == "cuda";
    auto type = cuda ? FunctionType::get(ctx, {ptr, ptr, ptr}, {})
                     : FunctionType::get(ctx, {ptr, ptr}, {});
    using kiln::krt::Kernel;
    for (kiln::krt::KernelCallOp op : calls) {
      if (op.getNumResults() != 0)
        return op.emitOpError("must be bufferized before kiln-use-library-kernels");
      std::string symbol = op.getSymbolName();
      if (cuda)
        symbol = KILN_ABI_CUDA_KERNEL_PREFIX + symbol.substr(std::strlen("kiln_"));
      func::FuncOp kernel = declare(module, symbol, type);
      OpBuilder b(op);
      Location loc = op.getLoc();
      // Kernels take dense row-major arrays: a strided view is staged through a copy.
      SmallVector<std::pair<Value, Value>> staged; // (original, dense copy)
      auto dense = [&](Value m, bool copyIn) -> Value {
        auto t = cast<MemRefType>(m.getType());
        if (t.getLayout().isIdentity())
          return m;
        Value copy = memref::AllocOp::create(
            b, loc, MemRefType::get(t.getShape(), t.getElementType()));
        if (copyIn)
          memref::CopyOp::create(b, loc, m, copy);
        staged.push_back({m, copy});
        return copy;
      };
      SmallVector<Value> buffers;
      for (Value in : op.getInputs())
        buffers.push_back(dense(in, /*copyIn=*/true));
      size_t stagedInputs = staged.size();
      for (Value out : op.getOutputs())
        buffers.push_back(dense(out, /*copyIn=*/op.readsOutputs()));
      auto address = [&](Value m) {
        Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
        return arith::IndexCastOp::create(b, loc, i64, index).getResult();
      };
      if (cuda) {
        // Host arrays as LLVM values: the buffers' device addresses on the stack, the
        // parameters and the layout in constant globals.
        SmallVector<int64_t> layout{int64_t(buffers.size()), int64_t(op.getInputs().size())};
        for (Value m : buffers) {
          auto t = cast<MemRefType>(m.getType()); // static: the op's verifier says so
          layout.push_back(t.getNumElements() * t.getElementTypeBitWidth() / 8);
        }
        // In the entry block, so that a call inside a loop reuses one stack slot.
        OpBuilder entry(&op->getParentOfType<FunctionOpInterface>().getFunctionBody().front(),
                        op->getParentOfType<FunctionOpInterface>().getFunctionBody().front().begin());
        Value count = arith::ConstantIntOp::create(entry, loc, i64, buffers.size());
        Value array = LLVM::AllocaOp::create(entry, loc, ptr, i64, count);
        for (auto [i, m] : llvm::enumerate(buffers)) {
          Value slot = LLVM::GEPOp::create(b, loc, ptr, i64, array,
                                           ArrayRef<LLVM::GEPArg>{int32_t(i)});
          LLVM::StoreOp::create(b, loc, address(m), slot);
        }
        func::CallOp::create(b, loc, kernel,
                             ValueRange{hostWords(b, loc, packParams(op.getParams())), array,
                                        hostWords(b, loc, layout)});
      } else {
        memref::GlobalOp global = paramsGlobal(module, packParams(op.getParams()));
        Value params =
            memref::GetGlobalOp::create(b, loc, global.getType(), global.getSymName());
        // The buffer addresses go in a stack array: inputs, then outputs.
        Value array = memref::AllocaOp::create(
            b, loc, MemRefType::get({int64_t(buffers.size())}, i64));
        for (auto [i, m] : llvm::enumerate(buffers))
          memref::StoreOp::create(b, loc, address(m), array,
                                  ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
        func::CallOp::create(b, loc, kernel,
                             ValueRange{basePointer(b, loc, params), basePointer(b, loc, array)});
      }
      for (auto [i, pair] : llvm::enumerate(staged)) {
        if (i >= stagedInputs)
          memref::CopyOp::create(b, loc, pair.second, pair.first);
        memref::DeallocOp::create(b, loc, pair.second);
      }
      op->erase();
    }
    return success();
  }

  int paramsCount = 0;

  /// The linalg.fill of 0 into `c` that `op` follows with only pure ops between them (index
  /// arithmetic, address and size queries), or null.
  static linalg::FillOp zeroFillBefore(Operation *op, Value c) {
    for (Operation *prev = op->getPrevNode(); prev; prev = prev->getPrevNode()) {
      if (auto fill = dyn_cast<linalg::FillOp>(prev); fill && fill.getOutputs()[0] == c) {
        auto zero = fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
        auto value = zero ? dyn_cast<FloatAttr>(zero.getValue()) : FloatAttr();
        return value && value.getValue().isZero() ? fill : linalg::FillOp();
      }
      if (!isPure(prev) || prev->getNumRegions() != 0)
        return {};
    }
    return {};
  }

  /// The memref a buffer is a view of, through any chain of views.
  static Value viewBase(Value v) {
    while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
      v = view.getViewSource();
    return v;
  }

  /// Whether an op strictly between `from` and `to` (one block) may write `buffer`: one
  /// with unknown effects may; a write to another allocation or another argument may not.
  static bool writtenBetween(Operation *from, Operation *to, Value buffer) {
    Value base = viewBase(buffer);
    for (Operation *op = from->getNextNode(); op && op != to; op = op->getNextNode()) {
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects) {
        if (op->getNumRegions() != 0 || !isPure(op))
          return true;
        continue;
      }
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &e : instances) {
        if (!isa<MemoryEffects::Write>(e.getEffect()))
          continue;
        Value written = e.getValue();
        if (!written || viewBase(written) == base)
          return true;
        Value other = viewBase(written);
        bool distinct = (isa<BlockArgument>(other) && isa<BlockArgument>(base)) ||
                        other.getDefiningOp<memref::AllocOp>() ||
                        base.getDefiningOp<memref::AllocOp>();
        if (!distinct)
          return true;
      }
    }
    return false;
  }

  /// The linalg.transpose ([1, 0]) that wrote `operand`, a temporary that only it writes
  /// and only `products` read, when `op` can read the transpose's source instead (nothing
  /// between them writes it); null otherwise. cuBLAS then reads the source transposed.
  static linalg::TransposeOp foldableTranspose(linalg::MatmulOp op, Value operand,
                                               const DenseSet<Operation *> &products) {
    auto alloc = operand.getDefiningOp<memref::AllocOp>();
    if (!alloc || alloc->getBlock() != op->getBlock())
      return {};
    linalg::TransposeOp transpose;
    for (Operation *user : alloc->getUsers()) {
      if (auto t = dyn_cast<linalg::TransposeOp>(user);
          t && t.getInit() == operand && !transpose) {
        transpose = t;
        continue;
      }
      if (isa<memref::DeallocOp>(user) ||
          (products.contains(user) && cast<linalg::MatmulOp>(user).getDpsInits()[0] != operand))
        continue;
      return {};
    }
    if (!transpose || transpose->getBlock() != op->getBlock() ||
        !transpose->isBeforeInBlock(op) || transpose.getPermutation() != ArrayRef<int64_t>{1, 0} ||
        !isContiguousF32Matrix(transpose.getInput()) ||
        writtenBetween(transpose, op, transpose.getInput()))
      return {};
    return transpose;
  }

  void replaceMatmuls() {
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
    const bool cuda = device == "cuda";
    SmallVector<Type> arguments{i64, i64, i64, ptr, i64, ptr, i64, ptr, i64};
    // The CUDA backend's product takes device pointers, whether to add to C, and whether A
    // and B are stored transposed.
    if (cuda)
      arguments.append({i64, i64, i64});
    // On the GPU a product whose operand is a transposed copy reads the original instead
    // (cuBLAS's op = T): the copy would be a launch and a pass over the matrix. Decided
    // before any product becomes a call, whose effects are unknown.
    DenseSet<Operation *> products;
    for (linalg::MatmulOp op : matmuls)
      products.insert(op);
    DenseMap<Operation *, std::pair<linalg::TransposeOp, linalg::TransposeOp>> transposed;
    if (cuda)
      for (linalg::MatmulOp op : matmuls)
        transposed[op] = {foldableTranspose(op, op.getDpsInputs()[0], products),
                          foldableTranspose(op, op.getDpsInputs()[1], products)};
    func::FuncOp kernel =
        declare(module, cuda ? KILN_ABI_CUDA_MATMUL_F32_SYMBOL : KILN_ABI_MATMUL_F32_SYMBOL,
                FunctionType::get(ctx, arguments, {}));
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
      auto [transposedA, transposedB] = transposed.lookup(op);
      // A stored transposed is its source [k, m] (row length m); B's is [n, k].
      Value m = transposedA ? dim(transposedA.getInput(), 1) : dim(a, 0);
      Value k = transposedA ? dim(transposedA.getInput(), 0) : dim(a, 1);
      Value n = transposedB ? dim(transposedB.getInput(), 0) : dim(w, 1);
      SmallVector<Value> args{m,
                              n,
                              k,
                              base(transposedA ? transposedA.getInput() : a),
                              transposedA ? m : k,
                              base(transposedB ? transposedB.getInput() : w),
                              transposedB ? k : n,
                              base(c),
                              n};
      if (cuda) {
        // A zero fill of C just before the product becomes cuBLAS's beta = 0: on the GPU
        // the fill would be a launch of its own.
        linalg::FillOp fill = zeroFillBefore(op, c);
        args.push_back(arith::ConstantIntOp::create(b, loc, i64, fill ? 0 : 1));
        args.push_back(arith::ConstantIntOp::create(b, loc, i64, transposedA ? 1 : 0));
        args.push_back(arith::ConstantIntOp::create(b, loc, i64, transposedB ? 1 : 0));
        if (fill)
          fill->erase();
      }
      func::CallOp::create(b, loc, kernel, args);
      op->erase();
    }
    // Transposed copies no product reads any more go, with their buffers.
    llvm::SetVector<Operation *> folded;
    for (auto &entry : transposed)
      for (linalg::TransposeOp t : {entry.second.first, entry.second.second})
        if (t)
          folded.insert(t);
    for (Operation *op : folded) {
      Value copy = cast<linalg::TransposeOp>(op).getInit();
      if (!llvm::all_of(copy.getUsers(), [&](Operation *u) {
            return u == op || isa<memref::DeallocOp>(u);
          }))
        continue;
      for (Operation *u : llvm::make_early_inc_range(copy.getUsers()))
        u->erase();
      copy.getDefiningOp()->erase();
    }
  }
};

} // namespace
