// SPDX-License-Identifier: Apache-2.0
// kiln-map-to-gpu: a bufferized step whose buffers live on the GPU. Every op that touches
// memory runs in a gpu.launch; the host keeps what only shapes descriptors (allocation,
// views, index arithmetic) and the order of launches.
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_KILNMAPTOGPUPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Ops that run on the host: they compute descriptors and indices from host values, or
/// manage buffers, and never read or write a buffer's contents.
bool isHostOp(Operation *op, const DenseSet<Value> &hostValues) {
  if (auto call = dyn_cast<func::CallOp>(op); call && call.getCallee().starts_with("kiln_cuda_"))
    return true;
  if (isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp, memref::CopyOp,
          memref::GetGlobalOp, memref::DimOp, memref::ExtractAlignedPointerAsIndexOp,
          memref::ExtractStridedMetadataOp, func::ReturnOp, arith::ConstantOp>(op))
    return true;
  if (op->getDialect() && isa<gpu::GPUDialect>(op->getDialect()))
    return true;
  // kiln-use-library-kernels stages a library call's host arrays in LLVM-dialect ops.
  if (isa<LLVM::AllocaOp, LLVM::StoreOp, LLVM::GEPOp, LLVM::AddressOfOp>(op))
    return true;
  if (isa<ViewLikeOpInterface>(op) && isa<MemRefType>(op->getResult(0).getType()))
    return true;
  return isPure(op) && op->getNumRegions() == 0 &&
         llvm::all_of(op->getOperands(), [&](Value v) { return hostValues.contains(v); });
}

/// Loads of a constant rank-0 global become the constant; any other global is copied to
/// the device where it is taken (a constant table), and freed before the function returns.
LogicalResult placeGlobals(func::FuncOp func, SmallVectorImpl<Value> &toFree) {
  auto module = func->getParentOfType<ModuleOp>();
  SmallVector<memref::GetGlobalOp> gets;
  func.walk([&](memref::GetGlobalOp op) { gets.push_back(op); });
  for (memref::GetGlobalOp get : gets) {
    auto global = module.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
    auto init = global ? dyn_cast_or_null<DenseElementsAttr>(global.getConstantInitValue())
                       : DenseElementsAttr();
    for (OpOperand &use : llvm::make_early_inc_range(get->getUses())) {
      auto load = dyn_cast<memref::LoadOp>(use.getOwner());
      if (!load || !init || !init.isSplat())
        continue;
      OpBuilder b(load);
      Value c = arith::ConstantOp::create(b, load.getLoc(),
                                          cast<TypedAttr>(init.getSplatValue<Attribute>()));
      load.replaceAllUsesWith(c);
      load.erase();
    }
    if (get->use_empty()) {
      get.erase();
      continue;
    }
    if (get->getParentOp() != func)
      return get.emitError("kiln-map-to-gpu: a global used inside a loop or branch has no "
                           "device copy; only function-level uses are supported");
    auto type = cast<MemRefType>(get.getType());
    if (!type.getLayout().isIdentity())
      return get.emitError("kiln-map-to-gpu: a global with a non-identity layout");
    OpBuilder b(get->getNextNode());
    auto alloc = gpu::AllocOp::create(b, get.getLoc(), type, Type(), ValueRange{}, ValueRange{},
                                      ValueRange{});
    get.getResult().replaceAllUsesWith(alloc.getMemref());
    gpu::MemcpyOp::create(b, get.getLoc(), TypeRange{}, ValueRange{}, alloc.getMemref(),
                          get.getResult());
    toFree.push_back(alloc.getMemref());
  }
  return success();
}

