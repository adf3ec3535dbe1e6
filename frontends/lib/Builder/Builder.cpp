// SPDX-License-Identifier: Apache-2.0
// Building kiln programs from C++: the module a person writes by hand, checked as it grows.
#include "kiln/Frontends/Builder.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/runtime/InitSpec.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cmath>
#include <cstdio>

using namespace mlir;

namespace kiln {

void registerProgramDialects(MLIRContext &context) {
  // Loaded one by one: a context the caller registered every dialect in (to compile in
  // process) need not load them all.
  context.getOrLoadDialect<KilnDialect>();
  context.getOrLoadDialect<func::FuncDialect>();
  context.getOrLoadDialect<arith::ArithDialect>();
  context.getOrLoadDialect<math::MathDialect>();
  context.getOrLoadDialect<tensor::TensorDialect>();
}

Program::Program(std::unique_ptr<MLIRContext> context, OwningOpRef<ModuleOp> module)
    : context(std::move(context)), module(std::move(module)) {}

Program::~Program() = default;

void Program::print(llvm::raw_ostream &os) const { printProgram(get(), os); }

llvm::Error Program::write(StringRef path) const { return writeProgram(get(), path); }

ArrayRef<int64_t> TensorValue::shape() const {
  if (auto type = value ? dyn_cast<RankedTensorType>(value.getType()) : RankedTensorType())
    return type.getShape();
  return {};
}

int64_t TensorValue::dim(int64_t i) const {
  int64_t r = rank();
  if (i < 0)
    i += r;
  return i >= 0 && i < r ? shape()[i] : -1;
}

bool TensorValue::hasDynamicBatch() const {
  return rank() > 0 && ShapedType::isDynamic(shape().front());
}

namespace {
/// A length in epochs as the text writes it: a whole number as an integer (i64, as
/// `decay_epochs = 10` parses), any other (a fraction, NaN, a negative or huge value, which
/// trainStep refuses) as a float.
Option epochsOption(std::string name, double epochs) {
  if (std::isfinite(epochs) && epochs == std::floor(epochs) && std::fabs(epochs) < 0x1p53)
    return Option(std::move(name), static_cast<long long>(epochs));
  return Option(std::move(name), epochs);
}
} // namespace

TrainStepOptions &TrainStepOptions::warmupCosineDecay(int64_t warmupSteps, int64_t decaySteps,
                                                      double initValue, double endValue) {
  schedule = "warmup_cosine_decay";
  scheduleOptions = {{"init_value", initValue},
                     {"warmup_steps", static_cast<long long>(warmupSteps)},
                     {"decay_steps", static_cast<long long>(decaySteps)}};
  // Defaults stay unwritten, so the program reads as one written by hand.
  if (endValue != 0.0)
    scheduleOptions.emplace_back("end_value", endValue);
  return *this;
}

TrainStepOptions &TrainStepOptions::cosineDecay(int64_t decaySteps, double alpha) {
  schedule = "cosine_decay";
  scheduleOptions = {{"decay_steps", static_cast<long long>(decaySteps)}};
  if (alpha != 0.0)
    scheduleOptions.emplace_back("alpha", alpha);
  return *this;
}

TrainStepOptions &TrainStepOptions::warmupCosineDecayEpochs(double warmupEpochs,
                                                            double decayEpochs, double initValue,
                                                            double endValue) {
  schedule = "warmup_cosine_decay";
  scheduleOptions = {{"init_value", initValue},
                     epochsOption("warmup_epochs", warmupEpochs),
                     epochsOption("decay_epochs", decayEpochs)};
  if (endValue != 0.0)
    scheduleOptions.emplace_back("end_value", endValue);
  return *this;
}

TrainStepOptions &TrainStepOptions::cosineDecayEpochs(double decayEpochs, double alpha) {
  schedule = "cosine_decay";
  scheduleOptions = {epochsOption("decay_epochs", decayEpochs)};
  if (alpha != 0.0)
    scheduleOptions.emplace_back("alpha", alpha);
  return *this;
}

namespace {

/// "[128, 784]", "[?, 784]": shapes in messages read as PyTorch prints them.
std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? ", " : "") + (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
  return text + "]";
}

/// Collects the diagnostics emitted while alive, as "loc: message" lines, instead of
/// printing them: the builder returns them as its error.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &d) {
          append(d);
          for (Diagnostic &note : d.getNotes())
            // The op in generic form is noise to someone who wrote no IR.
            if (!StringRef(note.str()).starts_with("see current operation"))
              append(note);
          return success();
        }) {}
  std::string text() const { return collected; }

private:
  void append(Diagnostic &d) {
    if (!collected.empty())
      collected += "\n";
    std::string loc;
    llvm::raw_string_ostream os(loc);
    // Layer names are NameLocs: "fc2: 'kiln.matmul' op ...".
    if (auto name = dyn_cast<NameLoc>(d.getLocation()))
      os << name.getName().getValue() << ": ";
    else if (!isa<UnknownLoc>(d.getLocation()))
      os << d.getLocation() << ": ";
    collected += loc + d.str();
  }
  std::string collected;
  ScopedDiagnosticHandler handler;
};

bool validName(StringRef name) {
  return !name.empty() && llvm::all_of(name, [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '-';
  });
}

/// A hyperparameter as written: "-1", "0.001", "nan".
std::string num(double x) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", x);
  return text;
}

/// Whether `x` is finite and at least 0 (NaN is not).
bool nonNegative(double x) { return x >= 0.0 && std::isfinite(x); }

NamedAttribute optionAttr(Builder &b, const Option &option) {
  switch (option.kind) {
  case Option::F64:
    return b.getNamedAttr(option.name, b.getF64FloatAttr(option.f));
  case Option::I64:
    return b.getNamedAttr(option.name, b.getI64IntegerAttr(option.i));
  case Option::Flag:
    break;
  }
  return b.getNamedAttr(option.name, b.getUnitAttr());
}

DictionaryAttr optionsAttr(Builder &b, ArrayRef<Option> options) {
  SmallVector<NamedAttribute> attrs;
  for (const Option &option : options)
    if (option.kind != Option::Flag || option.flag)
      attrs.push_back(optionAttr(b, option));
  return attrs.empty() ? DictionaryAttr() : b.getDictionaryAttr(attrs);
}

} // namespace

/// What the builder has made so far. @forward takes the parameters, in the order they were
/// created, then the images; @loss the same, then the labels.
struct ProgramBuilder::State {
  OwningOpRef<ModuleOp> module;
  func::FuncOp forward, loss;
  struct Param {
    std::string name, init;
    bool alpha;
  };
  std::vector<Param> params;
  llvm::StringSet<> names;
  std::optional<unsigned> images; // its argument index is params.size() once the model closes
  std::string imagesName;
  SmallVector<int64_t> imagesShape;
  unsigned weightLayers = 0, layerNorms = 0;
  bool crossEntropy = false, stepDeclared = false, finished = false;
};

