// SPDX-License-Identifier: Apache-2.0
// kiln-train-step: kiln.train_step -> the step function (and @eval_step) it declares, written
// with the ops a hand-written step uses, so autodiff, fusion, the in-place guarantee and the
// runtime treat it like any other training step.
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Verifier.h"
#include <cmath>
#include <cstdio>

namespace kiln {
#define GEN_PASS_DEF_KILNTRAINSTEPPASS
#include "kiln/Transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

class StepBuilder {
public:
  StepBuilder(kiln::TrainStepOp op, func::FuncOp loss, int64_t trainExamples)
      : op(op), loss(loss), trainExamples(trainExamples), b(op), loc(op.getLoc()) {
    for (unsigned i = 0; i < loss.getNumArguments(); ++i)
      (loss.getArgAttr(i, kiln::KilnDialect::kDataAttrName) ? data : params).push_back(i);
  }

  /// The step; with `accumulateOnly` (privacy only), @<step>_accumulate: the same
  /// signature, adding the batch's clipped sums to the accumulators and nothing else.
  LogicalResult buildStep(bool accumulateOnly = false);
  void buildEval(func::FuncOp forward);

private:
  Type argType(unsigned i) { return loss.getArgumentTypes()[i]; }
  StringAttr lossArgName(unsigned i) {
    return loss.getArgAttrOfType<StringAttr>(i, kiln::KilnDialect::kNameAttrName);
  }

  /// Adds an argument to the function being declared, with its attributes.
  void addArg(Type type, ArrayRef<NamedAttribute> attrs) {
    inputs.push_back(type);
    argAttrs.push_back(b.getDictionaryAttr(attrs));
  }
  NamedAttribute nameAttr(const Twine &name) {
    return b.getNamedAttr(kiln::KilnDialect::kNameAttrName, b.getStringAttr(name));
  }
  /// The loss's own argument attributes for argument `i` (its name, init, data field).
  SmallVector<NamedAttribute> lossArgAttrs(unsigned i, bool withInit) {
    SmallVector<NamedAttribute> attrs;
    for (NamedAttribute a : loss.getArgAttrDict(i) ? loss.getArgAttrDict(i).getValue()
                                                   : ArrayRef<NamedAttribute>())
      if (withInit || a.getName() != kiln::KilnDialect::kInitAttrName)
        attrs.push_back(a);
    return attrs;
  }
  func::FuncOp declare(StringRef name) {
    auto fn = func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, {}));
    fn.setAllArgAttrs(argAttrs);
    inputs.clear();
    argAttrs.clear();
    return fn;
  }

  /// One optimizer op on a parameter: created by name, then given its attributes and
  /// verified, so options of the wrong type are located errors, never dropped.
  FailureOr<Operation *> update(Value param, Value grad, ValueRange state, Value t, Value lr);
  FailureOr<Value> schedule(Value count);
  /// `schedule_options` with its lengths in epochs turned into the op's lengths in steps.
  FailureOr<DictionaryAttr> scheduleOptionsInSteps();

  kiln::TrainStepOp op;
  func::FuncOp loss;
  int64_t trainExamples;
  OpBuilder b;
  Location loc;
  SmallVector<unsigned> params, data;
  SmallVector<Type> inputs;
  SmallVector<DictionaryAttr> argAttrs;
};

/// Sets `attrs` on `target`, refusing any that the op does not keep as given (an inherent
/// attribute of another type reads back as null).
LogicalResult setOptions(Operation *self, Operation *target, DictionaryAttr attrs,
                         StringRef what) {
  if (!attrs)
    return success();
  for (NamedAttribute a : attrs) {
    target->setAttr(a.getName(), a.getValue());
    if (target->getAttr(a.getName()) != a.getValue())
      return self->emitOpError() << what << ": '" << a.getName().getValue() << "' = "
                                 << a.getValue() << " is not a valid value for "
                                 << target->getName();
  }
  return success();
}