/// A 1-D, all-parallel, identity-indexed generic on contiguous slices: kiln-fuse-horizontal's
/// per-chunk slice of one update.
bool isSliceUpdate(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() != 1 || op.getNumReductionLoops() != 0)
    return false;
  if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) { return m.isIdentity(); }))
    return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    int64_t offset;
    SmallVector<int64_t> strides;
    if (!type || failed(type.getStridesAndOffset(strides, offset)) || strides[0] != 1 ||
        !type.getElementType().isIntOrFloat())
      return false;
  }
  return !op.getBody()->walk([](linalg::IndexOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
}

/// Whether every op of the generic's body has a vector form (element-wise arith and math)
/// and every operand whole bytes per element (an i1 buffer has no 16-byte vector of 4).
bool isVectorizable(linalg::GenericOp op) {
  for (Value v : op->getOperands())
    if (cast<MemRefType>(v.getType()).getElementTypeBitWidth() % 8 != 0)
      return false;
  for (Operation &inner : op.getBody()->without_terminator()) {
    if (inner.getNumRegions() || !OpTrait::hasElementwiseMappableTraits(&inner))
      return false;
    if (!llvm::all_of(inner.getResultTypes(), [](Type t) { return t.isIntOrFloat(); }))
      return false;
  }
  return true;
}

/// One thread's part of a slice update of `len` elements: `width` consecutive elements from
/// `width * thread` (and every `width * threads` after, for a slice longer than a block
/// covers), as vector loads and stores when the slice starts on a vector boundary (16
/// bytes), element by element otherwise and for the tail.
void emitThreadSlice(OpBuilder &outer, linalg::GenericOp op, Value thread, int64_t threads,
                     int64_t width) {
  Location loc = op.getLoc();
  Block *body = op.getBody();
  Value len = memref::DimOp::create(outer, loc, op->getOperand(0), 0);
  Value one = cIndex(outer, loc, 1);
  Value start = arith::MulIOp::create(outer, loc, thread, cIndex(outer, loc, width));
  auto strided = scf::ForOp::create(outer, loc, start, len, cIndex(outer, loc, threads * width));
  OpBuilder b = OpBuilder::atBlockBegin(strided.getBody());
  Value first = strided.getInductionVar();

  auto scalarRange = [&](OpBuilder &sb, Location l, Value lo, Value hi) {
    scf::ForOp::create(sb, l, lo, hi, one, ValueRange{},
                       [&](OpBuilder &lb, Location ll, Value i, ValueRange) {
                         IRMapping map;
                         for (auto [arg, operand] : llvm::zip(body->getArguments(), op->getOperands()))
                           if (!arg.use_empty()) // an output overwritten whole is not read
                             map.map(arg, memref::LoadOp::create(lb, ll, operand, ValueRange{i}));
                         for (Operation &inner : body->without_terminator())
                           lb.clone(inner, map);
                         for (auto [y, out] : llvm::zip(body->getTerminator()->getOperands(),
                                                        op.getDpsInits()))
                           memref::StoreOp::create(lb, ll, map.lookupOrDefault(y), out,
                                                   ValueRange{i});
                         scf::YieldOp::create(lb, ll);
                       });
  };

  if (width == 1 || !isVectorizable(op)) {
    Value end = arith::MinUIOp::create(b, loc, arith::AddIOp::create(b, loc, first, cIndex(b, loc, width)), len);
    scalarRange(b, loc, first, end);
    return;
  }

  // A full vector, from a 16-byte aligned address in every operand?
  Value full = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                     arith::AddIOp::create(b, loc, first, cIndex(b, loc, width)), len);
  Value aligned = full;
  for (Value v : op->getOperands()) {
    auto type = cast<MemRefType>(v.getType());
    int64_t bytes = width * type.getElementTypeBitWidth() / 8;
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, v);
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, v);
    Value elementBytes = cIndex(b, loc, type.getElementTypeBitWidth() / 8);
    Value at = arith::AddIOp::create(
        b, loc, base,
        arith::MulIOp::create(b, loc, arith::AddIOp::create(b, loc, meta.getOffset(), first),
                              elementBytes));
    Value rem = arith::RemUIOp::create(b, loc, at, cIndex(b, loc, bytes));
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem, cIndex(b, loc, 0));
    aligned = arith::AndIOp::create(b, loc, aligned, ok);
  }
  scf::IfOp::create(
      b, loc, aligned,
      [&](OpBuilder &vb, Location l) {
        IRMapping map;
        for (auto [arg, operand] : llvm::zip(body->getArguments(), op->getOperands())) {
          if (arg.use_empty())
            continue;
          auto vt = VectorType::get({width}, arg.getType());
          int64_t bytes = width * cast<MemRefType>(operand.getType()).getElementTypeBitWidth() / 8;
          map.map(arg, vector::LoadOp::create(vb, l, vt, operand, ValueRange{first},
                                              /*nontemporal=*/false, llvm::MaybeAlign(bytes)));
        }
        // Values from outside the body (step sizes, bias corrections) are broadcast.
        auto vectorOf = [&](Value v) -> Value {
          if (Value mapped = map.lookupOrNull(v))
            return mapped;
          auto vt = VectorType::get({width}, v.getType());
          Value splat = vector::BroadcastOp::create(vb, l, vt, v);
          map.map(v, splat);
          return splat;
        };
        // Element-wise ops take the same attributes on vectors: clone, then retype.
        for (Operation &inner : body->without_terminator()) {
          for (Value v : inner.getOperands())
            vectorOf(v);
          Operation *vectorOp = vb.clone(inner, map);
          for (Value r : vectorOp->getResults())
            r.setType(VectorType::get({width}, r.getType()));
        }
        for (auto [y, out] : llvm::zip(body->getTerminator()->getOperands(), op.getDpsInits())) {
          int64_t bytes = width * cast<MemRefType>(out.getType()).getElementTypeBitWidth() / 8;
          vector::StoreOp::create(vb, l, vectorOf(y), out, ValueRange{first},
                                  /*nontemporal=*/false, llvm::MaybeAlign(bytes));
        }
        scf::YieldOp::create(vb, l);
      },
      [&](OpBuilder &sb, Location l) {
        Value end = arith::MinUIOp::create(sb, l, arith::AddIOp::create(sb, l, first, cIndex(sb, l, width)), len);
        scalarRange(sb, l, first, end);
        scf::YieldOp::create(sb, l);
      });
}

