// SPDX-License-Identifier: Apache-2.0
// Lowers the losses (and kiln.count_correct, scored like one) to linalg on tensors: one
// reduction each into a rank-0 result.
#include "Builders.h"
#include "Statistics.h"
#include "kiln/Conversion/KilnToLinalg/KilnToLinalg.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::detail;

namespace {

Value lowerSum(ImplicitLocOpBuilder &b, SumOp op) {
  int64_t rank = rankedType(op.getInput()).getRank();
  Value init = filled(
      b,
      tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, rankedType(op.getResult()).getElementType()),
      0.0);
  return generic(b, {op.getInput()}, init, {identity(b, rank), toScalar(b, rank)},
                 iterators(rank, utils::IteratorType::reduction),
                 [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                   return arith::AddFOp::create(nb, a[1], a[0]);
                 });
}
Value lowerMse(ImplicitLocOpBuilder &b, MseOp op) {
  auto type = rankedType(op.getPrediction());
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  Value init = filled(b, tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, element), 0.0);
  Value sum = generic(b, {op.getPrediction(), op.getTarget()}, init,
                      {identity(b, rank), identity(b, rank), toScalar(b, rank)},
                      iterators(rank, utils::IteratorType::reduction),
                      [](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
                        Value d = arith::SubFOp::create(nb, a[0], a[1]);
                        return arith::AddFOp::create(nb, a[2], arith::MulFOp::create(nb, d, d));
                      });
  Value n = arith::UIToFPOp::create(
      b, element,
      arith::IndexCastOp::create(b, b.getI64Type(), numElements(b, op.getPrediction())));
  Value mean = arith::DivFOp::create(b, extractScalar(b, sum), n);
  return tensor::FromElementsOp::create(b, op.getResult().getType(), ValueRange{mean});
}
Value lowerSoftmaxCrossEntropy(ImplicitLocOpBuilder &b, SoftmaxCrossEntropyOp op) {
  Value logits = op.getLogits();
  Type element = rankedType(logits).getElementType();
  auto [rowMax, sumExp] = softmaxRows(b, logits);
  // sum_i log(sumexp_i) + max_i - logits[i, label_i], reading the label's logit directly.
  Value init = filled(b, tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, element), 0.0);
  Value total = generic(
      b, {rowMax, sumExp, op.getLabels()}, init,
      {identity(b, 1), identity(b, 1), identity(b, 1), toScalar(b, 1)},
      {utils::IteratorType::reduction}, [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        Value row = linalg::IndexOp::create(nb, 0);
        Value label = arith::IndexCastOp::create(nb, nb.getIndexType(), a[2]);
        Value picked = tensor::ExtractOp::create(nb, logits, ValueRange{row, label});
        Value lse = arith::AddFOp::create(nb, math::LogOp::create(nb, a[1]), a[0]);
        return arith::AddFOp::create(nb, a[3], arith::SubFOp::create(nb, lse, picked));
      });
  Value loss = arith::MulFOp::create(b, extractScalar(b, total),
                                     reductionScale(b, logits, op.getReduction(), element));
  return tensor::FromElementsOp::create(b, op.getResult().getType(), ValueRange{loss});
}
Value lowerCountCorrect(ImplicitLocOpBuilder &b, CountCorrectOp op) {
  Value logits = op.getLogits();
  Type element = rankedType(logits).getElementType();
  auto rows = [&](int64_t) { return dim(b, logits, 0); };
  int64_t n = rankedType(logits).getDimSize(0);
  // Per row, the maximum and the first column holding it (strictly greater replaces),
  // as torch.argmax.
  Value best = filled(b, emptyOf(b, RankedTensorType::get({n}, element), rows),
                      -std::numeric_limits<double>::infinity());
  Value argInit = linalg::FillOp::create(
                      b, ValueRange{arith::ConstantOp::create(b, b.getI64IntegerAttr(0))},
                      ValueRange{emptyOf(b, RankedTensorType::get({n}, b.getI64Type()), rows)})
                      .getResult(0);
  auto argmax = linalg::GenericOp::create(
      b, TypeRange{best.getType(), argInit.getType()}, ValueRange{logits},
      ValueRange{best, argInit},
      ArrayRef<AffineMap>{identity(b, 2), firstDim(b, 2), firstDim(b, 2)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel, utils::IteratorType::reduction},
      [&](OpBuilder &nested, Location loc, ValueRange a) {
        ImplicitLocOpBuilder nb(loc, nested);
        Value column =
            arith::IndexCastOp::create(nb, nb.getI64Type(), linalg::IndexOp::create(nb, 1));
        Value better = arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT, a[0], a[1]);
        linalg::YieldOp::create(nb, ValueRange{arith::SelectOp::create(nb, better, a[0], a[1]),
                                               arith::SelectOp::create(nb, better, column, a[2])});
      });
  Value zero = arith::ConstantOp::create(b, b.getI64IntegerAttr(0));
  Value init = linalg::FillOp::create(
                   b, ValueRange{zero},
                   ValueRange{tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, b.getI64Type())})
                   .getResult(0);
  return generic(
      b, {argmax.getResult(1), op.getLabels()}, init,
      {identity(b, 1), identity(b, 1), toScalar(b, 1)}, {utils::IteratorType::reduction},
      [&](ImplicitLocOpBuilder &nb, ValueRange a) -> Value {
        Value label = a[1].getType().isInteger(64)
                          ? a[1]
                          : arith::ExtSIOp::create(nb, nb.getI64Type(), a[1]).getResult();
        Value right = arith::CmpIOp::create(nb, arith::CmpIPredicate::eq, a[0], label);
        return arith::AddIOp::create(nb, a[2], arith::ExtUIOp::create(nb, nb.getI64Type(), right));
      });
}

} // namespace

void kiln::populateLossesToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<FunctionLowering<SumOp>>(ctx, lowerSum);
  patterns.add<FunctionLowering<MseOp>>(ctx, lowerMse);
  patterns.add<FunctionLowering<SoftmaxCrossEntropyOp>>(ctx, lowerSoftmaxCrossEntropy);
  patterns.add<FunctionLowering<CountCorrectOp>>(ctx, lowerCountCorrect);
}
