// SPDX-License-Identifier: Apache-2.0
// kiln-autodiff: forward mode (kiln.jvp) from per-op JVP rules
// (ForwardDifferentiableOpInterface), then reverse mode from per-op VJP rules
// (DifferentiableOpInterface), and its per-sample form for kiln.clipped_value_and_grad
// (PerSampleGradientOpInterface).
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
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

/// What kiln.clipped_value_and_grad asks of the reverse sweep besides the loss.
struct PerSampleRequest {
  mutable kiln::ClippedValueAndGradOp op; // op accessors are not const
  RankedTensorType normsType; ///< [B], f32 or f64
};

/// Where a parameter's gradient is formed in per-sample mode: the op consuming it, which
/// operand it is, and that op's result cotangents.
struct PerSampleSite {
  kiln::PerSampleGradientOpInterface op;
  unsigned operand;
  SmallVector<Value> resultCotangents;
};

/// Every parameter feeds at most one op that can differentiate it per sample, with the
/// batch of the request; nothing mixes samples. Errors are located at the offending op.
LogicalResult checkPerSample(Block &body, ArrayRef<int64_t> wrt, const PerSampleRequest &request,
                             StringRef calleeName) {
  auto fail = [&](Operation *at) {
    InFlightDiagnostic d = at->emitError("kiln.clipped_value_and_grad of @");
    d << calleeName << ": ";
    d.attachNote(request.op.getLoc()) << "per-sample gradients requested here";
    return d;
  };
  int64_t batch = request.normsType.getDimSize(0);
  for (int64_t i : wrt) {
    BlockArgument arg = body.getArgument(i);
    SmallVector<OpOperand *> uses = llvm::map_to_vector(arg.getUses(), [](OpOperand &u) { return &u; });
    // In program order, so that the error names the second use.
    llvm::sort(uses, [&](OpOperand *a, OpOperand *b) {
      Operation *x = body.findAncestorOpInBlock(*a->getOwner());
      Operation *y = body.findAncestorOpInBlock(*b->getOwner());
      return x != y && x->isBeforeInBlock(y);
    });
    if (uses.size() > 1)
      return fail(uses[1]->getOwner())
             << "argument " << i << " is used by " << uses.size()
             << " ops; a shared parameter has no per-sample gradient from one op, not supported yet";
    if (uses.empty())
      continue;
    Operation *user = uses[0]->getOwner();
    auto perSample = dyn_cast<kiln::PerSampleGradientOpInterface>(user);
    std::string reason = "'" + user->getName().getStringRef().str() +
                         "' has no per-sample gradient rule";
    if (!perSample ||
        !perSample.supportsPerSampleGradient(uses[0]->getOperandNumber(), batch, reason))
      return fail(user) << "cannot differentiate argument " << i << " per sample: " << reason;
  }
  for (Operation &op : body)
    if (auto bn = dyn_cast<kiln::BatchNormOp>(op); bn && bn.getTraining())
      return fail(&op) << "kiln.batch_norm in training mode mixes the samples of a batch, so "
                          "no gradient is one sample's (as Opacus); use layer_norm, or "
                          "batch_norm with training = false";
  return success();
}

/// A [B] constant of the norms' element type.
Value splat(OpBuilder &b, Location loc, RankedTensorType type, double v) {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getFloatAttr(type.getElementType(), v)));
}