ProgramBuilder::ProgramBuilder()
    : ownedContext(std::make_unique<MLIRContext>()), context(ownedContext.get()), builder(context) {
  init();
}

ProgramBuilder::ProgramBuilder(MLIRContext &context) : context(&context), builder(&context) {
  init();
}

ProgramBuilder::~ProgramBuilder() = default;

void ProgramBuilder::init() {
  registerProgramDialects(*context);
  state = std::make_unique<State>();
  Location loc = UnknownLoc::get(context);
  state->module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(state->module->getBody());
  state->forward = func::FuncOp::create(builder, loc, "forward", builder.getFunctionType({}, {}));
  state->forward.setPrivate();
  builder.setInsertionPointToEnd(state->forward.addEntryBlock());
}

TensorValue ProgramBuilder::fail(StringRef what, const Twine &message) {
  if (error.empty())
    error = (what.empty() ? message.str() : (what + ": " + message).str());
  return TensorValue();
}

bool ProgramBuilder::open(StringRef what) {
  if (!error.empty())
    return false;
  if (state->finished)
    return fail(what, "the builder is finished; start a new one"), false;
  if (state->loss)
    return fail(what, "the model is closed by its loss; add layers before the loss"), false;
  return true;
}

bool ProgramBuilder::usable(TensorValue x, StringRef what) {
  if (!open(what))
    return false;
  if (!x)
    return fail(what, "the input is an empty tensor"), false;
  // A value of another builder, or of a function other than @forward, would be a use
  // across functions: invalid IR that only the verifier would catch, far from here.
  if (x.get().getParentRegion() != &state->forward.getBody())
    return fail(what, "the input is not a tensor of this program's model"), false;
  if (!isa<RankedTensorType>(x.get().getType()))
    return fail(what, "the input is not a ranked tensor"), false;
  // Every `?` of a program is its batch (kiln-specialize-batch): one elsewhere, from the
  // escape hatch, would become the batch size too.
  if (llvm::any_of(x.shape().drop_front(), ShapedType::isDynamic))
    return fail(what, "the input " + shapeText(x.shape()) +
                          " has a dynamic extent other than the batch (the first)"),
           false;
  return true;
}

bool ProgramBuilder::staticBatch(TensorValue x, StringRef what, StringRef op) {
  if (!x.hasDynamicBatch())
    return true;
  return fail(what, "input " + shapeText(x.shape()) + ": " + op +
                        " works on static shapes only; give images() a batch size instead of "
                        "kBatch"),
         false;
}

Location ProgramBuilder::locFor(StringRef name) {
  return NameLoc::get(builder.getStringAttr(name));
}

std::string ProgramBuilder::layerName(StringRef given, StringRef kind, unsigned &counter) {
  // Only unnamed layers are counted, so naming one layer renames no other.
  if (!given.empty())
    return given.str();
  return (kind + Twine(++counter)).str();
}

std::string ProgramBuilder::initFor(StringRef given, int64_t fanIn) {
  if (!given.empty())
    return given.str();
  // torch.nn.Linear and Conv2d: kaiming_uniform(a = sqrt(5)) on the weight and the bias
  // bound are both U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  char bound[32];
  std::snprintf(bound, sizeof(bound), "%.6g", 1.0 / std::sqrt(static_cast<double>(fanIn)));
  return std::string("uniform:") + bound;
}

TensorValue ProgramBuilder::images(ArrayRef<int64_t> shape, StringRef name) {
  std::string what = ("images \"" + name + "\"").str();
  if (!open(what))
    return {};
  if (state->images)
    return fail(what, "the program already has its images input");
  if (shape.empty() || llvm::any_of(shape.drop_front(), [](int64_t d) { return d <= 0; }) ||
      (shape.front() <= 0 && !ShapedType::isDynamic(shape.front())))
    return fail(what, "the shape " + shapeText(shape) +
                          " must be [batch, ...] with positive extents (the batch may be kBatch)");
  if (!validName(name) || !state->names.insert(name).second)
    return fail(what, validName(name) ? "the name is taken" : "invalid name");
  unsigned index = state->forward.getNumArguments();
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  if (failed(state->forward.insertArgument(
          index, type,
          builder.getDictionaryAttr(
              builder.getNamedAttr(KilnDialect::kNameAttrName, builder.getStringAttr(name))),
          locFor(name))))
    return fail(what, "cannot add the argument");
  state->images = index;
  state->imagesName = name.str();
  state->imagesShape.assign(shape.begin(), shape.end());
  return TensorValue(state->forward.getArgument(index));
}

TensorValue ProgramBuilder::parameter(StringRef name, ArrayRef<int64_t> shape, StringRef init) {
  std::string what = ("parameter \"" + name + "\"").str();
  if (!open(what))
    return {};
  if (!validName(name))
    return fail(what, "a name is letters, digits, '_', '.', '$' or '-'");
  if (state->names.contains(name))
    return fail(what, "duplicate name: each parameter is checkpointed by its name");
  if (llvm::any_of(shape, [](int64_t d) { return d <= 0; }))
    return fail(what, "the shape " + shapeText(shape) + " has an extent that is not positive");
  if (!rt::parseInitSpec(std::string_view(init.data(), init.size())))
    return fail(what, "initialiser \"" + init +
                          "\" is not zeros, ones, fill:V, normal[:STDDEV] or uniform[:BOUND]");
  state->names.insert(name);
  // Parameters come before the images, as in every hand-written program.
  unsigned index = state->params.size();
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  if (failed(state->forward.insertArgument(
          index, type,
          builder.getDictionaryAttr(
              builder.getNamedAttr(KilnDialect::kNameAttrName, builder.getStringAttr(name))),
          locFor(name))))
    return fail(what, "cannot add the argument");
  if (state->images)
    ++*state->images;
  state->params.push_back({name.str(), init.str(), false});
  return TensorValue(state->forward.getArgument(index));
}

namespace {
/// Creates the op and verifies it on the spot, so a mistake is reported by the layer that
/// made it and never reaches the module.
FailureOr<Operation *> createChecked(OpBuilder &b, Location loc, StringRef opName,
                                     ValueRange operands, TypeRange types,
                                     ArrayRef<NamedAttribute> attrs, std::string &message) {
  OperationState st(loc, opName);
  st.addOperands(operands);
  st.addTypes(types);
  st.addAttributes(attrs);
  Operation *op = b.create(st);
  DiagnosticCollector diagnostics(b.getContext());
  if (succeeded(mlir::verify(op, /*verifyRecursively=*/false)))
    return op;
  message = diagnostics.text();
  // The collector prefixed the layer's name; the caller adds it once.
  if (auto name = dyn_cast<NameLoc>(loc)) {
    StringRef text(message);
    if (text.consume_front((name.getName().getValue() + ": ").str()))
      message = text.str();
  }
  op->erase();
  return failure();
}
} // namespace

