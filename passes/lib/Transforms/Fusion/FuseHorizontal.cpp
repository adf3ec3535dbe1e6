// SPDX-License-Identifier: Apache-2.0
// kiln-fuse-horizontal: independent element-wise updates on buffers share one parallel loop
// over their concatenated index space (multi-tensor apply).
#include "kiln/Transforms/Passes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

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