/// Builds `@<callee>_value_and_grad_<wrt>`: (callee's arguments) -> (loss, gradients); with
/// `perSample`, `@<callee>_clipped_value_and_grad`: (callee's arguments[, weights]) ->
/// (loss, norms, clipped sums[, plain sums]).
FailureOr<func::FuncOp> buildAdjoint(func::FuncOp callee, ArrayRef<int64_t> wrt,
                                     SymbolTable &symbols,
                                     const PerSampleRequest *perSample = nullptr) {
  if (!callee.getBody().hasOneBlock())
    return callee.emitError("kiln-autodiff: @")
           << callee.getSymName() << " has control flow between blocks, not supported yet";
  std::string name = (callee.getSymName() + "_value_and_grad").str();
  if (perSample)
    name = (callee.getSymName() + "_clipped_value_and_grad").str();
  for (int64_t i : wrt)
    name += "_" + std::to_string(i);
  if (auto existing = symbols.lookup<func::FuncOp>(name); existing && !perSample)
    return existing;

  FunctionType calleeType = callee.getFunctionType();
  SmallVector<Type> inputs(calleeType.getInputs());
  SmallVector<Type> results = {calleeType.getResult(0)};
  if (perSample) {
    results.push_back(perSample->normsType);
    if (perSample->op.getWeights())
      inputs.push_back(perSample->normsType);
  }
  for (int copies = perSample && perSample->op.getUnclipped() ? 2 : 1; copies > 0; --copies)
    for (int64_t i : wrt)
      results.push_back(calleeType.getInput(i));
  OpBuilder mb(callee);
  mb.setInsertionPointAfter(callee);
  auto adjoint = func::FuncOp::create(mb, callee.getLoc(), name,
                                      FunctionType::get(callee.getContext(), inputs, results));
  adjoint.setPrivate();
  IRMapping mapping;
  callee.getBody().cloneInto(&adjoint.getBody(), mapping);
  symbols.insert(adjoint); // renamed if a request with other attributes took the name

  Block &body = adjoint.getBody().front();
  Value weights;
  if (perSample) {
    if (perSample->op.getWeights())
      weights = body.addArgument(perSample->normsType, perSample->op.getLoc());
    if (failed(checkPerSample(body, wrt, *perSample, callee.getSymName())))
      return failure();
  }
  llvm::SmallDenseSet<Value> perSampleArgs;
  if (perSample)
    for (int64_t i : wrt)
      perSampleArgs.insert(body.getArgument(i));
  DenseMap<Value, PerSampleSite> sites;
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

  // Activity: the values that depend on a wrt argument. The sweep visits only ops with an
  // active operand, so what touches the batch alone (a crop, a pooling of the input) needs no
  // rule, as in JAX; values used inside an op's regions count as its operands.
  llvm::DenseSet<Value> active;
  for (int64_t i : wrt)
    active.insert(body.getArgument(i));
  auto isActiveOp = [&](Operation *op) {
    if (llvm::any_of(op->getOperands(), [&](Value v) { return active.contains(v); }))
      return true;
    bool captures = false;
    op->walk([&](Operation *inner) {
      if (inner != op)
        captures |= llvm::any_of(inner->getOperands(), [&](Value v) { return active.contains(v); });
    });
    return captures;
  };
  SmallVector<Operation *> forward;
  for (Operation &op : body.without_terminator()) {
    forward.push_back(&op);
    if (isActiveOp(&op))
      active.insert(op.getResults().begin(), op.getResults().end());
  }
  for (Operation *op : llvm::reverse(forward)) {
    if (llvm::none_of(op->getResults(), [&](Value r) { return cotangent.count(r); }) ||
        !isActiveOp(op))
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
    for (auto [index, operand, c] : llvm::enumerate(op->getOperands(), *operandCotangents)) {
      if (!c || !isFloatTensor(operand.getType()) || !active.contains(operand))
        continue;
      // Per sample, a parameter's gradient is rebuilt below from the op's result
      // cotangents; the batch-summed one the rule built goes unused.
      if (perSampleArgs.contains(operand))
        sites[operand] = {cast<kiln::PerSampleGradientOpInterface>(op), unsigned(index),
                          resultCotangents};
      else
        accumulate(operand, c);
    }
  }

  SmallVector<Value> returned = {loss};
  if (!perSample) {
    for (int64_t i : wrt) {
      BlockArgument arg = body.getArgument(i);
      returned.push_back(cotangent.count(arg) ? cotangent[arg] : zerosLike(b, loc, arg));
    }
    ret.getOperandsMutable().assign(returned);
    return adjoint;
  }

  // Per sample: the rows of the cotangents are (1/B) or 1 times sample i's, by the loss's
  // reduction, so g_i = scale * (row i's contribution).
  kiln::ClippedValueAndGradOp request = perSample->op;
  RankedTensorType normsType = perSample->normsType;
  double scale = request.getLossReduction() == kiln::LossReduction::Mean
                     ? double(normsType.getDimSize(0))
                     : 1.0;
  Value squared = splat(b, loc, normsType, 0.0);
  for (int64_t i : wrt) {
    auto it = sites.find(body.getArgument(i));
    if (it == sites.end())
      continue; // does not reach the loss: a zero gradient for every sample
    FailureOr<Value> s = it->second.op.buildPerSampleSquaredNorms(
        b, it->second.resultCotangents, it->second.operand, normsType.getDimSize(0));
    if (failed(s))
      return failure();
    squared = arith::AddFOp::create(b, loc, squared, *s);
  }
  Value norms = arith::MulFOp::create(b, loc, math::SqrtOp::create(b, loc, squared),
                                      splat(b, loc, normsType, scale));
  // Opacus: (max_norm / (norm + 1e-6)).clamp(max = 1), times the sample's weight.
  Value factor = arith::MinimumFOp::create(
      b, loc, splat(b, loc, normsType, 1.0),
      arith::DivFOp::create(b, loc, splat(b, loc, normsType, request.getMaxNorm().convertToDouble()),
                            arith::AddFOp::create(b, loc, norms, splat(b, loc, normsType, 1e-6))));
  if (weights)
    factor = arith::MulFOp::create(b, loc, factor, weights);
  Value scaleSplat = splat(b, loc, normsType, scale);
  SmallVector<Value> sumWeights = {arith::MulFOp::create(b, loc, factor, scaleSplat)};
  if (request.getUnclipped())
    sumWeights.push_back(weights ? Value(arith::MulFOp::create(b, loc, weights, scaleSplat))
                                 : scaleSplat);
  returned.push_back(norms);
  for (Value w : sumWeights)
    for (int64_t i : wrt) {
      BlockArgument arg = body.getArgument(i);
      auto it = sites.find(arg);
      if (it == sites.end()) {
        returned.push_back(zerosLike(b, loc, arg));
        continue;
      }
      FailureOr<Value> g = it->second.op.buildWeightedGradient(b, it->second.resultCotangents,
                                                                it->second.operand, w);
      if (failed(g))
        return failure();
      returned.push_back(*g);
    }
  ret.getOperandsMutable().assign(returned);
  return adjoint;
}