TensorValue ProgramBuilder::unary(TensorValue x, StringRef what, StringRef op,
                                  ArrayRef<NamedAttribute> attrs) {
  if (!usable(x, what))
    return {};
  std::string message;
  FailureOr<Operation *> made =
      createChecked(builder, locFor(what), op, x.get(), x.get().getType(), attrs, message);
  if (failed(made))
    return fail(what, message);
  return TensorValue((*made)->getResult(0));
}

TensorValue ProgramBuilder::relu(TensorValue x) {
  return unary(x, "relu", ReluOp::getOperationName());
}
TensorValue ProgramBuilder::tanh(TensorValue x) {
  return unary(x, "tanh", math::TanhOp::getOperationName());
}
TensorValue ProgramBuilder::sigmoid(TensorValue x) {
  return unary(x, "sigmoid", SigmoidOp::getOperationName());
}
TensorValue ProgramBuilder::gelu(TensorValue x) {
  return unary(x, "gelu", GeluOp::getOperationName());
}
TensorValue ProgramBuilder::leakyRelu(TensorValue x, double alpha) {
  if (!usable(x, "leaky_relu"))
    return {};
  if (!nonNegative(alpha))
    return fail("leaky_relu", "alpha " + num(alpha) + " must be finite and non-negative");
  return unary(x, "leaky_relu", LeakyReluOp::getOperationName(),
               builder.getNamedAttr("alpha", builder.getF64FloatAttr(alpha)));
}

TensorValue ProgramBuilder::dense(TensorValue x, int64_t outFeatures, const LayerOptions &options) {
  return linearLayer(x, outFeatures, options, "");
}

TensorValue ProgramBuilder::linear(TensorValue x, int64_t inFeatures, int64_t outFeatures,
                                   const LayerOptions &options) {
  std::string what = options.name.empty()
                         ? llvm::formatv("dense {0}", state->weightLayers + 1).str()
                         : ("dense \"" + options.name + "\"");
  if (usable(x, what) && x.rank() == 2 && x.dim(1) != inFeatures)
    return fail(what, llvm::formatv("input has {0} features, expected {1}", x.dim(1), inFeatures));
  return linearLayer(x, outFeatures, options, what);
}

TensorValue ProgramBuilder::linearLayer(TensorValue x, int64_t outFeatures,
                                        const LayerOptions &options, StringRef given) {
  std::string what = !given.empty() ? given.str()
                     : options.name.empty()
                         ? llvm::formatv("dense {0}", state->weightLayers + 1).str()
                         : ("dense \"" + options.name + "\"");
  if (!usable(x, what))
    return {};
  if (x.rank() != 2)
    return fail(what, "input " + shapeText(x.shape()) + " must be [batch, features]" +
                          (x.rank() > 2 ? "; flatten it first" : ""));
  if (outFeatures <= 0)
    return fail(what, llvm::formatv("{0} output features: must be positive", outFeatures));
  std::string layer = layerName(options.name, "dense", state->weightLayers);
  std::string wName =
      options.name.empty() ? "w" + std::to_string(state->weightLayers) : layer + ".w";
  std::string bName =
      options.name.empty() ? "b" + std::to_string(state->weightLayers) : layer + ".b";
  int64_t in = x.dim(1);
  TensorValue w = parameter(wName, {in, outFeatures}, initFor(options.weightInit, in));
  TensorValue b =
      options.bias ? parameter(bName, {outFeatures}, initFor(options.biasInit, in)) : TensorValue();
  if (!ok())
    return {};
  std::string message;
  auto type = RankedTensorType::get({x.dim(0), outFeatures}, builder.getF32Type());
  // The layer's name goes to the op whose result is the layer's output (%fc1), the other
  // op gets a suffix (%fc1.matmul), so the printed program reads layer by layer.
  FailureOr<Operation *> mm =
      createChecked(builder, locFor(options.bias ? layer + ".matmul" : layer),
                    MatmulOp::getOperationName(), {x.get(), w.get()}, type, {}, message);
  if (failed(mm))
    return fail(what, message);
  if (!options.bias)
    return TensorValue((*mm)->getResult(0));
  FailureOr<Operation *> add = createChecked(builder, locFor(layer), BiasAddOp::getOperationName(),
                                             {(*mm)->getResult(0), b.get()}, type, {}, message);
  if (failed(add))
    return fail(what, message);
  return TensorValue((*add)->getResult(0));
}

TensorValue ProgramBuilder::layerNorm(TensorValue x, double eps, StringRef name) {
  std::string what = name.empty() ? llvm::formatv("layer_norm {0}", state->layerNorms + 1).str()
                                  : ("layer_norm \"" + name + "\"").str();
  if (!usable(x, what))
    return {};
  if (x.rank() != 2)
    return fail(what, "input " + shapeText(x.shape()) + " must be [N, D]");
  if (!nonNegative(eps))
    return fail(what, llvm::formatv("eps {0} must be finite and non-negative", num(eps)));
  std::string layer = layerName(name, "ln", state->layerNorms);
  TensorValue gamma = parameter(layer + ".gamma", {x.dim(1)}, "ones");
  TensorValue beta = parameter(layer + ".beta", {x.dim(1)}, "zeros");
  if (!ok())
    return {};
  std::string message;
  FailureOr<Operation *> op = createChecked(
      builder, locFor(layer), LayerNormOp::getOperationName(), {x.get(), gamma.get(), beta.get()},
      x.get().getType(), builder.getNamedAttr("eps", builder.getF64FloatAttr(eps)), message);
  if (failed(op))
    return fail(what, message);
  return TensorValue((*op)->getResult(0));
}

namespace {
/// torch's output extent of a window: floor((in + 2p - d (k - 1) - 1) / s) + 1, or 0 or
/// less when the window does not fit.
int64_t windowExtent(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}
} // namespace

