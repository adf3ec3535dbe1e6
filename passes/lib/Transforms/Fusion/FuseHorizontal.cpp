// SPDX-License-Identifier: Apache-2.0
// kiln-fuse-horizontal: independent element-wise updates on buffers share one parallel loop
// over their concatenated index space (multi-tensor apply).
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <functional>

namespace kiln {
#define GEN_PASS_DEF_KILNFUSEHORIZONTALPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// An all-parallel generic whose operands are contiguous buffers indexed identically, so any
/// slice of the flattened iteration space can run on its own.
bool isSliceable(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 0 || op->getNumResults() != 0)
    return false;
  if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) { return m.isIdentity(); }))
    return false;
  for (Value v : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getLayout().isIdentity())
      return false;
  }
  return !op.getBody()->walk([](linalg::IndexOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
}

/// The buffer that a memref value views.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    v = view.getViewSource();
  }
  return v;
}

/// Whether two roots are certainly different buffers. Arguments of an entry point may be
/// assumed distinct because the runtime rejects calls in which a written argument overlaps
/// another; a private function's callers make no such promise.
bool distinctRoots(Value a, Value b, bool argumentsDistinct) {
  if (a == b)
    return false;
  auto isAllocation = [](Value v) {
    return v.getDefiningOp<memref::AllocOp>() || v.getDefiningOp<memref::AllocaOp>();
  };
  auto isArgument = [&](Value v) { return isa<BlockArgument>(v) && argumentsDistinct; };
  auto ga = a.getDefiningOp<memref::GetGlobalOp>(), gb = b.getDefiningOp<memref::GetGlobalOp>();
  if (ga && gb)
    return ga.getName() != gb.getName();
  bool knownA = isAllocation(a) || isArgument(a) || ga;
  bool knownB = isAllocation(b) || isArgument(b) || gb;
  return knownA && knownB;
}

struct Group {
  SmallVector<linalg::GenericOp> ops;
  SmallVector<Value> reads, writes;     // roots
  SmallVector<Operation *> deferredFrees; // deallocs of group buffers met between members
  bool argumentsDistinct = false;

  bool touches(ArrayRef<Value> roots, Value r) const {
    return llvm::any_of(roots, [&](Value x) { return !distinctRoots(x, r, argumentsDistinct); });
  }
  /// Whether `op`'s effects would be reordered unsafely if the members moved past it.
  bool blockedBy(Operation *op, bool &isFreeOfMember) const {
    isFreeOfMember = false;
    if (isMemoryEffectFree(op))
      return false;
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface || op->getNumRegions() != 0)
      return true;
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (auto &effect : effects) {
      Value v = effect.getValue();
      if (!v)
        return true;
      Value r = rootOf(v);
      bool write = !isa<MemoryEffects::Read>(effect.getEffect());
      if (isa<MemoryEffects::Free>(effect.getEffect()) && (touches(reads, r) || touches(writes, r))) {
        isFreeOfMember = true; // safe to postpone until after the fused loop
        continue;
      }
      if (touches(writes, r) || (write && touches(reads, r)))
        return true;
    }
    return false;
  }
  /// Whether `op` depends on, or is depended on by, a member (through a shared buffer).
  bool conflictsWith(ArrayRef<Value> opReads, ArrayRef<Value> opWrites) const {
    for (Value r : opReads)
      if (touches(writes, r))
        return true;
    for (Value w : opWrites)
      if (touches(writes, w) || touches(reads, w))
        return true;
    return false;
  }
};

Value flatten(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return memref::CollapseShapeOp::create(b, loc, buffer, ArrayRef<ReassociationIndices>{all});
}

