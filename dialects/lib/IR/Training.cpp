// SPDX-License-Identifier: Apache-2.0
// kiln.train_step: what the optimizers and schedules it names take, and its verifiers.
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include <cmath>

using namespace mlir;
using namespace kiln;

OperationName TrainStepOp::getOptimizerOpName() {
  return OperationName(("kiln." + stringifyTrainOptimizer(getOptimizer())).str(), getContext());
}

ArrayRef<StringLiteral> TrainStepOp::getStateKinds(TrainOptimizer optimizer) {
  static constexpr StringLiteral buf[] = {"buf"}, adam[] = {"m", "v"},
                                 amsgrad[] = {"m", "v", "vmax"}, sum[] = {"sum"},
                                 squareAvg[] = {"square_avg"}, m[] = {"m"};
  switch (optimizer) {
  case TrainOptimizer::Sgd:
  case TrainOptimizer::SignSgd:
    return {};
  case TrainOptimizer::Momentum:
    return buf;
  case TrainOptimizer::Adam:
  case TrainOptimizer::AdamW:
    return adam;
  case TrainOptimizer::Amsgrad:
    return amsgrad;
  case TrainOptimizer::Adagrad:
    return sum;
  case TrainOptimizer::Rmsprop:
    return squareAvg;
  case TrainOptimizer::Lion:
    return m;
  }
  llvm_unreachable("unknown optimizer");
}

bool TrainStepOp::takesStep(TrainOptimizer optimizer) {
  return optimizer == TrainOptimizer::Adam || optimizer == TrainOptimizer::AdamW ||
         optimizer == TrainOptimizer::Amsgrad || optimizer == TrainOptimizer::Adagrad;
}

std::optional<OperationName> TrainStepOp::getScheduleOpName() {
  if (getSchedule() == TrainSchedule::Constant)
    return std::nullopt;
  return OperationName(("kiln." + stringifyTrainSchedule(getSchedule()) + "_schedule").str(),
                       getContext());
}

StringRef TrainStepOp::getScheduleRateAttrName(TrainSchedule schedule) {
  switch (schedule) {
  case TrainSchedule::Constant:
    return "";
  case TrainSchedule::Linear:
    return "end_value"; // a warm-up towards lr
  case TrainSchedule::CosineDecay:
  case TrainSchedule::StepDecay:
    return "init_value";
  case TrainSchedule::WarmupCosineDecay:
    return "peak_value";
  case TrainSchedule::Uba:
    return "max_value";
  }
  llvm_unreachable("unknown schedule");
}

std::string TrainStepOp::getStepsOptionName(StringRef name) {
  if (!name.consume_back("_epochs"))
    return "";
  return name == "step_size" ? name.str() : (name + "_steps").str();
}

namespace {

/// Every entry of `options` must be an attribute of `op` that the train step does not set
/// itself (`reserved`): a misspelt option would otherwise be carried along and ignored.
LogicalResult verifyOptions(Operation *self, StringRef what, DictionaryAttr options,
                            OperationName op, ArrayRef<StringRef> reserved) {
  if (!options)
    return success();
  ArrayRef<StringAttr> known = op.getAttributeNames();
  for (NamedAttribute option : options) {
    StringRef name = option.getName().getValue();
    // A length in epochs stands for the op's length in steps (getStepsOptionName).
    if (std::string steps = TrainStepOp::getStepsOptionName(name); !steps.empty() &&
        llvm::any_of(known, [&](StringAttr n) { return n.getValue() == steps; })) {
      if (options.get(steps))
        return self->emitOpError() << what << " gives both '" << name << "' and '" << steps
                                   << "'";
      auto isLength = [](Attribute a) {
        if (auto i = dyn_cast<IntegerAttr>(a); i && i.getType().isSignlessInteger())
          return !i.getValue().isNegative();
        auto f = dyn_cast<FloatAttr>(a);
        return f && f.getValueAsDouble() >= 0 && std::isfinite(f.getValueAsDouble());
      };
      if (!isLength(option.getValue()))
        return self->emitOpError() << what << ": '" << name << "' = " << option.getValue()
                                   << " is not a number of epochs (a non-negative integer or "
                                      "float)";
      continue;
    }
    if (llvm::is_contained(reserved, name))
      return self->emitOpError() << what << " sets '" << name
                                 << "', which the train step sets itself";
    if (!llvm::is_contained(known, option.getName())) {
      SmallVector<StringRef> names;
      for (StringAttr n : known)
        if (!llvm::is_contained(reserved, n.getValue()) && n.getValue() != "operandSegmentSizes")
          names.push_back(n.getValue());
      return self->emitOpError() << what << ": " << op << " has no attribute '" << name
                                 << "' (it has " << llvm::join(names, ", ") << ")";
    }
  }
  return success();
}

} // namespace