TensorValue ProgramBuilder::conv2d(TensorValue x, int64_t outChannels, Window kernel,
                                   const Conv2dOptions &options) {
  std::string what = options.name.empty()
                         ? llvm::formatv("conv2d {0}", state->weightLayers + 1).str()
                         : ("conv2d \"" + options.name + "\"");
  if (!usable(x, what))
    return {};
  if (x.rank() != 4)
    return fail(what, "input " + shapeText(x.shape()) + " must be NCHW, [N, C, H, W]");
  const Conv2dOptions &o = options;
  if (kernel.h <= 0 || kernel.w <= 0 || o.stride.h <= 0 || o.stride.w <= 0 || o.dilation.h <= 0 ||
      o.dilation.w <= 0 || o.padding.h < 0 || o.padding.w < 0)
    return fail(what, "kernel, stride and dilation must be positive, padding non-negative");
  int64_t c = x.dim(1);
  if (o.groups <= 0 || c % o.groups || outChannels <= 0 || outChannels % o.groups)
    return fail(what, llvm::formatv("{0} input and {1} output channels do not split into {2} "
                                    "groups",
                                    c, outChannels, o.groups));
  int64_t oh = windowExtent(x.dim(2), kernel.h, o.stride.h, o.padding.h, o.dilation.h);
  int64_t ow = windowExtent(x.dim(3), kernel.w, o.stride.w, o.padding.w, o.dilation.w);
  if (oh <= 0 || ow <= 0)
    return fail(what, llvm::formatv("a {0}x{1} kernel (dilation {2}x{3}, padding {4}x{5}) does "
                                    "not fit the {6}x{7} image",
                                    kernel.h, kernel.w, o.dilation.h, o.dilation.w, o.padding.h,
                                    o.padding.w, x.dim(2), x.dim(3)));
  std::string layer = layerName(o.name, "conv", state->weightLayers);
  std::string wName = o.name.empty() ? "w" + std::to_string(state->weightLayers) : layer + ".w";
  std::string bName = o.name.empty() ? "b" + std::to_string(state->weightLayers) : layer + ".b";
  int64_t fanIn = c / o.groups * kernel.h * kernel.w;
  TensorValue w = parameter(wName, {outChannels, c / o.groups, kernel.h, kernel.w},
                            initFor(o.weightInit, fanIn));
  TensorValue b =
      o.bias ? parameter(bName, {outChannels}, initFor(o.biasInit, fanIn)) : TensorValue();
  if (!ok())
    return {};
  auto type = RankedTensorType::get({x.dim(0), outChannels, oh, ow}, builder.getF32Type());
  SmallVector<NamedAttribute> attrs{
      builder.getNamedAttr("stride", builder.getDenseI64ArrayAttr({o.stride.h, o.stride.w})),
      builder.getNamedAttr("padding", builder.getDenseI64ArrayAttr({o.padding.h, o.padding.w})),
      builder.getNamedAttr("dilation", builder.getDenseI64ArrayAttr({o.dilation.h, o.dilation.w})),
      builder.getNamedAttr("groups", builder.getI64IntegerAttr(o.groups))};
  std::string message;
  FailureOr<Operation *> conv =
      createChecked(builder, locFor(o.bias ? layer + ".conv" : layer), Conv2dOp::getOperationName(),
                    {x.get(), w.get()}, type, attrs, message);
  if (failed(conv))
    return fail(what, message);
  if (!o.bias)
    return TensorValue((*conv)->getResult(0));
  FailureOr<Operation *> add =
      createChecked(builder, locFor(layer), ChannelBiasOp::getOperationName(),
                    {(*conv)->getResult(0), b.get()}, type, {}, message);
  if (failed(add))
    return fail(what, message);
  return TensorValue((*add)->getResult(0));
}

TensorValue ProgramBuilder::pool(TensorValue x, Window kernel, const PoolOptions &options,
                                 bool max) {
  StringRef what = max ? "max_pool2d" : "avg_pool2d";
  if (!usable(x, what))
    return {};
  if (x.rank() != 4)
    return fail(what, "input " + shapeText(x.shape()) + " must be NCHW, [N, C, H, W]");
  Window stride = options.stride.value_or(kernel);
  if (kernel.h <= 0 || kernel.w <= 0 || stride.h <= 0 || stride.w <= 0 || options.padding.h < 0 ||
      options.padding.w < 0)
    return fail(what, "kernel and stride must be positive, padding non-negative");
  int64_t oh = windowExtent(x.dim(2), kernel.h, stride.h, options.padding.h, 1);
  int64_t ow = windowExtent(x.dim(3), kernel.w, stride.w, options.padding.w, 1);
  if (oh <= 0 || ow <= 0)
    return fail(what, llvm::formatv("a {0}x{1} window does not fit the {2}x{3} image", kernel.h,
                                    kernel.w, x.dim(2), x.dim(3)));
  auto type = RankedTensorType::get({x.dim(0), x.dim(1), oh, ow}, builder.getF32Type());
  SmallVector<NamedAttribute> attrs{
      builder.getNamedAttr("kernel", builder.getDenseI64ArrayAttr({kernel.h, kernel.w})),
      builder.getNamedAttr("stride", builder.getDenseI64ArrayAttr({stride.h, stride.w})),
      builder.getNamedAttr("padding",
                           builder.getDenseI64ArrayAttr({options.padding.h, options.padding.w}))};
  std::string message;
  FailureOr<Operation *> op =
      createChecked(builder, locFor(what),
                    max ? MaxPool2dOp::getOperationName() : AvgPool2dOp::getOperationName(),
                    x.get(), type, attrs, message);
  if (failed(op))
    return fail(what, message);
  return TensorValue((*op)->getResult(0));
}

TensorValue ProgramBuilder::maxPool2d(TensorValue x, Window kernel, const PoolOptions &options) {
  return pool(x, kernel, options, /*max=*/true);
}
TensorValue ProgramBuilder::avgPool2d(TensorValue x, Window kernel, const PoolOptions &options) {
  return pool(x, kernel, options, /*max=*/false);
}

TensorValue ProgramBuilder::globalAvgPool(TensorValue x) {
  if (!usable(x, "global_avg_pool"))
    return {};
  if (x.rank() != 4)
    return fail("global_avg_pool", "input " + shapeText(x.shape()) + " must be [N, C, H, W]");
  if (!staticBatch(x, "global_avg_pool", "kiln.global_avg_pool"))
    return {};
  std::string message;
  auto type = RankedTensorType::get({x.dim(0), x.dim(1)}, builder.getF32Type());
  FailureOr<Operation *> op =
      createChecked(builder, locFor("global_avg_pool"), GlobalAvgPoolOp::getOperationName(),
                    x.get(), type, {}, message);
  if (failed(op))
    return fail("global_avg_pool", message);
  return TensorValue((*op)->getResult(0));
}