/// Replaces the group's ops by one scf.parallel over chunks of the concatenated index space.
void fuse(Group &group, int64_t chunkSize, int64_t align) {
  linalg::GenericOp last = group.ops.back();
  OpBuilder b(last);
  SmallVector<Location> locs;
  for (linalg::GenericOp op : group.ops)
    locs.push_back(op.getLoc());
  Location loc = b.getFusedLoc(locs);

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value chunk = arith::ConstantIndexOp::create(b, loc, chunkSize);
  SmallVector<SmallVector<Value>> flat;
  SmallVector<Value> sizes, offsets;
  Value total = zero;
  for (linalg::GenericOp op : group.ops) {
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(flatten(b, loc, v));
    Value n = memref::DimOp::create(b, loc, operands.front(), 0);
    if (align > 1) {
      Value a = arith::ConstantIndexOp::create(b, loc, align);
      total = arith::MulIOp::create(b, loc, arith::CeilDivUIOp::create(b, loc, total, a), a);
    }
    offsets.push_back(total);
    sizes.push_back(n);
    total = arith::AddIOp::create(b, loc, total, n);
    flat.push_back(std::move(operands));
  }
  Value chunks = arith::CeilDivUIOp::create(b, loc, total, chunk);

  scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
      [&](OpBuilder &nb, Location l, ValueRange ivs) {
        Value begin = arith::MulIOp::create(nb, l, ivs[0], chunk);
        Value end = arith::MinUIOp::create(nb, l, arith::AddIOp::create(nb, l, begin, chunk),
                                           total);
        for (auto [k, op] : llvm::enumerate(group.ops)) {
          // This chunk's part of update k, in k's own coordinates (possibly empty).
          Value lo = arith::MaxSIOp::create(
              nb, l, arith::SubIOp::create(nb, l, begin, offsets[k]), zero);
          Value hi = arith::MinSIOp::create(
              nb, l, arith::SubIOp::create(nb, l, end, offsets[k]), sizes[k]);
          Value len = arith::SubIOp::create(nb, l, hi, lo);
          // Most chunks meet only one or two of a model's many tensors; skipping the others
          // before any slice is set up keeps the per-chunk cost independent of their count.
          Value overlaps = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, len, zero);
          scf::IfOp::create(nb, l, overlaps, [&](OpBuilder &ib, Location il) {
            SmallVector<Value> slices;
            for (Value v : flat[k])
              slices.push_back(memref::SubViewOp::create(
                  ib, il, v, ArrayRef<OpFoldResult>{lo}, ArrayRef<OpFoldResult>{len},
                  ArrayRef<OpFoldResult>{ib.getIndexAttr(1)}));
            unsigned numInputs = op.getNumDpsInputs();
            SmallVector<AffineMap> maps(slices.size(), ib.getMultiDimIdentityMap(1));
            auto sliced = linalg::GenericOp::create(
                ib, op.getLoc(), TypeRange{}, ArrayRef<Value>(slices).take_front(numInputs),
                ArrayRef<Value>(slices).drop_front(numInputs), maps,
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel});
            IRMapping mapping;
            op.getRegion().cloneInto(&sliced.getRegion(), mapping);
            scf::YieldOp::create(ib, il);
          });
        }
      });
  for (Operation *free : group.deferredFrees)
    free->moveAfter(last);
  for (linalg::GenericOp op : group.ops)
    op->erase();
}

/// A reduction of a whole buffer into a rank-0 accumulator, `acc = acc + term(x)`, whose
/// addition may be reassociated (it carries `reassoc`, as the f64 norms and sums that kiln
/// lowers to do). Returns the combining addf, or null.
arith::AddFOp sumReductionCombiner(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() == 0 || op.getNumParallelLoops() != 0)
    return {};
  auto acc = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  auto in = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  if (!acc || acc.getRank() != 0 || !in || !in.getLayout().isIdentity() ||
      !op.getIndexingMapsArray()[0].isIdentity())
    return {};
  Block *body = op.getBody();
  BlockArgument accArg = body->getArgument(1);
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || !accArg.hasOneUse() || (add.getLhs() != accArg && add.getRhs() != accArg) ||
      !bitEnumContainsAll(add.getFastmath(), arith::FastMathFlags::reassoc))
    return {};
  return add;
}