FailureOr<Operation *> StepBuilder::update(Value param, Value grad, ValueRange state, Value t,
                                           Value lr) {
  kiln::TrainOptimizer kind = op.getOptimizer();
  OperationState st(loc, op.getOptimizerOpName());
  st.addOperands({param, grad});
  st.addOperands(state);
  if (kiln::TrainStepOp::takesStep(kind))
    st.addOperands(t);
  if (lr)
    st.addOperands(lr);
  st.addTypes(SmallVector<Type>(1 + state.size(), param.getType()));
  Operation *update = b.create(st);
  // Adagrad's step and lr are both optional: say which operands are there.
  if (kind == kiln::TrainOptimizer::Adagrad)
    update->setAttr("operandSegmentSizes", b.getDenseI32ArrayAttr({1, 1, 1, 1, lr ? 1 : 0}));
  if (!lr)
    update->setAttr("lr", op.getLrAttr());
  if (op.getWeightDecayAttr())
    update->setAttr("weight_decay", op.getWeightDecayAttr());
  if (failed(setOptions(op, update, op.getOptionsAttr(), "options")) ||
      failed(mlir::verify(update)))
    return failure();
  return update;
}

FailureOr<Value> StepBuilder::schedule(Value count) {
  std::optional<OperationName> name = op.getScheduleOpName();
  if (!name)
    return Value();
  OperationState st(loc, *name);
  st.addOperands(count);
  st.addTypes(RankedTensorType::get({}, b.getF32Type()));
  Operation *schedule = b.create(st);
  schedule->setAttr(kiln::TrainStepOp::getScheduleRateAttrName(op.getSchedule()),
                    op.getLrAttr());
  FailureOr<DictionaryAttr> options = scheduleOptionsInSteps();
  if (failed(options) || failed(setOptions(op, schedule, *options, "schedule_options")) ||
      failed(mlir::verify(schedule)))
    return failure();
  return schedule->getResult(0);
}

FailureOr<DictionaryAttr> StepBuilder::scheduleOptionsInSteps() {
  DictionaryAttr options = op.getScheduleOptionsAttr();
  if (!options)
    return options;
  SmallVector<NamedAttribute> inSteps;
  for (NamedAttribute option : options) {
    std::string steps = kiln::TrainStepOp::getStepsOptionName(option.getName().getValue());
    if (steps.empty()) {
      inSteps.push_back(option);
      continue;
    }
    // kiln-run's loop: whole batches of the first data argument's leading extent.
    int64_t batch = 0;
    for (unsigned i : data)
      if (auto type = dyn_cast<RankedTensorType>(argType(i)); type && type.getRank() > 0) {
        batch = type.getDimSize(0);
        break;
      }
    if (trainExamples <= 0)
      return op.emitOpError() << "schedule_options: '" << option.getName().getValue()
                              << "' needs the number of training examples per epoch: kiln-run "
                                 "--train takes it from the data set; otherwise give "
                                 "--train-examples N (or '"
                              << steps << "')";
    if (batch <= 0 || trainExamples < batch)
      return op.emitOpError() << "schedule_options: '" << option.getName().getValue()
                              << "': " << trainExamples
                              << " training examples make no whole batch of " << batch;
    int64_t stepsPerEpoch = trainExamples / batch;
    double epochs = isa<FloatAttr>(option.getValue())
                        ? cast<FloatAttr>(option.getValue()).getValueAsDouble()
                        : double(cast<IntegerAttr>(option.getValue()).getInt());
    auto length = int64_t(std::llround(epochs * double(stepsPerEpoch)));
    inSteps.push_back(b.getNamedAttr(steps, b.getI64IntegerAttr(length)));
  }
  return b.getDictionaryAttr(inSteps);
}

