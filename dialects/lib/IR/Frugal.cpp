// SPDX-License-Identifier: Apache-2.0
// kiln.frugal and kiln.frugal_blocks: the subspace sizes and state shapes their projections
// imply, checked by the verifiers and handed to the runtime kernels as their configurations.
#include "kiln/IR/KilnOps.h"

#include <cmath>
#include <cstring>
#include <numeric>

using namespace mlir;
using namespace kiln;

namespace {

struct Layout {
  int64_t rows, cols, projection, k;
  SmallVector<int64_t> stateShape, subspaceShape;
};

/// Python's round() (half to even), which the reference uses for GaLore ranks and block
/// counts; nearbyint rounds that way in the default rounding mode.
int64_t roundHalfEven(double x) { return int64_t(std::nearbyint(x)); }

/// The state-full and state-free rules kiln.frugal and kiln.frugal_blocks share.
template <typename Op> LogicalResult verifyRules(Op op) {
  if (op.getStateFull() != "adamw" && op.getStateFull() != "momentum")
    return op.emitOpError("state_full must be \"adamw\" or \"momentum\", not \"")
           << op.getStateFull() << "\"";
  if (op.getStateFree() != "sign_sgd" && op.getStateFree() != "sgd")
    return op.emitOpError("state_free must be \"sign_sgd\" or \"sgd\", not \"")
           << op.getStateFree() << "\"";
  return success();
}

/// The rules' fields of a kernel configuration (kiln_frugal_config or
/// kiln_frugal_blocks_config), from a verified op.
template <typename Config, typename Op> void fillRules(Config &c, Op op) {
  c.state_full = op.getStateFull() == "adamw" ? 0 : 1;
  c.state_free = op.getStateFree() == "sign_sgd" ? 0 : 1;
  c.lr = op.getLr().convertToDouble();
  c.beta1 = op.getBeta1().convertToDouble();
  c.beta2 = op.getBeta2().convertToDouble();
  c.eps = op.getEps().convertToDouble();
  c.weight_decay = op.getWeightDecay().convertToDouble();
  c.free_lr_scale = op.getFreeLrScale().convertToDouble();
}

FailureOr<Layout> layoutOf(FrugalOp op) {
  auto p = cast<RankedTensorType>(op.getParam().getType());
  if (!p.hasStaticShape())
    return op.emitOpError("needs a static parameter shape, not ") << p;
  StringRef projection = op.getProjection();
  double density = op.getDensity().convertToDouble();
  Layout l;
  if (projection == "columns" || projection == "rows") {
    if (p.getRank() != 2)
      return op.emitOpError("projection \"")
             << projection << "\" needs a matrix, not " << p
             << "; biases and norms take plain AdamW (kiln.adamw), as in the reference";
    l.rows = p.getDimSize(0);
    l.cols = p.getDimSize(1);
    l.projection = projection == "columns" ? 0 : 1;
    int64_t span = projection == "columns" ? l.cols : l.rows;
    l.k = int64_t(double(span) * density);
    l.stateShape = projection == "columns" ? SmallVector<int64_t>{l.rows, l.k}
                                           : SmallVector<int64_t>{l.k, l.cols};
    l.subspaceShape = {l.k};
  } else if (projection == "svd") {
    if (p.getRank() != 2)
      return op.emitOpError("projection \"svd\" needs a matrix, not ")
             << p << "; biases and norms take plain AdamW (kiln.adamw), as in the reference";
    l.rows = p.getDimSize(0);
    l.cols = p.getDimSize(1);
    l.projection = 3;
    // The reference's proj_side "std": project the longer side away.
    bool right = l.rows >= l.cols;
    l.k = roundHalfEven(double(right ? l.cols : l.rows) * density);
    l.stateShape = right ? SmallVector<int64_t>{l.rows, l.k} : SmallVector<int64_t>{l.k, l.cols};
    l.subspaceShape = right ? SmallVector<int64_t>{l.k, l.cols} : SmallVector<int64_t>{l.rows, l.k};
  } else if (projection == "coordinates") {
    if (p.getRank() < 1)
      return op.emitOpError("projection \"coordinates\" needs a tensor of rank >= 1");
    l.rows = 1;
    l.cols = p.getNumElements();
    l.projection = 2;
    l.k = int64_t(double(l.cols) * density);
    l.stateShape = {l.k};
    l.subspaceShape = {l.k};
  } else {
    return op.emitOpError(
               "projection must be \"columns\", \"rows\", \"coordinates\" or \"svd\", not \"")
           << projection << "\"";
  }
  return l;
}

} // namespace