/// Splits a sum reduction into per-chunk partial sums computed in parallel, then adds the
/// partials in chunk order, so the result does not depend on the number of threads.
void parallelizeReduction(linalg::GenericOp op, int64_t chunkSize) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value acc = op.getDpsInits()[0];
  Type elementType = cast<MemRefType>(acc.getType()).getElementType();
  Value input = flatten(b, loc, op.getDpsInputs()[0]);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value chunk = arith::ConstantIndexOp::create(b, loc, chunkSize);
  Value n = memref::DimOp::create(b, loc, input, 0);
  Value chunks = arith::CeilDivUIOp::create(b, loc, n, chunk);
  Value partials = memref::AllocOp::create(b, loc, MemRefType::get({ShapedType::kDynamic}, elementType),
                                           ValueRange{chunks});
  Value identity = arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, 0.0));
  Block *body = op.getBody();

  // Runs the generic's body as acc' = acc + term(x) over [lo, hi) from `init`.
  auto reduce = [&](OpBuilder &nb, Location l, Value source, Value lo, Value hi, Value init) {
    auto loop = scf::ForOp::create(
        nb, l, lo, hi, one, ValueRange{init},
        [&](OpBuilder &lb, Location ll, Value i, ValueRange iter) {
          IRMapping mapping;
          mapping.map(body->getArgument(0), memref::LoadOp::create(lb, ll, source, ValueRange{i}));
          mapping.map(body->getArgument(1), iter[0]);
          for (Operation &inner : body->without_terminator())
            lb.clone(inner, mapping);
          scf::YieldOp::create(lb, ll, mapping.lookup(body->getTerminator()->getOperand(0)));
        });
    return loop.getResult(0);
  };

  scf::ParallelOp::create(b, loc, ValueRange{zero}, ValueRange{chunks}, ValueRange{one},
                          [&](OpBuilder &nb, Location l, ValueRange ivs) {
                            Value lo = arith::MulIOp::create(nb, l, ivs[0], chunk);
                            Value hi = arith::MinUIOp::create(
                                nb, l, arith::AddIOp::create(nb, l, lo, chunk), n);
                            Value sum = reduce(nb, l, input, lo, hi, identity);
                            memref::StoreOp::create(nb, l, sum, partials, ValueRange{ivs[0]});
                          });
  // Combine with the generic's own addition, starting from the accumulator's value.
  Value start = memref::LoadOp::create(b, loc, acc, ValueRange{});
  auto combine = scf::ForOp::create(
      b, loc, zero, chunks, one, ValueRange{start},
      [&](OpBuilder &lb, Location ll, Value c, ValueRange iter) {
        Value part = memref::LoadOp::create(lb, ll, partials, ValueRange{c});
        Value next = arith::AddFOp::create(lb, ll, iter[0], part, sumReductionCombiner(op).getFastmathAttr());
        scf::YieldOp::create(lb, ll, next);
      });
  memref::StoreOp::create(b, loc, combine.getResult(0), acc, ValueRange{});
  memref::DeallocOp::create(b, loc, partials);
  op->erase();
}

/// A reduction whose innermost loop reduces (so that, lowered as it stands, each point of
/// that loop would load and store the same accumulator), whose accumulators are indexed by
/// all of its parallel loops and nothing else, and whose operands are all read through
/// projected permutations: every accumulator element is the fold, in loop order, of the
/// points of one parallel index. (Bias gradients, channel sums, per-sample norms, softmax
/// rows; not column sums, whose innermost loop streams along the accumulators and
/// vectorizes as it is.)
bool isRegisterReducible(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() == 0 || op.getNumDpsInits() == 0 ||
      op.getNumReductionLoops() == 0 || op->getNumResults() != 0 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction ||
      !llvm::all_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t == utils::IteratorType::parallel || t == utils::IteratorType::reduction;
      }))
    return false;
  for (OpOperand &operand : op->getOpOperands())
    if (!isa<MemRefType>(operand.get().getType()) ||
        !op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return false;
  AffineMap accMap = op.getMatchingIndexingMap(&op.getDpsInitsMutable()[0]);
  llvm::SmallDenseSet<unsigned> accDims;
  for (AffineExpr e : accMap.getResults())
    accDims.insert(cast<AffineDimExpr>(e).getPosition());
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((kind == utils::IteratorType::parallel) != accDims.contains(unsigned(i)))
      return false;
  for (OpOperand &init : op.getDpsInitsMutable()) {
    if (op.getMatchingIndexingMap(&init) != accMap)
      return false;
    for (Value in : op.getDpsInputs())
      if (rootOf(in) == rootOf(init.get()))
        return false; // read while it accumulates: only the per-element order is safe
  }
  return true;
}