TensorValue ProgramBuilder::flatten(TensorValue x) {
  if (!usable(x, "flatten"))
    return {};
  if (x.rank() < 2)
    return fail("flatten", "input " + shapeText(x.shape()) + " has no dimensions to flatten");
  if (x.rank() == 2)
    return x;
  int64_t features = 1;
  ReassociationIndices rest;
  for (int64_t i = 1; i < x.rank(); ++i) {
    features *= x.dim(i);
    rest.push_back(i);
  }
  auto type = RankedTensorType::get({x.dim(0), features}, builder.getF32Type());
  auto op = tensor::CollapseShapeOp::create(builder, locFor("flatten"), type, x.get(),
                                            ArrayRef<ReassociationIndices>{{0}, rest});
  return TensorValue(op.getResult());
}

TensorValue ProgramBuilder::broadcasting(TensorValue a, TensorValue b, StringRef what,
                                         StringRef op) {
  if (!usable(a, what) || !usable(b, what) || !staticBatch(a, what, "kiln." + what.str()) ||
      !staticBatch(b, what, "kiln." + what.str()))
    return {};
  // NumPy broadcasting: align from the right; extents agree or one of them is 1.
  int64_t rank = std::max(a.rank(), b.rank());
  SmallVector<int64_t> shape(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t da = i < a.rank() ? a.dim(-1 - i) : 1, db = i < b.rank() ? b.dim(-1 - i) : 1;
    if (da != db && da != 1 && db != 1)
      return fail(what,
                  shapeText(a.shape()) + " and " + shapeText(b.shape()) + " do not broadcast");
    shape[rank - 1 - i] = std::max(da, db);
  }
  std::string message;
  FailureOr<Operation *> made =
      createChecked(builder, locFor(what), op, {a.get(), b.get()},
                    RankedTensorType::get(shape, builder.getF32Type()), {}, message);
  if (failed(made))
    return fail(what, message);
  return TensorValue((*made)->getResult(0));
}

TensorValue ProgramBuilder::add(TensorValue a, TensorValue b) {
  return broadcasting(a, b, "add", AddOp::getOperationName());
}
TensorValue ProgramBuilder::mul(TensorValue a, TensorValue b) {
  return broadcasting(a, b, "mul", MulOp::getOperationName());
}

TensorValue ProgramBuilder::matmul(TensorValue a, TensorValue b) {
  if (!usable(a, "matmul") || !usable(b, "matmul"))
    return {};
  if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(0))
    return fail("matmul",
                shapeText(a.shape()) + " x " + shapeText(b.shape()) + ": needs [M, K] x [K, N]");
  std::string message;
  FailureOr<Operation *> made =
      createChecked(builder, locFor("matmul"), MatmulOp::getOperationName(), {a.get(), b.get()},
                    RankedTensorType::get({a.dim(0), b.dim(1)}, builder.getF32Type()), {}, message);
  if (failed(made))
    return fail("matmul", message);
  return TensorValue((*made)->getResult(0));
}

TensorValue ProgramBuilder::mixed(StringRef alphaName, ArrayRef<Candidate> candidates,
                                  std::optional<int64_t> node) {
  std::string what = ("mixed \"" + alphaName + "\"").str();
  if (!open(what))
    return {};
  if (candidates.size() < 2)
    return fail(what, "an edge chooses among at least two candidates");
  SmallVector<Value> operands;
  SmallVector<Attribute> ops;
  llvm::StringSet<> seen;
  TensorValue first;
  for (const Candidate &candidate : candidates) {
    if (candidate.op.empty() || !seen.insert(candidate.op).second)
      return fail(what,
                  "candidate names must be non-empty and distinct (\"" + candidate.op + "\")");
    ops.push_back(builder.getStringAttr(candidate.op));
    if (candidate.op == "none") {
      if (candidate.value)
        return fail(what, "\"none\" is the zero operation: it takes no tensor");
      continue;
    }
    if (!usable(candidate.value, what + " candidate \"" + candidate.op + "\"") ||
        !staticBatch(candidate.value, what, "kiln.mixed"))
      return {};
    if (first && candidate.value.shape() != first.shape())
      return fail(what, "candidate \"" + candidate.op + "\" is " +
                            shapeText(candidate.value.shape()) + ", the first one " +
                            shapeText(first.shape()) + ": an edge sums candidates of one shape");
    if (!first)
      first = candidate.value;
    operands.push_back(candidate.value.get());
  }
  if (!first)
    return fail(what, "every candidate is \"none\"");
  if (node && *node < 0)
    return fail(what, "node must be non-negative");
  TensorValue alpha =
      parameter(alphaName, {static_cast<int64_t>(candidates.size())}, "normal:0.001");
  if (!ok())
    return {};
  state->params.back().alpha = true;
  SmallVector<Value> all{alpha.get()};
  all.append(operands);
  SmallVector<NamedAttribute> attrs{builder.getNamedAttr("ops", builder.getArrayAttr(ops))};
  if (node)
    attrs.push_back(builder.getNamedAttr("node", builder.getI64IntegerAttr(*node)));
  std::string message;
  FailureOr<Operation *> made =
      createChecked(builder, locFor(("edge_" + alphaName).str()), MixedOp::getOperationName(), all,
                    first.get().getType(), attrs, message);
  if (failed(made))
    return fail(what, message);
  return TensorValue((*made)->getResult(0));
}

void ProgramBuilder::closeModel(TensorValue output, StringRef what, Type targetType,
                                StringRef targetName, bool crossEntropy, bool sumReduction) {
  Location unknown = UnknownLoc::get(context);
  func::FuncOp forward = state->forward;
  auto named = [&](StringRef name) {
    return builder.getNamedAttr(KilnDialect::kNameAttrName, builder.getStringAttr(name));
  };
  func::ReturnOp::create(builder, unknown, output.get());
  forward.setType(builder.getFunctionType(forward.getArgumentTypes(), output.get().getType()));

  // @loss(params..., images, target): the parameters carry their initialisers, the batch
  // its dataset fields, everything its name.
  SmallVector<Type> inputs(forward.getArgumentTypes());
  inputs.push_back(targetType);
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<Location> argLocs;
  for (const State::Param &p : state->params) {
    argAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr(KilnDialect::kInitAttrName, builder.getStringAttr(p.init)),
         named(p.name)}));
    argLocs.push_back(locFor(p.name));
  }
  argAttrs.push_back(builder.getDictionaryAttr(
      {builder.getNamedAttr(KilnDialect::kDataAttrName, builder.getStringAttr("images")),
       named(state->imagesName)}));
  argLocs.push_back(locFor(state->imagesName));
  argAttrs.push_back(builder.getDictionaryAttr(
      {builder.getNamedAttr(KilnDialect::kDataAttrName, builder.getStringAttr("labels")),
       named(targetName)}));
  argLocs.push_back(locFor(targetName));

  builder.setInsertionPointToEnd(state->module->getBody());
  auto f32 = RankedTensorType::get({}, builder.getF32Type());
  func::FuncOp loss =
      func::FuncOp::create(builder, unknown, "loss", builder.getFunctionType(inputs, f32));
  loss.setPrivate();
  loss.setAllArgAttrs(argAttrs);
  Block *body = builder.createBlock(&loss.getBody(), {}, inputs, argLocs);
  auto call =
      func::CallOp::create(builder, locFor("logits"), forward, body->getArguments().drop_back());
  Value target = body->getArguments().back();
  Value value;
  if (crossEntropy) {
    SmallVector<NamedAttribute> attrs;
    if (sumReduction)
      attrs.push_back(builder.getNamedAttr("reduction", builder.getStringAttr("sum")));
    value = SoftmaxCrossEntropyOp::create(builder, locFor(what), TypeRange{f32},
                                          ValueRange{call.getResult(0), target}, attrs)
                .getResult();
  } else {
    value = MseOp::create(builder, locFor(what), f32, call.getResult(0), target).getResult();
  }
  func::ReturnOp::create(builder, unknown, value);
  state->loss = loss;
  state->crossEntropy = crossEntropy;
}

