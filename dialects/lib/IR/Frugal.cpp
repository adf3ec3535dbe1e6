// SPDX-License-Identifier: Apache-2.0
// kiln.frugal and kiln.frugal_blocks: the subspace sizes and state shapes their projections
// imply, checked by the verifiers and handed to the lowering (kiln-lower-frugal).
#include "kiln/IR/KilnOps.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace kiln;

namespace {

/// Python's round() (half to even), which the reference uses for GaLore ranks and block
/// counts; nearbyint rounds that way in the default rounding mode.
int64_t roundHalfEven(double x) { return int64_t(std::nearbyint(x)); }

FailureOr<FrugalLayout> layoutOf(FrugalOp op) {
  auto p = cast<RankedTensorType>(op.getParam().getType());
  if (!p.hasStaticShape())
    return op.emitOpError("needs a static parameter shape, not ") << p;
  FrugalProjection projection = op.getProjection();
  double density = op.getDensity().convertToDouble();
  FrugalLayout l;
  l.projection = projection;
  bool columns = projection == FrugalProjection::Columns;
  if (columns || projection == FrugalProjection::Rows) {
    if (p.getRank() != 2)
      return op.emitOpError("projection \"")
             << stringifyFrugalProjection(projection) << "\" needs a matrix, not " << p
             << "; biases and norms take plain AdamW (kiln.adamw), as in the reference";
    l.rows = p.getDimSize(0);
    l.cols = p.getDimSize(1);
    int64_t span = columns ? l.cols : l.rows;
    l.k = int64_t(double(span) * density);
    l.stateShape = columns ? SmallVector<int64_t>{l.rows, l.k} : SmallVector<int64_t>{l.k, l.cols};
    l.subspaceShape = {l.k};
  } else if (projection == FrugalProjection::Svd) {
    if (p.getRank() != 2)
      return op.emitOpError("projection \"svd\" needs a matrix, not ")
             << p << "; biases and norms take plain AdamW (kiln.adamw), as in the reference";
    l.rows = p.getDimSize(0);
    l.cols = p.getDimSize(1);
    // The reference's proj_side "std": project the longer side away.
    bool right = l.rows >= l.cols;
    l.k = roundHalfEven(double(right ? l.cols : l.rows) * density);
    l.stateShape = right ? SmallVector<int64_t>{l.rows, l.k} : SmallVector<int64_t>{l.k, l.cols};
    l.subspaceShape = right ? SmallVector<int64_t>{l.k, l.cols} : SmallVector<int64_t>{l.rows, l.k};
  } else {
    if (p.getRank() < 1)
      return op.emitOpError("projection \"coordinates\" needs a tensor of rank >= 1");
    l.rows = 1;
    l.cols = p.getNumElements();
    l.k = int64_t(double(l.cols) * density);
    l.stateShape = {l.k};
    l.subspaceShape = {l.k};
  }
  return l;
}

} // namespace

LogicalResult FrugalOp::verify() {
  FailureOr<FrugalLayout> l = layoutOf(*this);
  if (failed(l))
    return failure();
  Type element = cast<RankedTensorType>(getParam().getType()).getElementType();
  auto expect = [&](Value v, ArrayRef<int64_t> shape, Type type, StringRef what) -> LogicalResult {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() != shape || t.getElementType() != type)
      return emitOpError(what) << " must be " << RankedTensorType::get(shape, type) << " (k = "
                               << l->k << " for density " << getDensity().convertToDouble()
                               << "), not " << t;
    return success();
  };
  SmallVector<int64_t> empty{0};
  bool adam = getStateFull() == FrugalStateFull::AdamW;
  bool svd = l->projection == FrugalProjection::Svd;
  if (failed(expect(getExpAvg(), l->stateShape, element, "exp_avg")) ||
      failed(expect(getExpAvgSq(), adam ? ArrayRef<int64_t>(l->stateShape) : ArrayRef<int64_t>(empty),
                    element, adam ? "exp_avg_sq" : "exp_avg_sq (unused by momentum)")) ||
      failed(expect(getSubspace(), l->subspaceShape,
                    svd ? element : IntegerType::get(getContext(), 64),
                    svd ? "subspace (the projector)" : "subspace")))
    return failure();
  return success();
}