LogicalResult StepBuilder::buildStep(bool accumulateOnly) {
  b.setInsertionPoint(op);
  // The signature: parameters, state by kind, [DiceSGD's errors, accumulators,] counter,
  // [noise key, noise multiplier, lot,] batch [, weights] (kiln-run's convention).
  ArrayRef<StringLiteral> kinds = kiln::TrainStepOp::getStateKinds(op.getOptimizer());
  StringRef optimizer = kiln::stringifyTrainOptimizer(op.getOptimizer());
  kiln::TrainPrivacy privacy = op.getPrivacy();
  bool isPrivate = privacy != kiln::TrainPrivacy::None;
  bool dice = privacy == kiln::TrainPrivacy::DiceSgd;
  // Per-parameter state besides the optimizer's: DiceSGD's error, the clipped sums'
  // accumulator, and DiceSGD's plain sums' accumulator.
  SmallVector<std::string> extraKinds;
  if (dice)
    extraKinds.push_back("dice.e");
  if (isPrivate)
    extraKinds.push_back("dp.acc");
  if (dice)
    extraKinds.push_back("dp.acc_sum");
  // A compressed exchange's error control: e.g. econtrol.e, econtrol.h, econtrol.hbar.
  StringRef exchangeName = kiln::stringifyGradientExchange(op.getExchange());
  size_t exchangeKindsAt = extraKinds.size();
  SmallVector<StringRef> exchangeKinds = kiln::CompressedExchangeOp::getStateKinds(op.getExchange());
  for (StringRef kind : exchangeKinds)
    extraKinds.push_back((exchangeName + "." + kind).str());
  int64_t batch = 0;
  if (isPrivate) {
    for (unsigned i : data)
      if (auto type = dyn_cast<RankedTensorType>(argType(i)); type && type.getRank() > 0) {
        batch = type.getDimSize(0);
        break;
      }
    if (batch <= 0)
      return op.emitOpError("privacy needs the batch size at compile time: a static batch "
                            "in @")
             << op.getLoss() << ", or `batch` (kiln-run --batch N)";
  }
  for (unsigned i : params)
    addArg(argType(i), lossArgAttrs(i, /*withInit=*/true));
  NamedAttribute zeros = b.getNamedAttr(kiln::KilnDialect::kInitAttrName, b.getStringAttr("zeros"));
  for (StringRef kind : kinds)
    for (unsigned i : params) {
      SmallVector<NamedAttribute> attrs{zeros};
      if (StringAttr name = lossArgName(i))
        attrs.push_back(nameAttr(optimizer + "." + kind + "." + name.getValue()));
      addArg(argType(i), attrs);
    }
  for (StringRef kind : extraKinds)
    for (unsigned i : params) {
      SmallVector<NamedAttribute> attrs{zeros};
      if (StringAttr name = lossArgName(i))
        attrs.push_back(nameAttr(kind + "." + name.getValue()));
      addArg(argType(i), attrs);
    }
  auto counterType = RankedTensorType::get({}, b.getI64Type());
  auto scalarType = RankedTensorType::get({}, b.getF32Type());
  addArg(counterType, {zeros, nameAttr("step")});
  if (isPrivate) {
    auto init = [&](const Twine &spec) {
      return b.getNamedAttr(kiln::KilnDialect::kInitAttrName, b.getStringAttr(spec));
    };
    double sigma = op.getNoiseMultiplierAttr() ? op.getNoiseMultiplierAttr().getValueAsDouble() : 1.0;
    int64_t lot = op.getExpectedBatchSizeAttr() ? op.getExpectedBatchSizeAttr().getInt() : batch;
    addArg(counterType, {init("key"), nameAttr("dp.key")});
    char sigmaText[32];
    std::snprintf(sigmaText, sizeof sigmaText, "%.17g", sigma);
    addArg(scalarType, {init(Twine("fill:") + sigmaText), nameAttr("dp.noise_multiplier")});
    addArg(scalarType, {init("fill:" + std::to_string(lot)), nameAttr("dp.lot")});
  }
  for (unsigned i : data)
    addArg(argType(i), lossArgAttrs(i, /*withInit=*/false));
  auto weightsType = RankedTensorType::get({batch}, b.getF32Type());
  if (isPrivate)
    addArg(weightsType, {b.getNamedAttr(kiln::KilnDialect::kDataAttrName, b.getStringAttr("weights")),
                         b.getNamedAttr(kiln::KilnDialect::kInitAttrName, b.getStringAttr("ones")),
                         nameAttr("weights")});
  func::FuncOp fn = declare(accumulateOnly ? op.getAccumulateName() : op.getSymName().str());
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);

  size_t numParams = params.size();
  ValueRange args = body->getArguments();
  ValueRange paramArgs = args.take_front(numParams);
  size_t extraAt = numParams * (1 + kinds.size());
  auto extra = [&](size_t k) { return args.slice(extraAt + k * numParams, numParams); };
  size_t counterAt = extraAt + extraKinds.size() * numParams;
  Value counter = args[counterAt];
  SmallVector<Value> point(loss.getNumArguments());
  for (auto [i, v] : llvm::zip_equal(params, paramArgs))
    point[i] = v;
  for (auto [i, v] : llvm::zip_equal(data, args.drop_back(isPrivate ? 1 : 0).take_back(data.size())))
    point[i] = v;

  // Gradients. Passes that exchange, clip per sample or compress them rewrite these results.
  SmallVector<Type> types{loss.getFunctionType().getResult(0)};
  SmallVector<int64_t> wrt(params.begin(), params.end());
  Value lossValue;
  SmallVector<Value> grads, newExtra, spentSums;
  Value newKey;
  if (!isPrivate) {
    for (Value p : paramArgs)
      types.push_back(p.getType());
    auto grad = kiln::ValueAndGradOp::create(
        b, loc, types, point,
        {b.getNamedAttr("callee", FlatSymbolRefAttr::get(loss.getSymNameAttr())),
         b.getNamedAttr("wrt", b.getDenseI64ArrayAttr(wrt))});
    lossValue = grad.getResult(0);
    grads.assign(grad.getResults().begin() + 1, grad.getResults().end());
  } else {
    // Per-example clipping (and DiceSGD's plain sums), added to what earlier physical
    // batches of the lot accumulated.
    types.push_back(weightsType);
    for (int copies = dice ? 2 : 1; copies > 0; --copies)
      for (Value p : paramArgs)
        types.push_back(p.getType());
    Value weights = args.back();
    // The loss is a mean over the physical batch (its padding included): Opacus' "mean".
    auto clipped = kiln::ClippedValueAndGradOp::create(
        b, loc, types, loss.getSymName(), point, weights, wrt,
        op.getMaxGradNormAttr().getValue(), kiln::LossReduction::Mean, dice);
    lossValue = clipped.getLoss();
    size_t acc = dice ? 1 : 0;
    SmallVector<Value> sums, plain;
    for (auto [a, s] : llvm::zip_equal(extra(acc), clipped.getClippedGradients()))
      sums.push_back(arith::AddFOp::create(b, loc, a, s));
    if (dice)
      for (auto [a, s] : llvm::zip_equal(extra(acc + 1), clipped.getUnclippedGradients()))
        plain.push_back(arith::AddFOp::create(b, loc, a, s));
    if (accumulateOnly) {
      // Everything else stays as it is: the results are the inputs, unchanged.
      SmallVector<Value> results(args.take_front(extraAt));
      if (dice)
        results.append(extra(0).begin(), extra(0).end());
      results.append(sums);
      results.append(plain);
      results.push_back(counter);
      results.push_back(lossValue);
      func::ReturnOp::create(b, loc, results);
      fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(), ValueRange(results).getTypes()));
      return success();
    }
    Value key = args[counterAt + 1], sigma = args[counterAt + 2], lot = args[counterAt + 3];
    if (dice) {
      SmallVector<Type> resultTypes;
      for (int copies = 2; copies > 0; --copies)
        for (Value p : paramArgs)
          resultTypes.push_back(p.getType());
      resultTypes.push_back(key.getType());
      auto feedback = kiln::DiceFeedbackOp::create(
          b, loc, resultTypes, sums, plain, extra(0), key, sigma, lot, op.getMaxGradNormAttr(),
          op.getErrorMaxNormAttr() ? op.getErrorMaxNormAttr() : op.getMaxGradNormAttr());
      grads.assign(feedback.getUpdates().begin(), feedback.getUpdates().end());
      newExtra.append(feedback.getNewErrors().begin(), feedback.getNewErrors().end());
      newKey = feedback.getNextKey();
    } else {
      SmallVector<Type> resultTypes(ValueRange(sums).getTypes());
      resultTypes.push_back(key.getType());
      auto aggregate = kiln::DpAggregateOp::create(b, loc, resultTypes, sums, key, sigma, lot,
                                                   op.getMaxGradNormAttr());
      grads.assign(aggregate.getResults().begin(), aggregate.getResults().end());
      newKey = aggregate.getNextKey();
    }
    spentSums.assign(sums);
    spentSums.append(plain);
  }
  // The schedule reads the counter before its increment (Optax's count); the exchange and
  // the optimizers take the 1-based step t, and the increment comes after the last read of
  // the counter so it can reuse the buffer.
  FailureOr<Value> lr = schedule(counter);
  if (failed(lr))
    return failure();
  Value one = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(counterType, int64_t(1)));
  Value t = arith::AddIOp::create(b, loc, counter, one);
  // Between the backward pass and everything that reads the gradients: each rank applies
  // what the exchange makes of all ranks' gradients (kiln-data-parallel writes how).
  if (op.getExchange() == kiln::GradientExchange::Mean) {
    auto exchange = kiln::ExchangeGradientsOp::create(b, loc, ValueRange(grads).getTypes(),
                                                      grads, op.getExchange());
    grads.assign(exchange.getResults().begin(), exchange.getResults().end());
  } else if (op.getExchange() != kiln::GradientExchange::None) {
    SmallVector<Value> state;
    for (size_t k = 0; k < exchangeKinds.size(); ++k)
      llvm::append_range(state, extra(exchangeKindsAt + k));
    int64_t d = 0;
    for (Value g : grads)
      d += cast<ShapedType>(g.getType()).getNumElements();
    double ratio = op.getCompressionRatioAttr() ? op.getCompressionRatio()->convertToDouble() : 0.01;
    int64_t k = std::clamp<int64_t>(std::llround(ratio * double(d)), 1, d);
    SmallVector<Type> resultTypes(ValueRange(grads).getTypes());
    llvm::append_range(resultTypes, ValueRange(state).getTypes());
    auto exchange = kiln::CompressedExchangeOp::create(
        b, loc, resultTypes, grads, state, t, op.getExchange(),
        op.getCompressor().value_or(kiln::Compressor::TopK), uint64_t(k),
        llvm::APFloat(op.getEtaAttr() ? op.getEta()->convertToDouble() : 1.0), /*key=*/0);
    grads.assign(exchange.getDirections().begin(), exchange.getDirections().end());
    newExtra.append(exchange.getNewState().begin(), exchange.getNewState().end());
  }
  if (double norm = op.getClipGlobalNorm().convertToDouble(); norm > 0) {
    auto clip = kiln::ClipByGlobalNormOp::create(b, loc, ValueRange(grads).getTypes(), grads,
                                                  op.getClipGlobalNormAttr());
    grads.assign(clip.getResults().begin(), clip.getResults().end());
  }

  SmallVector<Value> newParams, newState(numParams * kinds.size());
  for (size_t p = 0; p < numParams; ++p) {
    SmallVector<Value> state;
    for (size_t k = 0; k < kinds.size(); ++k)
      state.push_back(args[numParams * (1 + k) + p]);
    FailureOr<Operation *> updated = update(paramArgs[p], grads[p], state, t, *lr);
    if (failed(updated))
      return failure();
    newParams.push_back((*updated)->getResult(0));
    for (size_t k = 0; k < kinds.size(); ++k)
      newState[k * numParams + p] = (*updated)->getResult(1 + k);
  }
  // The accumulators start the next lot at zero. The sums were formed in their buffers
  // (acc + s, in place); zeroing the sums after every read of them (the updates, which
  // fusion may merge with the noise), not the old accumulators, keeps one buffer.
  for (Value sum : spentSums) {
    auto type = cast<RankedTensorType>(sum.getType());
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(type.getElementType(), 0.0));
    newExtra.push_back(linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{sum}).getResult(0));
  }
  SmallVector<Value> results(newParams);
  results.append(newState);
  results.append(newExtra);
  results.push_back(t);
  if (newKey)
    results.push_back(newKey);
  results.push_back(lossValue);
  func::ReturnOp::create(b, loc, results);
  fn.setFunctionType(b.getFunctionType(fn.getArgumentTypes(), ValueRange(results).getTypes()));
  return success();
}