void ProgramBuilder::softmaxCrossEntropy(TensorValue logits, bool sumReduction,
                                         StringRef labelsName) {
  StringRef what = "softmax_cross_entropy";
  if (!usable(logits, what))
    return;
  if (!state->images) {
    fail(what, "the program has no images input");
    return;
  }
  if (logits.rank() != 2) {
    fail(what, "logits " + shapeText(logits.shape()) + " must be [batch, classes]");
    return;
  }
  if (!validName(labelsName) || state->names.contains(labelsName)) {
    fail(what, "labels name \"" + labelsName + "\" is invalid or taken");
    return;
  }
  state->names.insert(labelsName);
  closeModel(logits, what, RankedTensorType::get({logits.dim(0)}, builder.getI64Type()), labelsName,
             /*crossEntropy=*/true, sumReduction);
}

void ProgramBuilder::mse(TensorValue prediction, StringRef targetName) {
  StringRef what = "mse";
  if (!usable(prediction, what))
    return;
  if (!state->images) {
    fail(what, "the program has no images input");
    return;
  }
  if (!validName(targetName) || state->names.contains(targetName)) {
    fail(what, "target name \"" + targetName + "\" is invalid or taken");
    return;
  }
  state->names.insert(targetName);
  closeModel(prediction, what, prediction.get().getType(), targetName, /*crossEntropy=*/false,
             false);
}

namespace {

/// Builds the optimizer op and the schedule op that kiln-train-step will build, on scratch
/// values, and verifies them: a hyperparameter the op refuses (beta2 = 1.5, a step count
/// written as a float) is an error of the declaration, not of a later compile.
std::string checkTrainStepOps(MLIRContext *context, TrainOptimizer optimizer,
                              TrainSchedule schedule, DictionaryAttr optimizerAttrs,
                              DictionaryAttr scheduleAttrs, double lr) {
  OpBuilder b(context);
  Location loc = NameLoc::get(b.getStringAttr("train_step"));
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(loc);
  b.setInsertionPointToEnd(scratch->getBody());
  auto param = RankedTensorType::get({2}, b.getF32Type());
  auto step = RankedTensorType::get({}, b.getI64Type());
  size_t kinds = TrainStepOp::getStateKinds(optimizer).size();
  SmallVector<Type> argTypes(2 + kinds, param);
  argTypes.push_back(step);
  auto fn = func::FuncOp::create(b, loc, "scratch", b.getFunctionType(argTypes, {}));
  Block *block = fn.addEntryBlock();
  b.setInsertionPointToEnd(block);
  DiagnosticCollector diagnostics(context);
  auto setChecked = [&](Operation *op, DictionaryAttr attrs) -> bool {
    if (attrs)
      for (NamedAttribute a : attrs) {
        ArrayRef<StringAttr> known = op->getName().getAttributeNames();
        if (!llvm::is_contained(known, a.getName())) {
          SmallVector<StringRef> names;
          for (StringAttr n : known)
            if (n.getValue() != "operandSegmentSizes" && n.getValue() != "lr")
              names.push_back(n.getValue());
          op->emitError() << op->getName() << " has no attribute '" << a.getName().getValue()
                          << "' (it has " << llvm::join(names, ", ") << ")";
          return false;
        }
        op->setAttr(a.getName(), a.getValue());
        // An inherent attribute of the wrong type reads back as null.
        if (op->getAttr(a.getName()) != a.getValue()) {
          op->emitError() << "'" << a.getName().getValue() << "' = " << a.getValue()
                          << " is not a valid value for " << op->getName();
          return false;
        }
      }
    return succeeded(mlir::verify(op, false));
  };

  OperationState st(loc, ("kiln." + stringifyTrainOptimizer(optimizer)).str());
  st.addOperands(block->getArguments().take_front(2 + kinds));
  if (TrainStepOp::takesStep(optimizer))
    st.addOperands(block->getArguments().back());
  st.addTypes(SmallVector<Type>(1 + kinds, param));
  Operation *update = b.create(st);
  if (optimizer == TrainOptimizer::Adagrad)
    update->setAttr("operandSegmentSizes", b.getDenseI32ArrayAttr({1, 1, 1, 1, 0}));
  update->setAttr("lr", b.getF64FloatAttr(lr));
  if (!setChecked(update, optimizerAttrs))
    return diagnostics.text();
  if (schedule != TrainSchedule::Constant) {
    OperationState sst(loc, ("kiln." + stringifyTrainSchedule(schedule) + "_schedule").str());
    sst.addOperands(block->getArguments().back());
    sst.addTypes(RankedTensorType::get({}, b.getF32Type()));
    Operation *op = b.create(sst);
    op->setAttr(TrainStepOp::getScheduleRateAttrName(schedule), b.getF64FloatAttr(lr));
    if (!setChecked(op, scheduleAttrs))
      return diagnostics.text();
  }
  return "";
}

} // namespace

bool ProgramBuilder::canDeclareStep(StringRef what) {
  if (!error.empty())
    return false;
  if (state->finished)
    return fail(what, "the builder is finished; start a new one"), false;
  if (!state->loss)
    return fail(what, "declare the loss first (softmaxCrossEntropy or mse)"), false;
  if (state->stepDeclared)
    return fail(what, "the program already declares its step"), false;
  return true;
}