/// Creates an empty gpu.launch of `blocks` x `threads` before `at`; its body ends in
/// gpu.terminator, and the builder is left before it.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, Value blocks, Value threads) {
  Value one = cIndex(b, loc, 1);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  auto terminator = gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(terminator);
  return launch;
}

/// A sum of a whole iteration space into a rank-0 accumulator, `acc = acc + term(x...)`,
/// with every input indexed by the identity on contiguous buffers. Returns the combining
/// addf, or null.
arith::AddFOp fullSumCombiner(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      op.getNumParallelLoops() != 0)
    return {};
  auto acc = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!acc || acc.getRank() != 0 || !isa<FloatType>(acc.getElementType()))
    return {};
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!type || !type.getLayout().isIdentity() || !op.getMatchingIndexingMap(in).isIdentity())
      return {};
  }
  Block *body = op.getBody();
  if (op.getNumDpsInputs() == 0)
    return {};
  BlockArgument accArg = body->getArgument(op.getNumDpsInputs());
  auto add = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !accArg.hasOneUse() || (add.getLhs() != accArg && add.getRhs() != accArg))
    return {};
  if (op.getBody()->walk([](linalg::IndexOp) { return WalkResult::interrupt(); }).wasInterrupted())
    return {};
  return add;
}

/// kiln-fuse-horizontal's chunk loop: a block per chunk, whose threads share the chunk's
/// slice of each update `width` elements each. Applies only when nothing else in the loop
/// touches memory, since every thread runs the loop's other ops.
bool isChunkLoop(scf::ParallelOp loop) {
  if (loop.getNumLoops() != 1 || loop.getNumResults() != 0)
    return false;
  bool sawSlice = false;
  WalkResult r = loop.getBody()->walk([&](Operation *op) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      if (!isSliceUpdate(generic))
        return WalkResult::interrupt();
      sawSlice = true;
      return WalkResult::skip();
    }
    // Every thread runs these: control flow, pure ops, and reads (a reloaded scalar).
    if (isa<scf::IfOp, scf::YieldOp, scf::ReduceOp, memref::LoadOp>(op) || isPure(op))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return sawSlice && !r.wasInterrupted();
}