/// `buffer` ([rows..., inner...], contiguous) as [rows, inner] ([rows] when `split` is its
/// rank, [inner] when it is 0).
Value asRows(OpBuilder &b, Location loc, Value buffer, int64_t split) {
  auto type = cast<MemRefType>(buffer.getType());
  if (split == 0)
    return flatten(b, loc, buffer);
  SmallVector<ReassociationIndices> groups(split < type.getRank() ? 2 : 1);
  for (int64_t i = 0; i < type.getRank(); ++i)
    groups[i < split ? 0 : 1].push_back(i);
  if (groups.size() == size_t(type.getRank()))
    return buffer;
  return memref::CollapseShapeOp::create(b, loc, buffer, groups);
}

/// Whether a register-reducible op reduces contiguous rows: its parallel loops lead, and its
/// inputs are whole contiguous buffers read in loop order (per-sample norms, softmax rows),
/// so each accumulator folds one contiguous run of elements.
bool reducesRows(linalg::GenericOp op) {
  unsigned rows = op.getNumParallelLoops();
  for (auto [i, kind] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((kind == utils::IteratorType::parallel) != (i < rows))
      return false;
  if (op.getBody()->walk([](linalg::IndexOp) { return WalkResult::interrupt(); }).wasInterrupted())
    return false;
  auto contiguous = [](Value v) {
    auto type = cast<MemRefType>(v.getType());
    return type.hasStaticShape() && type.getLayout().isIdentity();
  };
  for (OpOperand *in : op.getDpsInputOperands())
    if (!contiguous(in->get()) || !op.getMatchingIndexingMap(in).isIdentity())
      return false;
  for (Value init : op.getDpsInits())
    if (!contiguous(init))
      return false;
  return true;
}

/// Rewrites a register-reducible op as loops with its parallel loops outermost (the first of
/// them an scf.parallel when `parallel`) and, inside, its reduction loops in their order,
/// carrying the accumulators in registers (scf.for iter_args). Lowered as it stands, a
/// linalg reduction loads and stores its accumulator at every point, a store-to-load chain
/// the back end can neither break nor vectorize, since it cannot tell the accumulator apart
/// from the inputs. Each accumulator sees its terms in the same order as before (the same
/// bits); an addition marked `reassoc` lets the back end split a row into vector lanes.
void registerReduction(linalg::GenericOp op, bool parallel) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Block *body = op.getBody();
  unsigned numInputs = op.getNumDpsInputs();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);

  // Contiguous rows: [rows, inner] views, two loops (the inner one long enough to vectorize).
  bool rows = reducesRows(op);
  SmallVector<Value> inputs, inits;
  SmallVector<Value> bounds;          // per loop of the new nest
  SmallVector<unsigned> loopDims;     // the op's loop each new loop runs (rows: none)
  SmallVector<SmallVector<unsigned>> inputDims, initDims; // loops that index each operand
  if (rows) {
    int64_t split = op.getNumParallelLoops();
    for (Value in : op.getDpsInputs())
      inputs.push_back(asRows(b, loc, in, split));
    for (Value init : op.getDpsInits())
      inits.push_back(split == 0 ? init : asRows(b, loc, init, split));
    int64_t inner = 1, outer = 1;
    for (auto [i, size] : llvm::enumerate(op.getStaticLoopRanges()))
      (int64_t(i) < split ? outer : inner) *= size;
    if (split != 0)
      bounds.push_back(arith::ConstantIndexOp::create(b, loc, outer));
    bounds.push_back(arith::ConstantIndexOp::create(b, loc, inner));
    unsigned last = bounds.size() - 1;
    for (unsigned i = 0; i < numInputs; ++i)
      inputDims.push_back(split == 0 ? SmallVector<unsigned>{last}
                                     : SmallVector<unsigned>{0, last});
    for (unsigned i = 0; i < inits.size(); ++i)
      initDims.push_back(split == 0 ? SmallVector<unsigned>{} : SmallVector<unsigned>{0});
  } else {
    llvm::append_range(inputs, op.getDpsInputs());
    llvm::append_range(inits, op.getDpsInits());
    SmallVector<Range, 4> ranges = cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
    for (auto kind : {utils::IteratorType::parallel, utils::IteratorType::reduction})
      for (auto [i, k] : llvm::enumerate(op.getIteratorTypesArray()))
        if (k == kind) {
          loopDims.push_back(unsigned(i));
          bounds.push_back(getValueOrCreateConstantIndexOp(b, loc, ranges[i].size));
        }
    // Operand dimension d is read at op loop p = map(d); the new nest runs op loop p as
    // loop position(p).
    SmallVector<unsigned> position(op.getNumLoops());
    for (auto [n, p] : llvm::enumerate(loopDims))
      position[p] = unsigned(n);
    auto dimsOf = [&](OpOperand &operand) {
      SmallVector<unsigned> dims;
      for (AffineExpr e : op.getMatchingIndexingMap(&operand).getResults())
        dims.push_back(position[cast<AffineDimExpr>(e).getPosition()]);
      return dims;
    };
    for (OpOperand *in : op.getDpsInputOperands())
      inputDims.push_back(dimsOf(*in));
    for (OpOperand &init : op.getDpsInitsMutable())
      initDims.push_back(dimsOf(init));
  }
  unsigned numParallel = rows ? (op.getNumParallelLoops() ? 1 : 0) : op.getNumParallelLoops();

  SmallVector<Value> ivs(bounds.size());
  auto indices = [&](ArrayRef<unsigned> dims) {
    return llvm::map_to_vector(dims, [&](unsigned d) { return ivs[d]; });
  };
  // The reduction loops from `level` on, carrying `acc`; returns the final accumulators.
  std::function<SmallVector<Value>(OpBuilder &, unsigned, ValueRange)> reduce =
      [&](OpBuilder &nb, unsigned level, ValueRange acc) -> SmallVector<Value> {
    if (level == bounds.size()) {
      IRMapping mapping;
      for (unsigned i = 0; i < numInputs; ++i)
        mapping.map(body->getArgument(i),
                    memref::LoadOp::create(nb, loc, inputs[i], indices(inputDims[i])));
      for (auto [i, a] : llvm::enumerate(acc))
        mapping.map(body->getArgument(numInputs + i), a);
      for (Operation &inner : body->without_terminator()) {
        if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
          unsigned at = llvm::find(loopDims, unsigned(index.getDim())) - loopDims.begin();
          mapping.map(index.getResult(), ivs[at]);
          continue;
        }
        nb.clone(inner, mapping);
      }
      return llvm::map_to_vector(body->getTerminator()->getOperands(),
                                 [&](Value v) { return mapping.lookupOrDefault(v); });
    }
    auto loop = scf::ForOp::create(
        nb, loc, zero, bounds[level], one, acc,
        [&](OpBuilder &lb, Location, Value iv, ValueRange iter) {
          ivs[level] = iv;
          scf::YieldOp::create(lb, loc, reduce(lb, level + 1, iter));
        });
    return SmallVector<Value>(loop.getResults());
  };
  // The parallel loops from `level` on; each point folds its reduction and stores it.
  std::function<void(OpBuilder &, unsigned)> points = [&](OpBuilder &nb, unsigned level) {
    if (level == numParallel) {
      SmallVector<Value> start;
      for (auto [init, dims] : llvm::zip(inits, initDims))
        start.push_back(memref::LoadOp::create(nb, loc, init, indices(dims)));
      SmallVector<Value> done = reduce(nb, level, start);
      for (auto [v, init, dims] : llvm::zip(done, inits, initDims))
        memref::StoreOp::create(nb, loc, v, init, indices(dims));
      return;
    }
    auto nest = [&](OpBuilder &lb, Value iv) {
      ivs[level] = iv;
      points(lb, level + 1);
    };
    if (level == 0 && parallel)
      scf::ParallelOp::create(nb, loc, ValueRange{zero}, ValueRange{bounds[0]}, ValueRange{one},
                              [&](OpBuilder &lb, Location, ValueRange iv) { nest(lb, iv[0]); });
    else
      scf::ForOp::create(nb, loc, zero, bounds[level], one, ValueRange{},
                         [&](OpBuilder &lb, Location, Value iv, ValueRange) {
                           nest(lb, iv);
                           scf::YieldOp::create(lb, loc);
                         });
  };
  points(b, 0);
  op->erase();
}