LogicalResult TrainStepOp::verify() {
  if (failed(verifyOptions(*this, "options", getOptionsAttr(), getOptimizerOpName(),
                           {"lr", "weight_decay"})))
    return failure();
  bool isPrivate = getPrivacy() != TrainPrivacy::None;
  if (isPrivate && !getMaxGradNormAttr())
    return emitOpError("privacy \"") << stringifyTrainPrivacy(getPrivacy())
                                     << "\" needs max_grad_norm, the per-example clipping norm";
  if (!isPrivate && (getMaxGradNormAttr() || getNoiseMultiplierAttr() ||
                     getErrorMaxNormAttr() || getExpectedBatchSizeAttr()))
    return emitOpError("max_grad_norm, noise_multiplier, error_max_norm and "
                       "expected_batch_size belong to a privacy method (privacy = \"dp_sgd\" "
                       "or \"dice_sgd\")");
  if (getErrorMaxNormAttr() && getPrivacy() != TrainPrivacy::DiceSgd)
    return emitOpError("error_max_norm is DiceSGD's (privacy = \"dice_sgd\")");
  bool compressed = getExchange() != GradientExchange::None &&
                    getExchange() != GradientExchange::Mean;
  if (!compressed && (getCompressorAttr() || getCompressionRatioAttr() || getEtaAttr()))
    return emitOpError("compressor, compression_ratio and eta belong to a compressed exchange "
                       "(exchange = \"compressed\", \"ef14\", \"ef21\" or \"econtrol\")");
  if (getCompressionRatioAttr() && getCompressionRatio()->convertToDouble() > 1)
    return emitOpError("compression_ratio ")
           << getCompressionRatio()->convertToDouble() << " keeps more than every coordinate";
  if (getExchange() == GradientExchange::EControl && !getEtaAttr())
    return emitOpError("exchange \"econtrol\" needs eta, its feedback strength in (0, 1] "
                       "(of the order of the compressor's delta, e.g. its ratio for top-k)");
  if (getEtaAttr() && getExchange() != GradientExchange::EControl)
    return emitOpError("eta is EControl's (exchange = \"econtrol\")");
  if (getEtaAttr() && getEta()->convertToDouble() > 1)
    return emitOpError("eta ") << getEta()->convertToDouble() << " must be in (0, 1]";
  if (isPrivate && getExchange() != GradientExchange::None)
    return emitOpError("a private step exchanging gradients between processes is not "
                       "supported yet: the clipped sums would have to be exchanged before "
                       "the noise, which kiln.dp_aggregate adds on one process");
  if (isPrivate && getClipGlobalNorm().convertToDouble() > 0)
    return emitOpError("clip_global_norm would clip the private gradient after its noise; "
                       "privacy clips each example's gradient to max_grad_norm instead");
  std::optional<OperationName> schedule = getScheduleOpName();
  if (!schedule) {
    if (getScheduleOptionsAttr())
      return emitOpError("has schedule_options but no schedule");
    return success();
  }
  return verifyOptions(*this, "schedule_options", getScheduleOptionsAttr(), *schedule,
                       {getScheduleRateAttrName(getSchedule())});
}

LogicalResult TrainStepOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto loss = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getLossAttr());
  if (!loss)
    return emitOpError("'") << getLoss() << "' is not a function";
  FunctionType type = loss.getFunctionType();
  auto result = type.getNumResults() == 1 ? dyn_cast<RankedTensorType>(type.getResult(0))
                                          : RankedTensorType();
  if (!result || result.getRank() != 0 || !result.getElementType().isF32())
    return emitOpError("@") << getLoss() << " must return one tensor<f32>, the loss";
  SmallVector<Type> params, images;
  Type labels;
  int64_t data = 0;
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    if (auto field = loss.getArgAttrOfType<StringAttr>(i, KilnDialect::kDataAttrName)) {
      if (field.getValue() == "weights")
        return emitOpError("@") << getLoss() << " argument " << i
                                << " is \"weights\": a loss is written for its batch; privacy "
                                   "adds the per-example weights to the step";
      if (field.getValue().starts_with("val_"))
        return emitOpError("@") << getLoss() << " argument " << i << " is \"" << field.getValue()
                                << "\": a training step takes one batch (\"images\", "
                                   "\"labels\")";
      ++data;
      if (field.getValue() == "labels")
        labels = type.getInput(i);
      else
        images.push_back(type.getInput(i));
      continue;
    }
    auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
    if (!tensor || !tensor.getElementType().isF32())
      return emitOpError("@") << getLoss() << " argument " << i
                              << " (a parameter) must be an f32 tensor, not " << type.getInput(i)
                              << "; data arguments carry kiln.data";
    if (!loss.getArgAttr(i, KilnDialect::kInitAttrName))
      return emitOpError("parameter ") << i << " of @" << getLoss()
                                       << " needs a kiln.init: the step initialises it";
    params.push_back(tensor);
  }
  if (params.empty())
    return emitOpError("@") << getLoss() << " has no parameters to train";
  if (!data)
    return emitOpError("@") << getLoss()
                            << " has no data argument (kiln.data \"images\"/\"labels\")";
  if (!getForward())
    return success();
  auto forward = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getForwardAttr());
  if (!forward)
    return emitOpError("forward '") << *getForward() << "' is not a function";
  if (!labels)
    return emitOpError("an evaluation step counts correct labels: @")
           << getLoss() << " has no kiln.data \"labels\" argument";
  SmallVector<Type> expected(params);
  expected.append(images);
  FunctionType forwardType = forward.getFunctionType();
  if (forwardType.getInputs() != ArrayRef<Type>(expected) || forwardType.getNumResults() != 1) {
    std::string inputs;
    llvm::raw_string_ostream os(inputs);
    llvm::interleaveComma(expected, os);
    return emitOpError("forward @")
           << forward.getSymName() << " must take the loss's parameters and images (" << inputs
           << ") and return the logits, not " << forwardType;
  }
  if (Operation *clash = symbols.lookupNearestSymbolFrom(
          *this, StringAttr::get(getContext(), getEvalStepName()))) {
    InFlightDiagnostic diag = emitOpError("writes @")
                              << getEvalStepName()
                              << " for its forward function, but the module has one";
    diag.attachNote(clash->getLoc()) << "defined here";
    return diag;
  }
  return success();
}