void StepBuilder::buildEval(func::FuncOp forward) {
  b.setInsertionPoint(op);
  for (unsigned i : params)
    addArg(argType(i), lossArgAttrs(i, /*withInit=*/false));
  for (unsigned i : data)
    addArg(argType(i), lossArgAttrs(i, /*withInit=*/false));
  func::FuncOp fn = declare(kiln::TrainStepOp::getEvalStepName());
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  ValueRange args = body->getArguments();
  SmallVector<Value> point(loss.getNumArguments()), forwardArgs(args.take_front(params.size()));
  for (auto [i, v] : llvm::zip_equal(params, args.take_front(params.size())))
    point[i] = v;
  Value labels;
  for (auto [i, v] : llvm::zip_equal(data, args.take_back(data.size()))) {
    point[i] = v;
    if (loss.getArgAttrOfType<StringAttr>(i, kiln::KilnDialect::kDataAttrName).getValue() ==
        "labels")
      labels = v;
    else
      forwardArgs.push_back(v);
  }
  // The inliner and CSE make the two calls share one forward pass.
  Value logits = func::CallOp::create(b, loc, forward, forwardArgs).getResult(0);
  Value lossValue = func::CallOp::create(b, loc, loss, point).getResult(0);
  Value correct = kiln::CountCorrectOp::create(
      b, loc, RankedTensorType::get({}, b.getI64Type()), logits, labels);
  func::ReturnOp::create(b, loc, ValueRange{lossValue, correct});
  fn.setFunctionType(
      b.getFunctionType(fn.getArgumentTypes(), TypeRange{lossValue.getType(), correct.getType()}));
}