/// A loop the host runs, launching device work in each iteration: an scf.for without
/// results whose body calls the runtime (a library kernel), manages buffers or holds loop
/// nests of its own (kiln.ntk's loop over output rows). Its body is mapped like a function
/// body. Other scf.for loops (scalar recurrences) run inside a launch.
bool isHostLoop(Operation *op) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0)
    return false;
  return loop.getBody()
      ->walk([](Operation *inner) {
        auto call = dyn_cast<func::CallOp>(inner);
        if ((call && call.getCallee().starts_with("kiln_cuda_")) ||
            isa<memref::AllocOp, memref::DeallocOp, memref::CopyOp, linalg::LinalgOp>(inner))
          return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether `index` is `iv`, directly or through an identity affine.apply (as
/// linalgOpToParallelLoops writes its indices).
bool isIndex(Value index, Value iv) {
  if (index == iv)
    return true;
  auto apply = index.getDefiningOp<affine::AffineApplyOp>();
  return apply && apply.getAffineMap().isIdentity() && apply.getMapOperands().size() == 1 &&
         apply.getMapOperands()[0] == iv;
}

/// Whether every access to `buffer` inside `loop` is at exactly the loop's point
/// (buffer[iv0, iv1, ...]): each thread of its launch then owns its own element.
bool accessesOnlyOwnPoint(scf::ParallelOp loop, Value buffer) {
  auto ivs = loop.getInductionVars();
  auto own = [&](ValueRange indices) {
    if (indices.size() != ivs.size())
      return false;
    for (auto [index, iv] : llvm::zip(indices, ivs))
      if (!isIndex(index, iv))
        return false;
    return true;
  };
  WalkResult r = loop.getBody()->walk([&](Operation *op) {
    if (!llvm::is_contained(op->getOperands(), buffer))
      return WalkResult::advance();
    if (auto load = dyn_cast<memref::LoadOp>(op); load && own(load.getIndices()))
      return WalkResult::advance();
    if (auto store = dyn_cast<memref::StoreOp>(op);
        store && store.getMemRef() == buffer && own(store.getIndices()))
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return !r.wasInterrupted();
}

/// A fill as parallel loops: one store of a value defined outside, at the loop's point.
memref::StoreOp fillStore(scf::ParallelOp loop) {
  Block *body = loop.getBody();
  if (body->getOperations().size() > 8)
    return {};
  memref::StoreOp store;
  for (Operation &op : body->without_terminator()) {
    if (auto s = dyn_cast<memref::StoreOp>(op)) {
      if (store)
        return {};
      store = s;
    } else if (!isa<affine::AffineApplyOp>(op) &&
               !(isa<memref::LoadOp>(op) && op.use_empty())) {
      return {}; // (linalgOpToParallelLoops loads the fill's unused output element too)
    }
  }
  if (!store || loop->isAncestor(store.getValueToStore().getParentBlock()->getParentOp()) ||
      !accessesOnlyOwnPoint(loop, store.getMemRef()))
    return {};
  return store;
}

bool sameBounds(scf::ParallelOp a, scf::ParallelOp b) {
  auto same = [](ValueRange x, ValueRange y) {
    if (x.size() != y.size())
      return false;
    for (auto [u, v] : llvm::zip(x, y)) {
      std::optional<int64_t> cu = getConstantIntValue(u), cv = getConstantIntValue(v);
      if (u != v && (!cu || !cv || *cu != *cv))
        return false;
    }
    return true;
  };
  return same(a.getLowerBound(), b.getLowerBound()) &&
         same(a.getUpperBound(), b.getUpperBound()) && same(a.getStep(), b.getStep());
}

/// A fill followed by a reduction into the same buffer over the same points (a row max
/// initialised to -inf, a column sum to 0): each thread of the reduction stores the
/// initial value itself before it reduces, and the fill's launch goes.
void foldFillsIntoReductions(Block &block) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    auto fill = dyn_cast<scf::ParallelOp>(op);
    memref::StoreOp store = fill ? fillStore(fill) : memref::StoreOp();
    if (!store)
      continue;
    Operation *next = fill->getNextNode();
    while (next && isPure(next) && next->getNumRegions() == 0)
      next = next->getNextNode();
    auto reduce = dyn_cast_or_null<scf::ParallelOp>(next);
    Value buffer = store.getMemRef();
    if (!reduce || !sameBounds(fill, reduce) || !accessesOnlyOwnPoint(reduce, buffer))
      continue;
    bool usesBuffer = false;
    reduce.getBody()->walk([&](Operation *inner) {
      usesBuffer |= llvm::is_contained(inner->getOperands(), buffer);
    });
    if (!usesBuffer)
      continue;
    OpBuilder b = OpBuilder::atBlockBegin(reduce.getBody());
    memref::StoreOp::create(b, store.getLoc(), store.getValueToStore(), buffer,
                            reduce.getInductionVars());
    fill->erase();
  }
}

/// The function's entry block, then the bodies of its host loops, outer before inner.
SmallVector<Block *> hostBlocks(func::FuncOp func) {
  SmallVector<Block *> blocks{&func.getBody().front()};
  for (size_t i = 0; i < blocks.size(); ++i)
    for (Operation &op : *blocks[i])
      if (isHostLoop(&op))
        blocks.push_back(cast<scf::ForOp>(op).getBody());
  return blocks;
}

struct KilnMapToGpuPass : kiln::impl::KilnMapToGpuPassBase<KilnMapToGpuPass> {
  using Base::Base;

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (!func.isExternal() && failed(mapFunction(func)))
        return signalPassFailure();
  }

  LogicalResult checkSupported(func::FuncOp func) {
    WalkResult r = func.walk([&](Operation *op) {
      if (auto call = dyn_cast<kiln::krt::KernelCallOp>(op)) {
        call.emitError("kiln-map-to-gpu: the runtime kernel '")
            << call.getSymbolName()
            << "' must first become a host call of the CUDA backend "
               "(kiln-use-library-kernels{device=cuda})";
        return WalkResult::interrupt();
      }
      // The CUDA backend's own library calls (kiln-use-library-kernels with device=cuda)
      // are host calls that queue work on the step's stream.
      if (auto call = dyn_cast<func::CallOp>(op); call && call.getCallee().starts_with("kiln_cuda_")) {
        Operation *parent = call->getParentOp();
        while (parent != func.getOperation() && isHostLoop(parent))
          parent = parent->getParentOp();
        if (parent == func.getOperation())
          return WalkResult::advance();
        // A branch (or a loop carrying values) around a host call would need its own
        // mapping; a region that is not a host loop runs in one launch.
        call.emitError("kiln-map-to-gpu: a library call ('")
            << call.getCallee() << "') inside a branch or a loop with results has no GPU "
            << "lowering yet";
        return WalkResult::interrupt();
      }
      if (isa<func::CallOp>(op) || (op->getDialect() && op->getDialect()->getNamespace() == "kiln_rt")) {
        op->emitError("kiln-map-to-gpu: '")
            << op->getName() << "' has no GPU lowering yet; this program runs on the CPU only";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (r.wasInterrupted())
      return failure();
    if (!func.getBody().hasOneBlock())
      return func.emitError("kiln-map-to-gpu: a function body of several blocks");
    return success();
  }

  LogicalResult mapFunction(func::FuncOp func) {
    if (failed(checkSupported(func)))
      return failure();
    Block &entryBlock = func.getBody().front();
    SmallVector<Block *> blocks = hostBlocks(func);
    DenseSet<Block *> hostBlockSet(blocks.begin(), blocks.end());
    IRRewriter rewriter(func.getContext());

    // Linalg ops outside kiln-fuse-horizontal's loops: a thread per point of their
    // parallel dimensions (reductions run inside a thread); whole-buffer sums as two
    // block-wide tree reductions.
    for (Block *block : blocks)
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp)
        continue;
      if (!linalgOp.hasPureBufferSemantics())
        return op.emitError("kiln-map-to-gpu: linalg op on tensors after bufferization");
      if (auto generic = dyn_cast<linalg::GenericOp>(op); generic && fullSumCombiner(generic)) {
        mapFullSum(generic);
        continue;
      }
      // Parallel dimensions outermost: a reduction that comes first (a bias gradient, the
      // sum over the batch of each column) would otherwise become a serial loop around the
      // parallel one, and the whole nest a single-thread launch.
      if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
        SmallVector<unsigned> order;
        for (auto [i, type] : llvm::enumerate(generic.getIteratorTypesArray()))
          if (type == utils::IteratorType::parallel)
            order.push_back(i);
        for (auto [i, type] : llvm::enumerate(generic.getIteratorTypesArray()))
          if (type != utils::IteratorType::parallel)
            order.push_back(i);
        if (!llvm::equal(order, llvm::seq<unsigned>(0, order.size()))) {
          rewriter.setInsertionPoint(generic);
          FailureOr<linalg::GenericOp> swapped =
              linalg::interchangeGenericOp(rewriter, generic, order);
          if (failed(swapped))
            return op.emitError("kiln-map-to-gpu: cannot put the parallel loops outermost");
          linalgOp = *swapped;
        }
      }
      rewriter.setInsertionPoint(linalgOp);
      if (failed(linalg::linalgOpToParallelLoops(rewriter, linalgOp)))
        return linalgOp->emitError("kiln-map-to-gpu: cannot write this op as parallel loops");
      rewriter.eraseOp(linalgOp);
    }

    for (Block *block : blocks)
      foldFillsIntoReductions(*block);

    SmallVector<Value> toFree;
    if (failed(placeGlobals(func, toFree)))
      return failure();

    // Scalars a device op computes and a later launch uses travel through a rank-0 buffer.
    DenseSet<Value> hostValues(func.getArguments().begin(), func.getArguments().end());
    SmallVector<Operation *> run;
    // Each host block in turn, outer before inner: a value an outer launch computes and an
    // inner one uses is reloaded at the start of the inner block before it is mapped.
    for (Block *blockPtr : blocks) {
    Block &body = *blockPtr;

    auto flushRun = [&]() -> LogicalResult {
      if (run.empty())
        return success();
      Operation *last = run.back();
      OpBuilder b(last->getNextNode());
      Location loc = b.getFusedLoc(llvm::map_to_vector(run, [](Operation *o) { return o->getLoc(); }));
      Value one = cIndex(b, loc, 1);
      gpu::LaunchOp launch = createLaunch(b, loc, one, one);
      Operation *terminator = launch.getBody().front().getTerminator();
      for (Operation *op : run)
        op->moveBefore(terminator);
      // Results used after the run are stored into spill buffers, reloaded where used.
      for (Operation *op : run) {
        for (Value v : op->getResults()) {
          SmallVector<OpOperand *> outside;
          for (OpOperand &use : v.getUses())
            if (!launch->isAncestor(use.getOwner()))
              outside.push_back(&use);
          if (outside.empty())
            continue;
          if (!v.getType().isIntOrIndexOrFloat())
            return op->emitError("kiln-map-to-gpu: a ")
                   << v.getType() << " computed on the device is used outside it";
          auto spillType = MemRefType::get({}, v.getType());
          OpBuilder entry = OpBuilder::atBlockBegin(&entryBlock);
          auto spill = gpu::AllocOp::create(entry, func.getLoc(), spillType, Type(), ValueRange{},
                                            ValueRange{}, ValueRange{});
          toFree.push_back(spill.getMemref());
          b.setInsertionPoint(terminator);
          memref::StoreOp::create(b, op->getLoc(), v, spill.getMemref(), ValueRange{});
          // One reload per later region or op that uses the value.
          DenseMap<void *, Value> reloads;
          for (OpOperand *use : outside) {
            Operation *user = use->getOwner();
            // The user's ancestor in the innermost host block holding it: a use inside a
            // host loop's body is reloaded by that body's launch, not by a launch of its own.
            Operation *top = user;
            while (!hostBlockSet.contains(top->getBlock()))
              top = top->getParentOp();
            OpBuilder ub(user);
            void *anchor = user;
            if (top != user) {
              // Inside a later loop or launch: reload at the start of the region.
              Region *region = user->getParentRegion();
              while (region->getParentOp() != top)
                region = region->getParentOp()->getParentRegion();
              ub.setInsertionPointToStart(&region->front());
              anchor = &region->front();
            } else if (isa<scf::ParallelOp>(top) || isHostOp(top, hostValues)) {
              return user->emitError("kiln-map-to-gpu: a value computed on the device "
                                     "decides work on the host (a loop bound, a size)");
            }
            Value &reloaded = reloads[anchor];
            if (!reloaded)
              reloaded = memref::LoadOp::create(ub, user->getLoc(), spill.getMemref(),
                                                ValueRange{});
            use->set(reloaded);
          }
        }
      }
      run.clear();
      return success();
    };

    // The next op is read only after an op is handled: flushing a run inserts reloads of
    // its results right before their later users, which must then be visited too.
    for (Operation *op = body.empty() ? nullptr : &body.front(); op;) {
      if (isa<gpu::LaunchOp>(op)) {
        op = op->getNextNode();
        continue;
      }
      if (auto loop = dyn_cast<scf::ForOp>(op); loop && isHostLoop(op)) {
        if (failed(flushRun()))
          return failure();
        for (Value bound : {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()})
          if (!hostValues.contains(bound))
            return loop.emitError("kiln-map-to-gpu: a loop the host runs has a bound "
                                  "computed on the device");
        hostValues.insert(loop.getInductionVar());
        op = op->getNextNode();
        continue;
      }
      if (isHostOp(op, hostValues)) {
        for (Value v : op->getResults())
          hostValues.insert(v);
        // Pure host ops may sit between a run's ops: the run's launch goes after them.
        if (!isPure(op) && !isa<ViewLikeOpInterface>(op) && failed(flushRun()))
          return failure();
        op = op->getNextNode();
        continue;
      }
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (failed(flushRun()))
          return failure();
        Operation *next = loop->getNextNode();
        if (failed(mapParallel(loop, hostValues)))
          return failure();
        op = next;
        continue;
      }
      run.push_back(op);
      op = op->getNextNode();
    }
    if (failed(flushRun()))
      return failure();
    }

    // Buffers: device allocations, device copies.
    for (Block *block : blocks)
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      OpBuilder b(&op);
      if (isa<memref::AllocOp, memref::AllocaOp>(op)) {
        auto type = cast<MemRefType>(op.getResult(0).getType());
        auto alloc = gpu::AllocOp::create(b, op.getLoc(), type, Type(), ValueRange{},
                                          op.getOperands(), ValueRange{});
        op.getResult(0).replaceAllUsesWith(alloc.getMemref());
        op.erase();
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(b, op.getLoc(), TypeRange{}, ValueRange{}, dealloc.getMemref());
        op.erase();
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        gpu::MemcpyOp::create(b, op.getLoc(), TypeRange{}, ValueRange{}, copy.getTarget(),
                              copy.getSource());
        op.erase();
      }
    }
    // Square roots as the PTX instruction the program asks for: sqrt.rn (IEEE), or
    // sqrt.approx where it allows an approximation (afn). NVVM would call libdevice's
    // __nv_sqrtf instead, which is the approximation whatever the program says.
    func.walk([](math::SqrtOp sqrt) {
      if (!sqrt->getParentOfType<gpu::LaunchOp>())
        return;
      auto vectorType = dyn_cast<VectorType>(sqrt.getType());
      Type element = vectorType ? vectorType.getElementType() : sqrt.getType();
      bool approximate = bitEnumContainsAll(sqrt.getFastmath(), arith::FastMathFlags::afn);
      StringRef intrinsic = element.isF32()   ? (approximate ? "llvm.nvvm.sqrt.approx.f"
                                                             : "llvm.nvvm.sqrt.rn.f")
                            : element.isF64() ? "llvm.nvvm.sqrt.rn.d"
                                              : "";
      if (intrinsic.empty() || (vectorType && vectorType.getRank() != 1))
        return;
      OpBuilder b(sqrt);
      Location loc = sqrt.getLoc();
      auto one = [&](Value x) -> Value {
        return LLVM::CallIntrinsicOp::create(b, loc, element, b.getStringAttr(intrinsic),
                                             ValueRange{x})
            .getResult(0);
      };
      Value result;
      if (!vectorType) {
        result = one(sqrt.getOperand());
      } else {
        result = arith::ConstantOp::create(b, loc, vectorType, b.getZeroAttr(vectorType));
        for (int64_t i = 0; i < vectorType.getNumElements(); ++i) {
          Value x = vector::ExtractOp::create(b, loc, sqrt.getOperand(), i);
          result = vector::InsertOp::create(b, loc, one(x), result, i);
        }
      }
      sqrt.replaceAllUsesWith(result);
      sqrt.erase();
    });

    for (Operation &op : llvm::make_early_inc_range(entryBlock))
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        OpBuilder b(ret);
        for (Value v : toFree)
          gpu::DeallocOp::create(b, ret.getLoc(), TypeRange{}, ValueRange{}, v);
      }
    return success();
  }

  /// `acc += sum_i term(x_i)` in two launches: blocks of threads add grid-strided terms,
  /// reduce across the block (gpu.all_reduce: warp shuffles, then shared memory) and leave
  /// a partial sum per block; one block then adds the partials the same way and combines
  /// them with the accumulator. The order of additions is fixed by the sizes alone, so
  /// the result is the same on every run.
  void mapFullSum(linalg::GenericOp op) {
    arith::AddFOp combiner = fullSumCombiner(op);
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value acc = op.getDpsInits()[0];
    Type elementType = cast<MemRefType>(acc.getType()).getElementType();
    Block *body = op.getBody();
    BlockArgument accArg = body->getArgument(op.getNumDpsInputs());

    // Flat inputs and their length, on the host.
    SmallVector<Value> inputs;
    for (Value in : op.getDpsInputs()) {
      auto type = cast<MemRefType>(in.getType());
      if (type.getRank() == 1) {
        inputs.push_back(in);
        continue;
      }
      ReassociationIndices all;
      for (int64_t i = 0; i < type.getRank(); ++i)
        all.push_back(i);
      inputs.push_back(memref::CollapseShapeOp::create(b, loc, in, ArrayRef<ReassociationIndices>{all}));
    }
    Value n = memref::DimOp::create(b, loc, inputs.front(), 0);
    Value threads = cIndex(b, loc, threadsPerBlock);
    // Enough blocks for every thread to add a few terms, at most 1024 partials.
    Value blocks = arith::MinUIOp::create(
        b, loc, arith::CeilDivUIOp::create(b, loc, n, cIndex(b, loc, threadsPerBlock * 8)),
        cIndex(b, loc, 1024));
    blocks = arith::MaxUIOp::create(b, loc, blocks, cIndex(b, loc, 1));
    Value partials = memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, elementType), ValueRange{blocks});
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
    auto add = gpu::AllReduceOperationAttr::get(b.getContext(), gpu::AllReduceOperation::ADD);

    // Stage 1: a partial sum per block.
    {
      OpBuilder lb(op);
      gpu::LaunchOp launch = createLaunch(lb, loc, blocks, threads);
      Value thread = launch.getThreadIds().x;
      Value first = arith::AddIOp::create(
          lb, loc, arith::MulIOp::create(lb, loc, launch.getBlockIds().x, threads), thread);
      Value stride = arith::MulIOp::create(lb, loc, launch.getGridSize().x, threads);
      auto loop = scf::ForOp::create(
          lb, loc, first, n, stride, ValueRange{zero},
          [&](OpBuilder &fb, Location l, Value i, ValueRange iter) {
            IRMapping map;
            for (auto [arg, in] : llvm::zip(body->getArguments(), inputs))
              map.map(arg, memref::LoadOp::create(fb, l, in, ValueRange{i}));
            map.map(accArg, iter[0]);
            for (Operation &inner : body->without_terminator())
              fb.clone(inner, map);
            scf::YieldOp::create(fb, l, map.lookup(body->getTerminator()->getOperand(0)));
          });
      Value total = gpu::AllReduceOp::create(lb, loc, elementType, loop.getResult(0), add,
                                             /*uniform=*/true);
      Value isFirst = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::eq, thread,
                                            cIndex(lb, loc, 0));
      auto store = scf::IfOp::create(lb, loc, isFirst, /*withElse=*/false);
      OpBuilder sb = store.getThenBodyBuilder();
      memref::StoreOp::create(sb, loc, total, partials, ValueRange{launch.getBlockIds().x});
    }
    // Stage 2: one block adds the partials, in the same tree order, into the accumulator.
    {
      OpBuilder lb(op);
      gpu::LaunchOp launch = createLaunch(lb, loc, cIndex(b, loc, 1), threads);
      Value thread = launch.getThreadIds().x;
      auto loop = scf::ForOp::create(
          lb, loc, thread, blocks, threads, ValueRange{zero},
          [&](OpBuilder &fb, Location l, Value i, ValueRange iter) {
            Value part = memref::LoadOp::create(fb, l, partials, ValueRange{i});
            scf::YieldOp::create(fb, l, ValueRange{arith::AddFOp::create(fb, l, iter[0], part)});
          });
      Value total = gpu::AllReduceOp::create(lb, loc, elementType, loop.getResult(0), add,
                                             /*uniform=*/true);
      Value isFirst = arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::eq, thread,
                                            cIndex(lb, loc, 0));
      auto store = scf::IfOp::create(lb, loc, isFirst, /*withElse=*/false);
      OpBuilder sb = store.getThenBodyBuilder();
      Value old = memref::LoadOp::create(sb, loc, acc, ValueRange{});
      Value sum = arith::AddFOp::create(sb, loc, old, total, combiner.getFastmathAttr());
      memref::StoreOp::create(sb, loc, sum, acc, ValueRange{});
    }
    b.setInsertionPointAfter(op);
    memref::DeallocOp::create(b, loc, partials);
    op.erase();
  }

  /// A top-level scf.parallel as one launch.
  LogicalResult mapParallel(scf::ParallelOp loop, const DenseSet<Value> &hostValues) {
    if (loop.getNumResults() != 0)
      return loop.emitError("kiln-map-to-gpu: a parallel loop with reductions");
    for (Value v : llvm::concat<Value>(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      if (!hostValues.contains(v))
        return loop.emitError("kiln-map-to-gpu: a parallel loop whose bounds are computed on the device");
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    // Trip counts, on the host.
    SmallVector<Value> trips;
    for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      trips.push_back(arith::CeilDivUIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), step));
    Value threads = cIndex(b, loc, threadsPerBlock);

    IRMapping map;
    if (isChunkLoop(loop)) {
      gpu::LaunchOp launch = createLaunch(b, loc, trips[0], threads);
      Value iv = arith::AddIOp::create(
          b, loc, loop.getLowerBound()[0],
          arith::MulIOp::create(b, loc, launch.getBlockIds().x, loop.getStep()[0]));
      map.map(loop.getInductionVars()[0], iv);
      for (Operation &op : loop.getBody()->without_terminator())
        b.clone(op, map);
      Value thread = launch.getThreadIds().x;
      SmallVector<linalg::GenericOp> slices;
      launch.getBody().walk([&](linalg::GenericOp g) { slices.push_back(g); });
      for (linalg::GenericOp slice : slices) {
        OpBuilder sb(slice);
        emitThreadSlice(sb, slice, thread, threadsPerBlock, vectorWidth);
        slice.erase();
      }
      loop.erase();
      return success();
    }

    // A thread per iteration: the linear index, last dimension fastest.
    Value total = cIndex(b, loc, 1);
    for (Value t : trips)
      total = arith::MulIOp::create(b, loc, total, t);
    Value blocks = arith::CeilDivUIOp::create(b, loc, total, threads);
    gpu::LaunchOp launch = createLaunch(b, loc, blocks, threads);
    Value linear = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, threads),
        launch.getThreadIds().x);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear, total);
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElse=*/false);
    b.setInsertionPointToStart(&guard.getThenRegion().front());
    Value rest = linear;
    SmallVector<Value> ivs(trips.size());
    for (int64_t d = int64_t(trips.size()) - 1; d >= 0; --d) {
      Value i = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, trips[d]);
      if (d > 0)
        rest = arith::DivUIOp::create(b, loc, rest, trips[d]);
      ivs[d] = arith::AddIOp::create(b, loc, loop.getLowerBound()[d],
                                     arith::MulIOp::create(b, loc, i, loop.getStep()[d]));
    }
    map.map(loop.getInductionVars(), ivs);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
    loop.erase();
    return success();
  }
};

} // namespace
