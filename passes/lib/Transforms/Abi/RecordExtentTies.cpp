// SPDX-License-Identifier: Apache-2.0
// kiln-record-extent-ties: which dynamic extents of an entry point's inputs the program
// requires to be equal, so the runtime can refuse a call before compiled code indexes out of
// bounds.
#include "EntryPoints.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "llvm/ADT/EquivalenceClasses.h"

namespace kiln {
#define GEN_PASS_DEF_KILNRECORDEXTENTTIESPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Dimensions of tensor values ("slots") and of loop nests, joined when the program makes
/// them equal: the loops of a linalg op share a dimension with every operand dimension their
/// indexing maps read at it; a destination's dimensions are its result's; tensor.empty takes
/// its dynamic sizes from tensor.dim of other tensors; a cast keeps them.
class ExtentTies {
public:
  explicit ExtentTies(func::FuncOp func) {
    func.walk([&](Operation *op) { visit(op); });
  }

  /// The representative of dimension `d` of `v`.
  int64_t classOf(Value v, int64_t d) { return classes.getLeaderValue(slot(v, d)); }

  /// The static extent any member of `leader`'s class has, or -1.
  int64_t staticExtent(int64_t leader) {
    auto it = extents.find(leader);
    return it == extents.end() ? -1 : it->second;
  }

  /// Folds the static extents of every class into its leader.
  void collectStaticExtents() {
    for (auto [key, id] : slots) {
      auto type = dyn_cast<ShapedType>(key.first.getType());
      int64_t d = key.second;
      if (type && type.hasRank() && !type.isDynamicDim(d))
        extents[classes.getLeaderValue(id)] = type.getDimSize(d);
    }
  }

private:
  int64_t slot(Value v, int64_t d) {
    auto [it, inserted] = slots.try_emplace({v, d}, next);
    if (inserted)
      classes.insert(next++);
    return it->second;
  }
  int64_t fresh() {
    classes.insert(next);
    return next++;
  }
  void tie(int64_t a, int64_t b) { classes.unionSets(a, b); }

  /// Ties every dimension of two values of the same rank.
  void tieValues(Value a, Value b) {
    auto ta = dyn_cast<RankedTensorType>(a.getType());
    auto tb = dyn_cast<RankedTensorType>(b.getType());
    if (!ta || !tb || ta.getRank() != tb.getRank())
      return;
    for (int64_t d = 0; d < ta.getRank(); ++d)
      tie(slot(a, d), slot(b, d));
  }

  void visit(Operation *op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (!linalgOp.hasPureTensorSemantics())
        return;
      SmallVector<int64_t> loops;
      for (unsigned l = 0; l < linalgOp.getNumLoops(); ++l)
        loops.push_back(fresh());
      for (OpOperand &operand : op->getOpOperands()) {
        auto type = dyn_cast<RankedTensorType>(operand.get().getType());
        if (!type)
          continue;
        AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
        for (auto [d, expr] : llvm::enumerate(map.getResults()))
          if (auto dim = dyn_cast<AffineDimExpr>(expr))
            tie(slot(operand.get(), d), loops[dim.getPosition()]);
      }
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(op)) {
      for (OpResult result : op->getResults())
        if (isa<RankedTensorType>(result.getType()))
          tieValues(dps.getTiedOpOperand(result)->get(), result);
      return;
    }
    if (auto dimOp = dyn_cast<tensor::DimOp>(op)) {
      if (std::optional<int64_t> d = dimOp.getConstantIndex())
        sizes[dimOp.getResult()] = slot(dimOp.getSource(), *d);
      return;
    }
    if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
      RankedTensorType type = empty.getType();
      unsigned next = 0;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        auto it = sizes.find(empty.getDynamicSizes()[next++]);
        if (it != sizes.end())
          tie(slot(empty.getResult(), d), it->second);
      }
      return;
    }
    if (auto cast = dyn_cast<tensor::CastOp>(op))
      tieValues(cast.getSource(), cast.getResult());
  }

  llvm::DenseMap<std::pair<Value, int64_t>, int64_t> slots;
  llvm::DenseMap<Value, int64_t> sizes;
  llvm::DenseMap<int64_t, int64_t> extents;
  llvm::EquivalenceClasses<int64_t> classes;
  int64_t next = 0;
};

struct KilnRecordExtentTiesPass
    : kiln::impl::KilnRecordExtentTiesPassBase<KilnRecordExtentTiesPass> {
  using Base::Base;
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!kiln::detail::isEntryPoint(func) || !func.getBody().hasOneBlock())
        continue;
      kiln::krt::EntryPointAttr contract = kiln::detail::getOrDeclareEntryPoint(func);
      if (!contract)
        continue;
      ExtentTies ties(func);
      ties.collectStaticExtents();
      // A variable per class that holds a dynamic input dimension and either another input
      // dimension or a static extent: what a call can get wrong.
      llvm::DenseMap<int64_t, unsigned> members;
      for (BlockArgument arg : func.getArguments()) {
        auto type = cast<RankedTensorType>(arg.getType());
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            ++members[ties.classOf(arg, d)];
      }
      llvm::DenseMap<int64_t, int64_t> variables;
      SmallVector<int64_t> extents;
      for (BlockArgument arg : func.getArguments()) {
        auto type = cast<RankedTensorType>(arg.getType());
        SmallVector<int64_t> dims(type.getRank(), -1);
        bool any = false;
        for (int64_t d = 0; d < type.getRank(); ++d) {
          if (!type.isDynamicDim(d))
            continue;
          int64_t leader = ties.classOf(arg, d);
          int64_t extent = ties.staticExtent(leader);
          if (members[leader] < 2 && extent < 0)
            continue;
          auto [it, inserted] = variables.try_emplace(leader, extents.size());
          if (inserted)
            extents.push_back(extent);
          dims[d] = it->second;
          any = true;
        }
        if (any) {
          unsigned i = arg.getArgNumber();
          contract = contract.withInput(i, contract.getInputs()[i].withDims(dims));
        }
      }
      if (!extents.empty())
        contract = contract.withExtents(extents);
      kiln::detail::setEntryPoint(func, contract);
    }
  }
};

} // namespace
