// SPDX-License-Identifier: Apache-2.0
// kiln-autodiff: reverse mode from per-op VJP rules (DifferentiableOpInterface).
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/IR/IRMapping.h"

namespace kiln {
#define GEN_PASS_DEF_KILNAUTODIFFPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isFloatTensor(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// Zeros shaped like `like`: the cotangent of a value that does not reach the loss.
Value zerosLike(OpBuilder &b, Location loc, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, d));
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(type.getElementType(), 0.0));
  return linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{empty}).getResult(0);
}

/// Builds `@<callee>_value_and_grad_<wrt>`: (callee's arguments) -> (loss, gradients).
FailureOr<func::FuncOp> buildAdjoint(func::FuncOp callee, ArrayRef<int64_t> wrt,
                                     SymbolTable &symbols) {
  if (!callee.getBody().hasOneBlock())
    return callee.emitError("kiln-autodiff: @")
           << callee.getSymName() << " has control flow between blocks, not supported yet";
  std::string name = (callee.getSymName() + "_value_and_grad").str();
  for (int64_t i : wrt)
    name += "_" + std::to_string(i);
  if (auto existing = symbols.lookup<func::FuncOp>(name))
    return existing;

  FunctionType calleeType = callee.getFunctionType();
  SmallVector<Type> results = {calleeType.getResult(0)};
  for (int64_t i : wrt)
    results.push_back(calleeType.getInput(i));
  OpBuilder mb(callee);
  mb.setInsertionPointAfter(callee);
  auto adjoint = func::FuncOp::create(mb, callee.getLoc(), name,
                                      FunctionType::get(callee.getContext(),
                                                        calleeType.getInputs(), results));
  adjoint.setPrivate();
  IRMapping mapping;
  callee.getBody().cloneInto(&adjoint.getBody(), mapping);
  symbols.insert(adjoint);

  Block &body = adjoint.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  Location loc = ret.getLoc();
  Value loss = ret.getOperand(0);
  auto lossType = cast<RankedTensorType>(loss.getType());
  DenseMap<Value, Value> cotangent;
  cotangent[loss] = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
  auto accumulate = [&](Value v, Value c) {
    auto [it, inserted] = cotangent.try_emplace(v, c);
    if (!inserted) // fan-out: the value fed several ops, its cotangent is their sum
      it->second = arith::AddFOp::create(b, loc, it->second, c);
  };

  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator())
    forward.push_back(&op);
  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::none_of(op->getResults(), [&](Value r) { return cotangent.count(r); }))
      continue;
    auto differentiable = dyn_cast<kiln::DifferentiableOpInterface>(op);
    if (!differentiable) {
      // Integer and index computations carry no gradient (labels, shapes, counters).
      if (llvm::none_of(op->getOperandTypes(), isFloatTensor))
        continue;
      return op->emitError("kiln-autodiff: no VJP rule for '")
             << op->getName() << "' on the path from @" << callee.getSymName()
             << "'s loss to its arguments";
    }
    SmallVector<Value> resultCotangents;
    for (Value r : op->getResults())
      resultCotangents.push_back(cotangent.count(r)      ? cotangent[r]
                                 : isFloatTensor(r.getType()) ? zerosLike(b, loc, r)
                                                              : Value());
    FailureOr<SmallVector<Value>> operandCotangents =
        differentiable.buildVJP(b, resultCotangents);
    if (failed(operandCotangents))
      return failure();
    for (auto [operand, c] : llvm::zip(op->getOperands(), *operandCotangents))
      if (c && isFloatTensor(operand.getType()))
        accumulate(operand, c);
  }

  SmallVector<Value> returned = {loss};
  for (int64_t i : wrt) {
    BlockArgument arg = body.getArgument(i);
    returned.push_back(cotangent.count(arg) ? cotangent[arg] : zerosLike(b, loc, arg));
  }
  ret.getOperandsMutable().assign(returned);
  return adjoint;
}

struct KilnAutodiffPass : kiln::impl::KilnAutodiffPassBase<KilnAutodiffPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Operation *> gradients;
    module.walk([&](Operation *op) {
      if (isa<kiln::ValueAndGradOp, kiln::GradOp>(op))
        gradients.push_back(op);
    });
    for (Operation *op : gradients) {
      auto calleeAttr = op->getAttrOfType<FlatSymbolRefAttr>("callee");
      ArrayRef<int64_t> wrt = op->getAttrOfType<DenseI64ArrayAttr>("wrt").asArrayRef();
      auto callee = symbols.lookup<func::FuncOp>(calleeAttr.getValue());
      FailureOr<func::FuncOp> adjoint = buildAdjoint(callee, wrt, symbols);
      if (failed(adjoint))
        return signalPassFailure();
      OpBuilder b(op);
      auto call = func::CallOp::create(b, op->getLoc(), *adjoint, op->getOperands());
      // kiln.grad drops the loss.
      ValueRange replacements = call.getResults();
      if (isa<kiln::GradOp>(op))
        replacements = replacements.drop_front();
      op->replaceAllUsesWith(replacements);
      op->erase();
    }
  }
};

} // namespace