void ProgramBuilder::trainStep(const TrainStepOptions &o) {
  StringRef what = "train_step";
  if (!canDeclareStep(what))
    return;
  std::optional<TrainOptimizer> optimizer = symbolizeTrainOptimizer(o.optimizer);
  if (!optimizer) {
    fail(what, "unknown optimizer \"" + o.optimizer +
                   "\" (sgd, momentum, adam, adamw, amsgrad, adagrad, rmsprop, lion, sign_sgd)");
    return;
  }
  std::optional<TrainSchedule> schedule = symbolizeTrainSchedule(o.schedule);
  if (!schedule) {
    fail(what, "unknown schedule \"" + o.schedule +
                   "\" (constant, linear, cosine_decay, warmup_cosine_decay, step_decay, uba)");
    return;
  }
  if (!nonNegative(o.lr) || (o.weightDecay && !nonNegative(*o.weightDecay)) ||
      !nonNegative(o.clipGlobalNorm)) {
    fail(what, llvm::formatv("lr ({0}), weight_decay ({1}) and clip_global_norm ({2}) must be "
                             "finite and non-negative",
                             num(o.lr), num(o.weightDecay.value_or(0.0)), num(o.clipGlobalNorm))
                   .str());
    return;
  }
  if (*schedule == TrainSchedule::Constant && !o.scheduleOptions.empty()) {
    fail(what, "schedule options without a schedule");
    return;
  }
  for (const Option &option : o.options)
    if (option.name == "lr" || option.name == "weight_decay") {
      fail(what, "'" + option.name + "' is a field of TrainStepOptions, not an option");
      return;
    }
  // `batch = N` sizes a program written for any batch; kiln-specialize-batch refuses one
  // for a program whose batch is a number (it would be ignored).
  bool dynamicBatch =
      !state->imagesShape.empty() && ShapedType::isDynamic(state->imagesShape.front());
  if (o.batch && *o.batch <= 0) {
    fail(what, llvm::formatv("batch {0} must be positive", *o.batch).str());
    return;
  }
  if (o.batch && !dynamicBatch) {
    fail(what, llvm::formatv("batch {0}: the images {1} have a static batch; the batch size is "
                             "chosen for a program whose images are [kBatch, ...]",
                             *o.batch, shapeText(state->imagesShape))
                   .str());
    return;
  }

  // Lengths in epochs (decay_epochs for decay_steps, ...) are attributes of the train step,
  // not of the schedule op, which kiln-train-step gives them in steps once the steps per
  // epoch are known. Their values are checked here; the scratch schedule op below gets
  // lengths in steps in their place: 0 for 0 epochs (which the op judges), otherwise lengths
  // that satisfy the op's relations (warm-up shorter than the decay), which
  // kiln-train-step checks in steps.
  std::vector<Option> scheduleInSteps;
  if (*schedule != TrainSchedule::Constant) {
    OperationName scheduleOp(("kiln." + stringifyTrainSchedule(*schedule) + "_schedule").str(),
                             context);
    ArrayRef<StringAttr> known = scheduleOp.getAttributeNames();
    llvm::StringMap<double> epochs;
    for (const Option &option : o.scheduleOptions) {
      std::string steps = TrainStepOp::getStepsOptionName(option.name);
      if (steps.empty() ||
          !llvm::any_of(known, [&](StringAttr n) { return n.getValue() == steps; })) {
        scheduleInSteps.push_back(option);
        continue;
      }
      double value = option.kind == Option::I64 ? static_cast<double>(option.i) : option.f;
      if (option.kind == Option::Flag || !nonNegative(value)) {
        fail(what, "schedule option '" + option.name + "' = " +
                       (option.kind == Option::Flag ? std::string("true") : num(value)) +
                       ": a length in epochs is a finite, non-negative number");
        return;
      }
      if (llvm::any_of(o.scheduleOptions, [&](const Option &other) {
            return other.name == steps;
          })) {
        fail(what, "schedule options give both '" + option.name + "' and '" + steps + "'");
        return;
      }
      epochs[option.name] = value;
      bool warmup = StringRef(steps).starts_with("warmup");
      scheduleInSteps.emplace_back(
          steps, static_cast<long long>(value == 0.0 ? 0 : warmup ? 0 : (int64_t(1) << 40)));
    }
    // The one relation between two lengths in epochs, in epochs (in steps it is the op's).
    for (StringRef end : {"decay_epochs", "total_epochs"})
      if (epochs.count("warmup_epochs") && epochs.count(end) &&
          !(epochs["warmup_epochs"] < epochs[end])) {
        fail(what, llvm::formatv("warmup_epochs ({0}) must be smaller than {1} ({2})",
                                 num(epochs["warmup_epochs"]), end, num(epochs[end]))
                       .str());
        return;
      }
  }

  DictionaryAttr options = optionsAttr(builder, o.options);
  DictionaryAttr scheduleOptions = optionsAttr(builder, o.scheduleOptions);
  SmallVector<NamedAttribute> optimizerAttrs;
  if (options)
    llvm::append_range(optimizerAttrs, options.getValue());
  if (o.weightDecay)
    optimizerAttrs.push_back(
        builder.getNamedAttr("weight_decay", builder.getF64FloatAttr(*o.weightDecay)));
  std::string problem =
      checkTrainStepOps(context, *optimizer, *schedule, builder.getDictionaryAttr(optimizerAttrs),
                        optionsAttr(builder, scheduleInSteps), o.lr);
  if (!problem.empty()) {
    StringRef text(problem);
    text.consume_front("train_step: ");
    fail(what, text);
    return;
  }

  builder.setInsertionPointToEnd(state->module->getBody());
  SmallVector<NamedAttribute> attrs{
      builder.getNamedAttr("sym_name", builder.getStringAttr(o.name)),
      builder.getNamedAttr("loss", FlatSymbolRefAttr::get(state->loss.getSymNameAttr())),
      builder.getNamedAttr("optimizer", builder.getStringAttr(o.optimizer)),
      builder.getNamedAttr("lr", builder.getF64FloatAttr(o.lr))};
  if (o.weightDecay)
    attrs.push_back(builder.getNamedAttr("weight_decay", builder.getF64FloatAttr(*o.weightDecay)));
  if (options)
    attrs.push_back(builder.getNamedAttr("options", options));
  if (*schedule != TrainSchedule::Constant)
    attrs.push_back(builder.getNamedAttr("schedule", builder.getStringAttr(o.schedule)));
  if (scheduleOptions)
    attrs.push_back(builder.getNamedAttr("schedule_options", scheduleOptions));
  if (o.clipGlobalNorm > 0)
    attrs.push_back(
        builder.getNamedAttr("clip_global_norm", builder.getF64FloatAttr(o.clipGlobalNorm)));
  if (o.evalStep && state->crossEntropy)
    attrs.push_back(
        builder.getNamedAttr("forward", FlatSymbolRefAttr::get(state->forward.getSymNameAttr())));
  if (o.batch)
    attrs.push_back(builder.getNamedAttr("batch", builder.getI64IntegerAttr(*o.batch)));
  // The op's own verifier has the last word on its options (the lengths in epochs
  // included); its references to @loss and @forward are checked by finish().
  declareStep(what, TrainStepOp::getOperationName(), attrs);
}

