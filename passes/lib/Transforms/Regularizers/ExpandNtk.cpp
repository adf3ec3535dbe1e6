// SPDX-License-Identifier: Apache-2.0
// kiln-expand-ntk: the empirical NTK (kiln.ntk) as loops of VJPs and a Gram product, so that
// the model is differentiated by kiln-autodiff like any loss and the loops compile to the
// same kernels as a training step. docs/algorithms.md §5.
//
// The Gram product J J^T is the runtime's BLAS kernel (kiln_rt.kernel_call gram, in double).
// Each VJP is of the whole batch with a unit cotangent: the Jacobian of the batched function
// (what neural-tangents computes), for any model, at the price of N times the work of a
// one-sample VJP. The runtime's empiricalNtk (kiln/runtime/regularizers/Ntk.h) takes
// one-sample rows from a VJP compiled for a batch of 1 instead.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_KILNEXPANDNTKPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

RankedTensorType rankedType(Value v) { return cast<RankedTensorType>(v.getType()); }

Value filled(ImplicitLocOpBuilder &b, RankedTensorType type, double value) {
  Value empty = tensor::EmptyOp::create(b, type.getShape(), type.getElementType());
  Value scalar = arith::ConstantOp::create(b, b.getFloatAttr(type.getElementType(), value));
  return linalg::FillOp::create(b, ValueRange{scalar}, ValueRange{empty}).getResult(0);
}

/// `@<model>_ntk_weighted(model's arguments, c) = sum(model(...) * c)`: its gradient with
/// respect to the parameters is the VJP of the model with cotangent c.
func::FuncOp buildWeighted(func::FuncOp model, SymbolTable &symbols) {
  FunctionType type = model.getFunctionType();
  auto logits = cast<RankedTensorType>(type.getResult(0));
  SmallVector<Type> inputs(type.getInputs());
  inputs.push_back(logits);
  auto scalar = RankedTensorType::get({}, logits.getElementType());
  OpBuilder mb(model);
  mb.setInsertionPointAfter(model);
  auto weighted = func::FuncOp::create(mb, model.getLoc(),
                                       (model.getSymName() + "_ntk_weighted").str(),
                                       FunctionType::get(model.getContext(), inputs, {scalar}));
  weighted.setPrivate();
  symbols.insert(weighted); // renamed if the name is taken
  Block *body = weighted.addEntryBlock();
  ImplicitLocOpBuilder b(model.getLoc(), OpBuilder::atBlockEnd(body));
  auto call = func::CallOp::create(b, model, body->getArguments().drop_back());
  Value product = arith::MulFOp::create(b, call.getResult(0), body->getArguments().back());
  Value sum = kiln::SumOp::create(b, scalar, product);
  func::ReturnOp::create(b, sum);
  return weighted;
}

/// A gradient as one row: [size] (a rank-0 gradient becomes [1]).
Value flattened(ImplicitLocOpBuilder &b, Value grad) {
  auto type = rankedType(grad);
  auto flat = RankedTensorType::get({type.getNumElements()}, type.getElementType());
  if (type.getRank() == 1)
    return grad;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(b, flat, grad, ArrayRef<ReassociationIndices>{});
  ReassociationIndices all = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return tensor::CollapseShapeOp::create(b, flat, grad, ArrayRef<ReassociationIndices>{all});
}

struct Expansion {
  kiln::NtkOp op;
  func::FuncOp weighted;
  int64_t n, k, p;
  Type paramElement, kernelElement;
  Value zero, one; // index constants

