// SPDX-License-Identifier: Apache-2.0
// kiln.frugal: the subspace size and state shapes its projection implies, checked by the
// verifier and handed to the runtime kernel as a kiln_frugal_config.
#include "kiln/IR/KilnOps.h"

using namespace mlir;
using namespace kiln;

namespace {

struct Layout {
  int64_t rows, cols, projection, k;
  SmallVector<int64_t> stateShape;
};

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
  } else if (projection == "coordinates") {
    if (p.getRank() < 1)
      return op.emitOpError("projection \"coordinates\" needs a tensor of rank >= 1");
    l.rows = 1;
    l.cols = p.getNumElements();
    l.projection = 2;
    l.k = int64_t(double(l.cols) * density);
    l.stateShape = {l.k};
  } else {
    return op.emitOpError("projection must be \"columns\", \"rows\" or \"coordinates\", not \"")
           << projection << "\"";
  }
  return l;
}

} // namespace

LogicalResult FrugalOp::verify() {
  FailureOr<Layout> l = layoutOf(*this);
  if (failed(l))
    return failure();
  if (getStateFull() != "adamw" && getStateFull() != "momentum")
    return emitOpError("state_full must be \"adamw\" or \"momentum\", not \"") << getStateFull()
                                                                             << "\"";
  if (getStateFree() != "sign_sgd" && getStateFree() != "sgd")
    return emitOpError("state_free must be \"sign_sgd\" or \"sgd\", not \"") << getStateFree()
                                                                           << "\"";
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
      failed(expect(getSubspace(), {l->k}, IntegerType::get(getContext(), 64), "subspace")))
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
  c.state_full = getStateFull() == "adamw" ? 0 : 1;
  c.state_free = getStateFree() == "sign_sgd" ? 0 : 1;
  c.lr = getLr().convertToDouble();
  c.beta1 = getBeta1().convertToDouble();
  c.beta2 = getBeta2().convertToDouble();
  c.eps = getEps().convertToDouble();
  c.weight_decay = getWeightDecay().convertToDouble();
  c.free_lr_scale = getFreeLrScale().convertToDouble();
  return c;
}