struct KilnTrainStepPass : kiln::impl::KilnTrainStepPassBase<KilnTrainStepPass> {
  using Base::Base;

  /// The driver's choice of exchange (kiln-run --exchange ...) replaces the program's; the
  /// op's verifier then checks the combination, located at the op.
  LogicalResult applyOverrides(kiln::TrainStepOp op) {
    OpBuilder b(op);
    if (!exchange.empty()) {
      if (!kiln::symbolizeGradientExchange(exchange))
        return op.emitOpError("--exchange ")
               << exchange << " is not none, mean, compressed, ef14, ef21 or econtrol";
      op->setAttr(op.getExchangeAttrName(), b.getStringAttr(exchange));
    }
    if (!compressor.empty()) {
      if (!kiln::symbolizeCompressor(compressor))
        return op.emitOpError("--compressor ")
               << compressor
               << " is not top_k, top_k_threshold, rand_k, scaled_sign, bf16 or fp16";
      op->setAttr(op.getCompressorAttrName(), b.getStringAttr(compressor));
    }
    if (compressionRatio != 0)
      op->setAttr(op.getCompressionRatioAttrName(), b.getF64FloatAttr(compressionRatio));
    if (eta != 0)
      op->setAttr(op.getEtaAttrName(), b.getF64FloatAttr(eta));
    return op.verifyInvariants();
  }
  void runOnOperation() override {
    SmallVector<kiln::TrainStepOp> ops;
    getOperation().walk([&](kiln::TrainStepOp op) { ops.push_back(op); });
    // A driver's exchange that no op takes would leave a hand-written step exchanging
    // nothing while the user believes it does.
    if (ops.empty() && (!exchange.empty() || !compressor.empty() || compressionRatio != 0 ||
                        eta != 0)) {
      getOperation().emitError("--exchange, --compressor, --compression-ratio and --eta set "
                               "up kiln.train_step's gradient exchange, and this program has "
                               "no kiln.train_step (a hand-written step exchanges with "
                               "kiln.exchange_gradients or kiln.compressed_exchange)");
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    bool failedAny = false;
    for (kiln::TrainStepOp op : ops) {
      if (failed(applyOverrides(op))) {
        failedAny = true;
        continue;
      }
      // The verifier has checked @loss, @forward and the option names.
      auto loss = symbols.lookup<func::FuncOp>(op.getLoss());
      StepBuilder builder(op, loss, trainExamples);
      if (failed(builder.buildStep()) ||
          (op.getPrivacy() != kiln::TrainPrivacy::None &&
           failed(builder.buildStep(/*accumulateOnly=*/true)))) {
        failedAny = true;
        continue;
      }
      if (auto forward = op.getForward())
        builder.buildEval(symbols.lookup<func::FuncOp>(*forward));
      op->erase();
    }
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
