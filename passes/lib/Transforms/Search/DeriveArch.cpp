// SPDX-License-Identifier: Apache-2.0
// kiln-derive-arch: a searched supernet -> the discrete architecture (DARTS' genotype rule).
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <map>

namespace kiln {
#define GEN_PASS_DEF_KILNDERIVEARCHPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct Edge {
  kiln::MixedOp op;
  SmallVector<double> weights; ///< softmax(alpha)
  double strength = 0;         ///< the largest weight of a candidate other than "none"
  int64_t best = -1;           ///< that candidate's index in ops, -1 if only "none"
};

/// softmax(alpha) of a constant alpha, or failure.
FailureOr<SmallVector<double>> weightsOf(kiln::MixedOp op) {
  DenseFPElementsAttr values;
  if (!matchPattern(op.getAlpha(), m_Constant(&values)))
    return op.emitOpError("needs a constant alpha to be discretized (substitute the searched "
                          "architecture parameters first)");
  SmallVector<double> a;
  for (APFloat v : values.getValues<APFloat>())
    a.push_back(v.convertToDouble());
  double max = *std::max_element(a.begin(), a.end()), sum = 0;
  for (double &x : a)
    sum += (x = std::exp(x - max));
  for (double &x : a)
    x /= sum;
  return a;
}

struct KilnDeriveArchPass : kiln::impl::KilnDeriveArchPassBase<KilnDeriveArchPass> {
  void runOnOperation() override {
    SmallVector<Edge> edges;
    bool failedAny = false;
    getOperation().walk([&](kiln::MixedOp op) {
      auto weights = weightsOf(op);
      if (failed(weights)) {
        failedAny = true;
        return;
      }
      Edge e{op, *weights, 0, -1};
      // The strongest candidate other than "none"; strict > keeps the lowest index on ties.
      for (auto [i, name] : llvm::enumerate(op.getOps())) {
        if (cast<StringAttr>(name).getValue() == "none")
          continue;
        if (e.best < 0 || e.weights[i] > e.strength)
          e.best = int64_t(i), e.strength = e.weights[i];
      }
      edges.push_back(e);
    });
    if (failedAny)
      return signalPassFailure();
    // Per node (within one function), the two strongest edges by strength; a stable sort
    // keeps the earlier (lower source) edge on ties, as DARTS' sorted(key=-strength) does.
    std::map<std::pair<Operation *, int64_t>, SmallVector<Edge *>> nodes;
    for (Edge &e : edges)
      if (auto node = e.op.getNode())
        nodes[{e.op->getParentOp(), *node}].push_back(&e);
    llvm::DenseSet<Operation *> dropped;
    for (auto &[key, members] : nodes) {
      SmallVector<Edge *> order(members);
      std::stable_sort(order.begin(), order.end(),
                       [](Edge *a, Edge *b) { return a->strength > b->strength; });
      for (size_t i = 2; i < order.size(); ++i)
        dropped.insert(order[i]->op);
    }
    for (Edge &e : edges) {
      OpBuilder b(e.op);
      Value replacement;
      if (dropped.contains(e.op) || e.best < 0) {
        auto type = cast<RankedTensorType>(e.op.getResult().getType());
        replacement = arith::ConstantOp::create(
            b, e.op.getLoc(),
            DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), 0.0)));
      } else {
        // The operand of candidate `best`: candidates skip "none".
        int64_t operand = 0;
        for (int64_t i = 0; i < e.best; ++i)
          operand += cast<StringAttr>(e.op.getOps()[i]).getValue() != "none";
        replacement = e.op.getCandidates()[operand];
      }
      e.op.getResult().replaceAllUsesWith(replacement);
      e.op->erase();
    }
  }
};

} // namespace