struct KilnFuseHorizontalPass
    : kiln::impl::KilnFuseHorizontalPassBase<KilnFuseHorizontalPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    bool argumentsDistinct = func.isPublic();
    for (Block &block : func.getBody()) {
      Group group;
      group.argumentsDistinct = argumentsDistinct;
      auto flush = [&] {
        if (!group.ops.empty() && worthFusing(group))
          fuse(group, chunkSize, align);
        group = Group();
        group.argumentsDistinct = argumentsDistinct;
      };
      for (Operation &op : llvm::make_early_inc_range(block)) {
        auto generic = dyn_cast<linalg::GenericOp>(op);
        if (generic && parallelizeReductions && sumReductionCombiner(generic)) {
          // A reduction reads what earlier updates may write: close the group first.
          flush();
          if (worthParallelizing(generic))
            parallelizeReduction(generic, chunkSize);
          continue;
        }
        if (generic && parallelizeReductions && isRegisterReducible(generic)) {
          flush();
          registerReduction(generic, generic.getNumParallelLoops() != 0 &&
                                         worthParallelizing(generic));
          continue;
        }
        if (generic && isSliceable(generic)) {
          SmallVector<Value> reads, writes;
          for (Value v : generic.getDpsInputs())
            reads.push_back(rootOf(v));
          for (Value v : generic.getDpsInits()) {
            reads.push_back(rootOf(v));
            writes.push_back(rootOf(v));
          }
          if (group.conflictsWith(reads, writes))
            flush();
          group.ops.push_back(generic);
          llvm::append_range(group.reads, reads);
          llvm::append_range(group.writes, writes);
          continue;
        }
        if (group.ops.empty())
          continue;
        bool isFreeOfMember;
        if (group.blockedBy(&op, isFreeOfMember))
          flush();
        else if (isFreeOfMember)
          group.deferredFrees.push_back(&op);
      }
      flush();
    }
  }

  bool worthParallelizing(linalg::GenericOp reduction) const {
    auto type = cast<MemRefType>(reduction.getDpsInputs()[0].getType());
    return !type.hasStaticShape() || type.getNumElements() >= minElements;
  }

  /// Tiny updates stay serial: a fork costs more than they do.
  bool worthFusing(const Group &group) const {
    int64_t elements = 0;
    for (linalg::GenericOp op : group.ops) {
      auto type = cast<MemRefType>(op->getOperand(0).getType());
      if (!type.hasStaticShape())
        return true;
      elements += type.getNumElements();
    }
    return elements >= minElements;
  }
};

} // namespace