/// Writes `op` (kiln.jvp) in place: the callee's body copied at the op, each op followed by
/// its JVP rule where one of its operands carries a tangent.
LogicalResult expandJvp(kiln::JvpOp op, SymbolTable &symbols) {
  auto callee = symbols.lookup<func::FuncOp>(op.getCallee());
  if (!callee.getBody().hasOneBlock())
    return op.emitError("kiln-autodiff: @")
           << callee.getSymName() << " has control flow between blocks, not supported yet";
  Block &body = callee.getBody().front();
  OpBuilder b(op);
  IRMapping values; // callee -> expansion
  for (auto [arg, operand] : llvm::zip(body.getArguments(), op.getArgs()))
    values.map(arg, operand);
  DenseMap<Value, Value> tangentOf; // keyed by the callee's values
  for (auto [index, t] : llvm::zip(op.getWrt(), op.getTangents()))
    tangentOf[body.getArgument(index)] = t;
  for (Operation &original : body.without_terminator()) {
    Operation *copy = b.clone(original, values);
    SmallVector<Value> operandTangents = llvm::map_to_vector(
        original.getOperands(), [&](Value v) { return tangentOf.lookup(v); });
    if (llvm::all_of(operandTangents, [](Value t) { return !t; }))
      continue;
    auto forward = dyn_cast<kiln::ForwardDifferentiableOpInterface>(copy);
    if (!forward) {
      InFlightDiagnostic d = original.emitError("kiln-autodiff: no forward-mode (JVP) rule for '")
                             << original.getName() << "' on the path from @"
                             << callee.getSymName() << "'s arguments to its result";
      d.attachNote(op.getLoc()) << "differentiated in forward mode here";
      return d;
    }
    FailureOr<SmallVector<Value>> resultTangents = forward.buildJVP(b, operandTangents);
    if (failed(resultTangents))
      return failure();
    for (auto [result, t] : llvm::zip(original.getResults(), *resultTangents))
      if (t)
        tangentOf[result] = t;
  }
  Value result = body.getTerminator()->getOperand(0);
  Value tangent = tangentOf.lookup(result);
  if (!tangent) // the result does not depend on the wrt arguments
    tangent = zerosLike(b, op.getLoc(), values.lookup(result));
  op.getValue().replaceAllUsesWith(values.lookup(result));
  op.getTangent().replaceAllUsesWith(tangent);
  op.erase();
  return success();
}

struct KilnAutodiffPass : kiln::impl::KilnAutodiffPassBase<KilnAutodiffPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    // Forward mode first: a function a gradient differentiates may contain a JVP (reverse
    // over forward). A callee that itself contains a kiln.jvp leaves a copy of it, expanded
    // by the next round.
    for (int round = 0;; ++round) {
      SmallVector<kiln::JvpOp> jvps;
      module.walk([&](kiln::JvpOp op) { jvps.push_back(op); });
      if (jvps.empty())
        break;
      if (round == 8) {
        jvps.front().emitError("kiln-autodiff: kiln.jvp nested more than 8 deep (recursion?)");
        return signalPassFailure();
      }
      for (kiln::JvpOp op : jvps)
        if (failed(expandJvp(op, symbols)))
          return signalPassFailure();
    }
    SmallVector<Operation *> gradients;
    module.walk([&](Operation *op) {
      if (isa<kiln::ValueAndGradOp, kiln::GradOp, kiln::ClippedValueAndGradOp>(op))
        gradients.push_back(op);
    });
    for (Operation *op : gradients) {
      if (auto clipped = dyn_cast<kiln::ClippedValueAndGradOp>(op)) {
        auto callee = symbols.lookup<func::FuncOp>(clipped.getCallee());
        PerSampleRequest request{clipped, cast<RankedTensorType>(clipped.getNorms().getType())};
        FailureOr<func::FuncOp> adjoint = buildAdjoint(callee, clipped.getWrt(), symbols, &request);
        if (failed(adjoint))
          return signalPassFailure();
        OpBuilder b(op);
        SmallVector<Value> operands(clipped.getArgs());
        if (clipped.getWeights())
          operands.push_back(clipped.getWeights());
        auto call = func::CallOp::create(b, op->getLoc(), *adjoint, operands);
        op->replaceAllUsesWith(call.getResults());
        op->erase();
        continue;
      }
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