  /// Rows `rows` of the Jacobian, [rows, P]. `logit` set: row i is (sample i, that logit);
  /// unset with rows = N K ("full"): row i is (i / K, i % K); unset with rows = N ("sum"): the
  /// VJP of sample i's summed logits.
  Value jacobian(ImplicitLocOpBuilder &b, int64_t rows, Value logit) {
    auto logitsType = cast<RankedTensorType>(weighted.getFunctionType().getInputs().back());
    Type logitElement = logitsType.getElementType();
    bool summed = !logit && rows == n;
    Value zeros = filled(b, logitsType, 0.0);
    Value ones = summed ? filled(b, RankedTensorType::get({1, k}, logitElement), 1.0)
                        : arith::ConstantOp::create(b, b.getFloatAttr(logitElement, 1.0));
    Value empty = tensor::EmptyOp::create(b, ArrayRef<int64_t>{rows, p}, paramElement);
    Value upper = arith::ConstantIndexOp::create(b, rows);
    auto loop = scf::ForOp::create(b, zero, upper, one, ValueRange{empty});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value row = loop.getInductionVar();
      Value j = loop.getRegionIterArg(0);
      Value cotangent;
      if (logit) {
        cotangent = tensor::InsertOp::create(b, ones, zeros, ValueRange{row, logit});
      } else if (!summed) {
        Value kIndex = arith::ConstantIndexOp::create(b, k);
        Value sample = arith::DivUIOp::create(b, row, kIndex);
        Value which = arith::RemUIOp::create(b, row, kIndex);
        cotangent = tensor::InsertOp::create(b, ones, zeros, ValueRange{sample, which});
      } else {
        SmallVector<OpFoldResult> offsets = {row, b.getIndexAttr(0)};
        cotangent = tensor::InsertSliceOp::create(
            b, ones, zeros, offsets,
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(k)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
      }
      SmallVector<Value> operands(op.getOperands());
      operands.push_back(cotangent);
      SmallVector<Type> gradTypes;
      for (int64_t index : op.getWrt())
        gradTypes.push_back(op.getOperands()[index].getType());
      auto grad = kiln::GradOp::create(b, gradTypes, FlatSymbolRefAttr::get(weighted),
                                       operands, b.getDenseI64ArrayAttr(op.getWrt()));
      int64_t offset = 0;
      for (Value g : grad.getResults()) {
        Value flat = flattened(b, g);
        int64_t size = rankedType(flat).getDimSize(0);
        j = tensor::InsertSliceOp::create(
            b, flat, j, ArrayRef<OpFoldResult>{row, b.getIndexAttr(offset)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(size)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
        offset += size;
      }
      scf::YieldOp::create(b, j);
    }
    return loop.getResult(0);
  }

  /// J J^T in the kernel's element type: the runtime's BLAS kernel, accumulating in double
  /// from J as it is (no transposed or widened copy).
  Value gram(ImplicitLocOpBuilder &b, Value j) {
    int64_t rows = rankedType(j).getDimSize(0);
    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{rows, rows}, kernelElement);
    auto call = kiln::krt::KernelCallOp::create(
        b, TypeRange{init.getType()},
        kiln::krt::KernelAttr::get(b.getContext(), kiln::krt::Kernel::Gram), ValueRange{j},
        ValueRange{init},
        kiln::krt::GramAttr::get(b.getContext(), rows, p, paramElement.isF64()));
    return call.getResult(0);
  }

  Value build(ImplicitLocOpBuilder &b) {
    zero = arith::ConstantIndexOp::create(b, 0);
    one = arith::ConstantIndexOp::create(b, 1);
    auto square = RankedTensorType::get({n, n}, kernelElement);
    switch (op.getLogits()) {
    case kiln::NtkLogits::Sum:
      return gram(b, jacobian(b, n, Value()));
    case kiln::NtkLogits::Full: {
      Value g = gram(b, jacobian(b, n * k, Value()));
      return tensor::ExpandShapeOp::create(b, rankedType(op.getKernel()), g,
                                           ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    }
    case kiln::NtkLogits::Trace:
      break;
    }
    // One logit's rows at a time: memory N P whatever K is.
    Value upper = arith::ConstantIndexOp::create(b, k);
    auto loop = scf::ForOp::create(b, zero, upper, one, ValueRange{filled(b, square, 0.0)});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value g = gram(b, jacobian(b, n, loop.getInductionVar()));
      scf::YieldOp::create(b, Value(arith::AddFOp::create(b, loop.getRegionIterArg(0), g)));
    }
    Value theta = loop.getResult(0);
    if (k == 1)
      return theta;
    auto scale = DenseElementsAttr::get(square, b.getFloatAttr(kernelElement, 1.0 / double(k)));
    return arith::MulFOp::create(b, theta, arith::ConstantOp::create(b, scale));
  }
};

struct KilnExpandNtkPass : kiln::impl::KilnExpandNtkPassBase<KilnExpandNtkPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<kiln::NtkOp> ops;
    module.walk([&](kiln::NtkOp op) { ops.push_back(op); });
    // One weighted function per model, shared by its kiln.ntk ops.
    llvm::DenseMap<Operation *, func::FuncOp> weightedOf;
    for (kiln::NtkOp op : ops) {
      auto model = symbols.lookup<func::FuncOp>(op.getCallee()); // the verifier checked it
      func::FuncOp &weighted = weightedOf[model];
      if (!weighted)
        weighted = buildWeighted(model, symbols);
      auto logits = cast<RankedTensorType>(model.getFunctionType().getResult(0));
      Expansion e{op,
                  weighted,
                  logits.getDimSize(0),
                  logits.getDimSize(1),
                  0,
                  rankedType(op.getOperands()[op.getWrt().front()]).getElementType(),
                  rankedType(op.getKernel()).getElementType(),
                  {},
                  {}};
      for (int64_t index : op.getWrt())
        e.p += rankedType(op.getOperands()[index]).getNumElements();
      ImplicitLocOpBuilder b(op.getLoc(), op);
      Value kernel = e.build(b);
      op.getKernel().replaceAllUsesWith(kernel);
      op.erase();
    }
  }
};

} // namespace