LogicalResult FrugalOp::verify() {
  FailureOr<Layout> l = layoutOf(*this);
  if (failed(l))
    return failure();
  if (failed(verifyRules(*this)))
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
  if (failed(expect(getExpAvg(), l->stateShape, element, "exp_avg")) ||
      failed(expect(getExpAvgSq(), getStateFull() == "adamw" ? ArrayRef<int64_t>(l->stateShape)
                                                            : ArrayRef<int64_t>(empty),
                    element, getStateFull() == "adamw" ? "exp_avg_sq" : "exp_avg_sq (unused by momentum)")) ||
      failed(expect(getSubspace(), l->subspaceShape,
                    l->projection == 3 ? element : IntegerType::get(getContext(), 64),
                    l->projection == 3 ? "subspace (the projector)" : "subspace")))
    return failure();
  return success();
}

kiln_frugal_config FrugalOp::getConfig() {
  Layout l = *layoutOf(*this);
  kiln_frugal_config c{};
  c.rows = l.rows;
  c.cols = l.cols;
  c.projection = l.projection;
  c.k = l.k;
  c.update_gap = getUpdateGap();
  fillRules(c, *this);
  return c;
}

//===----------------------------------------------------------------------===//
// kiln.frugal_blocks
//===----------------------------------------------------------------------===//

namespace {

struct BlocksLayout {
  int64_t k, order, pool;
  SmallVector<int64_t> sizes;
};

/// The pool must hold the largest set of tensors `order` can activate together.
int64_t poolSize(ArrayRef<int64_t> sizes, int64_t k, int64_t order) {
  int64_t n = sizes.size();
  if (k == 0)
    return 0;
  if (order == 2) {
    SmallVector<int64_t> sorted(sizes);
    llvm::sort(sorted, std::greater<int64_t>());
    return std::accumulate(sorted.begin(), sorted.begin() + k, int64_t(0));
  }
  // The cyclic orders visit starts 0, k, 2k, ... (descending: N-1, N-1-k, ...) modulo N.
  int64_t best = 0, start = order == 0 ? 0 : n - 1;
  for (int64_t visit = 0; visit < n; ++visit) {
    int64_t total = 0;
    for (int64_t j = 0; j < k; ++j)
      total += sizes[((order == 0 ? start + j : start - j) % n + n) % n];
    best = std::max(best, total);
    start = ((order == 0 ? start + k : start - k) % n + n) % n;
  }
  return best;
}

FailureOr<BlocksLayout> layoutOf(FrugalBlocksOp op) {
  BlocksLayout l;
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
  StringRef order = op.getBlockOrder();
  l.order = order == "ascending" ? 0 : order == "descending" ? 1 : order == "random" ? 2 : -1;
  if (l.order < 0)
    return op.emitOpError("block_order must be \"ascending\", \"descending\" or \"random\", "
                          "not \"")
           << order << "\"" << (order == "mirror" ? " (the reference's \"mirror\" is not supported)" : "");
  l.k = roundHalfEven(double(l.sizes.size()) * op.getDensity().convertToDouble());
  l.pool = poolSize(l.sizes, l.k, l.order);
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
  FailureOr<BlocksLayout> l = layoutOf(*this);
  if (failed(l))
    return failure();
  if (failed(verifyRules(*this)))
    return failure();
  Type element = cast<RankedTensorType>(getParams().front().getType()).getElementType();
  auto expect = [&](Value v, int64_t size, Type type, StringRef what) -> LogicalResult {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != size || t.getElementType() != type)
      return emitOpError(what) << " must be " << RankedTensorType::get({size}, type) << " (k = "
                               << l->k << " of " << l->sizes.size() << " tensors for density "
                               << getDensity().convertToDouble() << ", block_order \""
                               << getBlockOrder() << "\"), not " << t;
    return success();
  };
  bool adam = getStateFull() == "adamw";
  if (failed(expect(getExpAvg(), l->pool, element, "exp_avg")) ||
      failed(expect(getExpAvgSq(), adam ? l->pool : 0, element,
                    adam ? "exp_avg_sq" : "exp_avg_sq (unused by momentum)")) ||
      failed(expect(getActive(), l->k, IntegerType::get(getContext(), 64), "active")))
    return failure();
  return success();
}

SmallVector<int64_t> FrugalBlocksOp::getKernelParams() {
  BlocksLayout l = *layoutOf(*this);
  kiln_frugal_blocks_config c{};
  c.tensors = l.sizes.size();
  c.k = l.k;
  c.order = l.order;
  c.update_gap = getUpdateGap();
  c.pool = l.pool;
  fillRules(c, *this);
  SmallVector<int64_t> params(KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS);
  static_assert(sizeof(c) == KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS * sizeof(int64_t));
  std::memcpy(params.data(), &c, sizeof(c));
  params.append(l.sizes);
  return params;
}