bool ProgramBuilder::declareStep(StringRef what, StringRef opName,
                                 ArrayRef<NamedAttribute> attrs) {
  OperationState st(locFor(what), opName);
  st.addAttributes(attrs);
  Operation *op = builder.create(st);
  DiagnosticCollector diagnostics(context);
  if (failed(mlir::verify(op, false))) {
    std::string text = diagnostics.text();
    op->erase();
    StringRef message(text);
    message.consume_front((what + ": ").str());
    fail(what, message);
    return false;
  }
  state->stepDeclared = true;
  return true;
}

void ProgramBuilder::searchStep(const SearchStepOptions &o) {
  StringRef what = "search_step";
  if (!canDeclareStep(what))
    return;
  if (!symbolizeSearchMethod(o.method)) {
    fail(what, "unknown method \"" + o.method + "\" (darts1, darts2, rarts, rarts_jacobi)");
    return;
  }
  if (o.archOptimizer && !symbolizeArchOptimizer(*o.archOptimizer)) {
    fail(what, "unknown arch_optimizer \"" + *o.archOptimizer + "\" (adam, sgd)");
    return;
  }
  if (o.decaySteps <= 0) {
    fail(what, "decaySteps (the cosine schedule's length in steps) must be positive");
    return;
  }
  SmallVector<int64_t> architecture;
  for (auto [i, p] : llvm::enumerate(state->params))
    if (p.alpha)
      architecture.push_back(static_cast<int64_t>(i));
  if (architecture.empty()) {
    fail(what, "the program has no search edges (mixed) to search");
    return;
  }
  SmallVector<NamedAttribute> attrs{
      builder.getNamedAttr("sym_name", builder.getStringAttr(o.name)),
      builder.getNamedAttr("loss", FlatSymbolRefAttr::get(state->loss.getSymNameAttr())),
      builder.getNamedAttr("method", builder.getStringAttr(o.method)),
      builder.getNamedAttr("architecture", builder.getDenseI64ArrayAttr(architecture)),
      builder.getNamedAttr("decay_steps", builder.getI64IntegerAttr(o.decaySteps))};
  auto addF64 = [&](StringRef name, std::optional<double> value) {
    if (value)
      attrs.push_back(builder.getNamedAttr(name, builder.getF64FloatAttr(*value)));
  };
  addF64("lr", o.lr);
  addF64("lr_min", o.lrMin);
  addF64("momentum", o.momentum);
  addF64("weight_decay", o.weightDecay);
  addF64("max_grad_norm", o.maxGradNorm);
  if (o.archOptimizer)
    attrs.push_back(
        builder.getNamedAttr("arch_optimizer", builder.getStringAttr(*o.archOptimizer)));
  addF64("arch_lr", o.archLr);
  addF64("arch_beta1", o.archBeta1);
  addF64("arch_beta2", o.archBeta2);
  addF64("arch_weight_decay", o.archWeightDecay);
  addF64("lambda", o.lambda);
  addF64("beta", o.beta);
  addF64("hessian_r", o.hessianR);

  builder.setInsertionPointToEnd(state->module->getBody());
  // The op's own verifier states the ranges (lr_min <= lr, betas in [0, 1), ...).
  if (!declareStep(what, SearchStepOp::getOperationName(), attrs))
    return;

  // kiln.search_step writes no evaluation; kiln-run reports test accuracy with this one,
  // which examples/search writes by hand: the parameters and a batch, the loss and the
  // correct rows.
  if (!state->crossEntropy)
    return;
  func::FuncOp loss = state->loss;
  Location unknown = UnknownLoc::get(context);
  auto eval = func::FuncOp::create(
      builder, unknown, "eval_step",
      builder.getFunctionType(loss.getArgumentTypes(),
                              {RankedTensorType::get({}, builder.getF32Type()),
                               RankedTensorType::get({}, builder.getI64Type())}));
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<Location> argLocs;
  for (unsigned i = 0; i < loss.getNumArguments(); ++i) {
    SmallVector<NamedAttribute> kept;
    DictionaryAttr dict = loss.getArgAttrDict(i);
    for (NamedAttribute a : dict ? dict.getValue() : ArrayRef<NamedAttribute>())
      if (a.getName() != KilnDialect::kInitAttrName)
        kept.push_back(a);
    argAttrs.push_back(builder.getDictionaryAttr(kept));
    argLocs.push_back(loss.getArgument(i).getLoc());
  }
  eval.setAllArgAttrs(argAttrs);
  Block *body = builder.createBlock(&eval.getBody(), {}, loss.getArgumentTypes(), argLocs);
  auto call = func::CallOp::create(builder, locFor("logits"), state->forward,
                                   body->getArguments().drop_back());
  Value labels = body->getArguments().back();
  Value l = SoftmaxCrossEntropyOp::create(builder, unknown,
                                          RankedTensorType::get({}, builder.getF32Type()),
                                          call.getResult(0), labels)
                .getResult();
  Value c = CountCorrectOp::create(builder, unknown, call.getResult(0), labels).getResult();
  func::ReturnOp::create(builder, unknown, ValueRange{l, c});
}

llvm::Expected<Program> ProgramBuilder::finish() {
  auto failure = [&](const Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (!error.empty())
    return failure(error);
  if (state->finished)
    return failure("finish: the builder is finished; start a new one");
  if (!state->loss)
    return failure("finish: the program has no loss (softmaxCrossEntropy or mse)");
  if (!state->stepDeclared)
    return failure("finish: the program declares no step (trainStep or searchStep)");
  state->finished = true;
  DiagnosticCollector diagnostics(context);
  if (failed(mlir::verify(*state->module))) {
    error = "finish: the program does not verify:\n" + diagnostics.text();
    return failure(error);
  }
  // The builder is spent: every later call fails before it touches the context.
  return Program(std::move(ownedContext), std::move(state->module));
}

void printProgram(ModuleOp module, llvm::raw_ostream &os) {
  // Arguments print as %w1 rather than %arg0: the builder gives each a NameLoc of its name.
  module->print(os, OpPrintingFlags().printNameLocAsPrefix());
}

llvm::Error writeProgram(ModuleOp module, StringRef path) {
  std::string message;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(path, &message);
  if (!file)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s: %s", path.str().c_str(),
                                   message.c_str());
  printProgram(module, file->os());
  file->os().flush();
  if (file->os().has_error())
    return llvm::createStringError(file->os().error(), "%s: cannot write", path.str().c_str());
  file->keep();
  return llvm::Error::success();
}

} // namespace kiln