FrugalLayout FrugalOp::getLayout() { return *layoutOf(*this); }

//===----------------------------------------------------------------------===//
// kiln.frugal_blocks
//===----------------------------------------------------------------------===//

namespace {

/// The pool must hold the largest set of tensors `order` can activate together.
int64_t poolSize(ArrayRef<int64_t> sizes, int64_t k, FrugalBlockOrder order) {
  int64_t n = sizes.size();
  if (k == 0)
    return 0;
  if (order == FrugalBlockOrder::Random) {
    SmallVector<int64_t> sorted(sizes);
    llvm::sort(sorted, std::greater<int64_t>());
    return std::accumulate(sorted.begin(), sorted.begin() + k, int64_t(0));
  }
  // The cyclic orders visit starts 0, k, 2k, ... (descending: N-1, N-1-k, ...) modulo N.
  bool ascending = order == FrugalBlockOrder::Ascending;
  int64_t best = 0, start = ascending ? 0 : n - 1;
  for (int64_t visit = 0; visit < n; ++visit) {
    int64_t total = 0;
    for (int64_t j = 0; j < k; ++j)
      total += sizes[((ascending ? start + j : start - j) % n + n) % n];
    best = std::max(best, total);
    start = ((ascending ? start + k : start - k) % n + n) % n;
  }
  return best;
}

FailureOr<FrugalBlocksLayout> layoutOf(FrugalBlocksOp op) {
  FrugalBlocksLayout l;
  if (op.getParams().empty())
    return op.emitOpError("needs at least one parameter tensor");
  Type element = cast<RankedTensorType>(op.getParams().front().getType()).getElementType();
  for (auto [i, p, g] : llvm::enumerate(op.getParams(), op.getGrads())) {
    auto t = cast<RankedTensorType>(p.getType());
    if (!t.hasStaticShape() || t.getElementType() != element)
      return op.emitOpError("parameter #") << i << " must be a static tensor of " << element
                                         << ", not " << t;
    if (g.getType() != t)
      return op.emitOpError("gradient #") << i << " must be " << t << ", not " << g.getType();
    l.sizes.push_back(t.getNumElements());
  }
  l.k = roundHalfEven(double(l.sizes.size()) * op.getDensity().convertToDouble());
  l.pool = poolSize(l.sizes, l.k, op.getBlockOrder());
  return l;
}

} // namespace

LogicalResult FrugalBlocksOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                               ValueRange operands, DictionaryAttr,
                                               OpaqueProperties, RegionRange,
                                               SmallVectorImpl<Type> &types) {
  if (operands.size() < 5 || (operands.size() - 5) % 2)
    return failure();
  size_t n = (operands.size() - 5) / 2;
  for (Value v : operands.take_front(n))
    types.push_back(v.getType());
  for (Value v : operands.take_back(5))
    types.push_back(v.getType());
  return success();
}

LogicalResult FrugalBlocksOp::verify() {
  FailureOr<FrugalBlocksLayout> l = layoutOf(*this);
  if (failed(l))
    return failure();
  Type element = cast<RankedTensorType>(getParams().front().getType()).getElementType();
  auto expect = [&](Value v, int64_t size, Type type, StringRef what) -> LogicalResult {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != size || t.getElementType() != type)
      return emitOpError(what) << " must be " << RankedTensorType::get({size}, type) << " (k = "
                               << l->k << " of " << l->sizes.size() << " tensors for density "
                               << getDensity().convertToDouble() << ", block_order \""
                               << stringifyFrugalBlockOrder(getBlockOrder()) << "\"), not "
                               << t;
    return success();
  };
  bool adam = getStateFull() == FrugalStateFull::AdamW;
  if (failed(expect(getExpAvg(), l->pool, element, "exp_avg")) ||
      failed(expect(getExpAvgSq(), adam ? l->pool : 0, element,
                    adam ? "exp_avg_sq" : "exp_avg_sq (unused by momentum)")) ||
      failed(expect(getActive(), l->k, IntegerType::get(getContext(), 64), "active")))
    return failure();
  return success();
}

FrugalBlocksLayout FrugalBlocksOp::getLayout() { return *layoutOf(*this); }
