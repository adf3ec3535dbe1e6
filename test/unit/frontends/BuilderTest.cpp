// SPDX-License-Identifier: Apache-2.0
// kiln::ProgramBuilder builds the programs people write by hand (compared with the text
// frontend's parse of docs/tutorial/tanh-mlp.mlir), prints text that parses back with the
// same names, and turns every mistake into an error that names the layer, never a crash or
// an invalid module.
#include "kiln/Frontends/Builder.h"
#include "kiln/Frontends/Text.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/InitSpec.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

using namespace kiln;

namespace {

/// The tutorial's network, as examples/builder writes it: any batch size, compiled for 128,
/// a schedule in epochs.
void buildTanhMlp(ProgramBuilder &b, const std::string &optimizer = "adamw") {
  TensorValue x = b.images({ProgramBuilder::kBatch, 784});
  TensorValue h = b.tanh(b.dense(x, 128));
  h = b.tanh(b.dense(h, 128));
  b.softmaxCrossEntropy(b.dense(h, 10));
  TrainStepOptions step;
  step.optimizer = optimizer;
  step.lr = 2.0e-3;
  step.weightDecay = 1.0e-2;
  step.clipGlobalNorm = 1.0;
  step.warmupCosineDecayEpochs(1, 10);
  step.batch = 128;
  b.trainStep(step);
}

std::string printed(mlir::ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  printProgram(module, os);
  return text;
}

/// The error finish() returns, or "" when it succeeds.
std::string finishError(ProgramBuilder &b) {
  auto program = b.finish();
  if (program)
    return "";
  return llvm::toString(program.takeError());
}

/// Attributes and types of two contexts compare by their text.
template <typename T> std::string text(T value) {
  std::string out;
  llvm::raw_string_ostream os(out);
  if (value)
    value.print(os);
  return out;
}

std::vector<std::string> opNames(mlir::func::FuncOp fn) {
  std::vector<std::string> names;
  fn.walk([&](mlir::Operation *op) {
    if (op != fn.getOperation())
      names.push_back(op->getName().getStringRef().str());
  });
  return names;
}

mlir::OwningOpRef<mlir::ModuleOp> parseFile(const std::string &path, mlir::MLIRContext &context,
                                            llvm::SourceMgr &sourceMgr) {
  registerProgramDialects(context);
  return loadTextProgram(path, context, sourceMgr);
}

/// Two programs match when their functions have the same signatures, argument names, data
/// fields and ops, their initialisers the same kind and bounds within rounding, and their
/// step declarations the same attributes.
void expectSameProgram(mlir::ModuleOp built, mlir::ModuleOp written) {
  for (llvm::StringRef name : {"forward", "loss"}) {
    SCOPED_TRACE(name.str());
    auto a = built.lookupSymbol<mlir::func::FuncOp>(name);
    auto b = written.lookupSymbol<mlir::func::FuncOp>(name);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(text(a.getFunctionType()), text(b.getFunctionType()));
    EXPECT_EQ(a.isPrivate(), b.isPrivate());
    EXPECT_EQ(opNames(a), opNames(b));
    for (unsigned i = 0; i < a.getNumArguments(); ++i) {
      EXPECT_EQ(text(a.getArgAttr(i, KilnDialect::kNameAttrName)),
                text(b.getArgAttr(i, KilnDialect::kNameAttrName)))
          << "argument " << i;
      EXPECT_EQ(text(a.getArgAttr(i, KilnDialect::kDataAttrName)),
                text(b.getArgAttr(i, KilnDialect::kDataAttrName)))
          << "argument " << i;
      auto ia = a.getArgAttrOfType<mlir::StringAttr>(i, KilnDialect::kInitAttrName);
      auto ib = b.getArgAttrOfType<mlir::StringAttr>(i, KilnDialect::kInitAttrName);
      ASSERT_EQ(static_cast<bool>(ia), static_cast<bool>(ib)) << "argument " << i;
      if (!ia)
        continue;
      auto sa = rt::parseInitSpec(ia.getValue().str()), sb = rt::parseInitSpec(ib.getValue().str());
      ASSERT_TRUE(sa && sb);
      EXPECT_EQ(sa->kind, sb->kind) << "argument " << i;
      // The tutorial rounds 1/sqrt(128) to 0.0884.
      EXPECT_NEAR(sa->value, sb->value, 1.0e-4) << "argument " << i;
    }
  }
  auto stepA = *built.getOps<TrainStepOp>().begin();
  auto stepB = *written.getOps<TrainStepOp>().begin();
  EXPECT_EQ(text(stepA->getAttrDictionary()), text(stepB->getAttrDictionary()));
}

TEST(ProgramBuilder, TanhMlpMatchesTheTutorial) {
  ProgramBuilder b;
  buildTanhMlp(b);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());

  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  auto written = parseFile(KILN_SOURCE_DIR "/docs/tutorial/tanh-mlp.mlir", context, sourceMgr);
  ASSERT_TRUE(written);
  expectSameProgram(**built, *written);
}

TEST(ProgramBuilder, PrintedProgramParsesBackWithItsNames) {
  ProgramBuilder b;
  buildTanhMlp(b);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  std::string text = printed(**built);
  // Arguments by name, as a person writes them; the names also stay as kiln.name.
  EXPECT_NE(text.find("func.func private @forward(%w1: tensor<784x128xf32>"), std::string::npos)
      << text;
  EXPECT_NE(text.find("%x: tensor<?x784xf32> {kiln.data = \"images\", kiln.name = \"x\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("schedule_options = {decay_epochs = 10 : i64, init_value = "
                      "0.000000e+00 : f64, warmup_epochs = 1 : i64}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kiln.init = \"uniform:0.0357143\""), std::string::npos) << text;
  EXPECT_NE(text.find("kiln.train_step @train_step(@loss)"), std::string::npos) << text;

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("builder", "mlir", path));
  llvm::FileRemover remover(path);
  ASSERT_FALSE(static_cast<bool>(writeProgram(**built, path)));
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  auto parsed = parseFile(path.str().str(), context, sourceMgr);
  ASSERT_TRUE(parsed);
  expectSameProgram(**built, *parsed);
}

TEST(ProgramBuilder, BorrowedContextAndNamedLayers) {
  mlir::MLIRContext context;
  ProgramBuilder b(context);
  TensorValue x = b.images({32, 16});
  LayerOptions fc1;
  fc1.name = "fc1";
  TensorValue h = b.gelu(b.layerNorm(b.linear(x, 16, 8, fc1)));
  LayerOptions head;
  head.name = "head";
  head.bias = false;
  head.weightInit = "normal:0.02";
  b.softmaxCrossEntropy(b.dense(h, 4, head), /*sumReduction=*/true, "labels");
  TrainStepOptions step;
  step.optimizer = "momentum";
  step.lr = 0.1;
  step.options = {{"momentum", 0.9}, {"nesterov", true}};
  b.trainStep(step);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  EXPECT_EQ(&context, (*built)->getContext());
  auto loss = (*built)->lookupSymbol<mlir::func::FuncOp>("loss");
  std::vector<std::string> names;
  for (unsigned i = 0; i < loss.getNumArguments(); ++i)
    names.push_back(
        loss.getArgAttrOfType<mlir::StringAttr>(i, KilnDialect::kNameAttrName).getValue().str());
  EXPECT_EQ(names, (std::vector<std::string>{"fc1.w", "fc1.b", "ln1.gamma", "ln1.beta", "head.w",
                                             "x", "labels"}));
  EXPECT_EQ(loss.getArgAttrOfType<mlir::StringAttr>(4, KilnDialect::kInitAttrName).getValue(),
            "normal:0.02");
  EXPECT_EQ(loss.getArgAttrOfType<mlir::StringAttr>(2, KilnDialect::kInitAttrName).getValue(),
            "ones");
  std::string text = printed(**built);
  EXPECT_NE(text.find("reduction = \"sum\""), std::string::npos) << text;
  EXPECT_NE(text.find("options = {momentum = 9.000000e-01 : f64, nesterov}"), std::string::npos)
      << text;
}

TEST(ProgramBuilder, ConvolutionalNetwork) {
  ProgramBuilder b;
  TensorValue x = b.images({8, 1, 28, 28});
  Conv2dOptions same;
  same.padding = 1;
  TensorValue h = b.maxPool2d(b.relu(b.conv2d(x, 4, 3, same)), 2);
  EXPECT_EQ(h.shape(), (llvm::ArrayRef<int64_t>{8, 4, 14, 14}));
  Conv2dOptions strided;
  strided.stride = 2;
  strided.groups = 2;
  strided.bias = false;
  TensorValue s = b.conv2d(h, 6, {3, 1}, strided);
  EXPECT_EQ(s.shape(), (llvm::ArrayRef<int64_t>{8, 6, 6, 7}));
  PoolOptions overlap;
  overlap.stride = 1;
  overlap.padding = 1;
  TensorValue p = b.avgPool2d(s, 3, overlap);
  EXPECT_EQ(p.shape(), s.shape());
  TensorValue f = b.flatten(p);
  EXPECT_EQ(f.shape(), (llvm::ArrayRef<int64_t>{8, 6 * 6 * 7}));
  TensorValue g = b.globalAvgPool(s);
  EXPECT_EQ(g.shape(), (llvm::ArrayRef<int64_t>{8, 6}));
  TensorValue logits = b.add(b.dense(f, 10), b.dense(g, 10));
  b.softmaxCrossEntropy(logits);
  b.trainStep({});
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  std::string text = printed(**built);
  EXPECT_NE(text.find("tensor.collapse_shape"), std::string::npos) << text;
  EXPECT_NE(text.find("kiln.conv2d"), std::string::npos) << text;
  EXPECT_NE(text.find("groups = 2 : i64"), std::string::npos) << text;
  // Conv weights [O, C/groups, KH, KW], PyTorch's init from the fan-in C/groups*KH*KW = 9.
  EXPECT_NE(text.find("tensor<4x1x3x3xf32> {kiln.init = \"uniform:0.333333\""), std::string::npos)
      << text;
}

TEST(ProgramBuilder, SupernetSearchStep) {
  ProgramBuilder b;
  TensorValue x = b.images({16, 20});
  TensorValue h = b.relu(b.dense(x, 8));
  LayerOptions noBias;
  noBias.bias = false;
  TensorValue viaRelu = b.relu(b.dense(h, 8, noBias));
  TensorValue viaTanh = b.tanh(b.dense(h, 8, noBias));
  TensorValue edge = b.mixed(
      "a1",
      {Candidate::none(), {"linear_relu", viaRelu}, {"linear_tanh", viaTanh}, {"skip_connect", h}},
      /*node=*/1);
  EXPECT_EQ(edge.shape(), h.shape());
  b.softmaxCrossEntropy(b.dense(edge, 3));
  SearchStepOptions search;
  search.method = "rarts";
  search.decaySteps = 100;
  search.archLr = 3.0e-3;
  b.searchStep(search);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  auto step = *(*built)->getOps<SearchStepOp>().begin();
  // Parameters w1 b1 w2 w3 a1 w4 b4: the alpha is argument 4 of @loss.
  EXPECT_EQ(step.getArchitecture(), (llvm::ArrayRef<int64_t>{4}));
  EXPECT_EQ(step.getMethod(), SearchMethod::Rarts);
  auto loss = (*built)->lookupSymbol<mlir::func::FuncOp>("loss");
  EXPECT_EQ(loss.getArgAttrOfType<mlir::StringAttr>(4, KilnDialect::kInitAttrName).getValue(),
            "normal:0.001");
  auto mixed = *loss->getParentOfType<mlir::ModuleOp>()
                    .lookupSymbol<mlir::func::FuncOp>("forward")
                    .getOps<MixedOp>()
                    .begin();
  EXPECT_EQ(mixed.getCandidates().size(), 3u);
  EXPECT_EQ(mixed.getOps().size(), 4u);
  // The evaluation kiln-run reports test accuracy with.
  EXPECT_TRUE((*built)->lookupSymbol<mlir::func::FuncOp>("eval_step"));
}

TEST(ProgramBuilder, ProgramOutlivesItsBuilder) {
  std::optional<Program> program;
  {
    ProgramBuilder b;
    buildTanhMlp(b);
    auto built = b.finish();
    ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
    program.emplace(std::move(*built));
    // The builder handed its context over: it refuses to go on, and touches nothing.
    EXPECT_FALSE(b.relu(TensorValue()));
    EXPECT_EQ(b.getError(), "relu: the builder is finished; start a new one");
    EXPECT_EQ(finishError(b), "relu: the builder is finished; start a new one");
  }
  EXPECT_TRUE(mlir::succeeded(mlir::verify(program->get())));
  std::string text;
  llvm::raw_string_ostream os(text);
  program->print(os);
  EXPECT_NE(text.find("kiln.train_step @train_step(@loss)"), std::string::npos);
}

TEST(ProgramBuilder, MeanSquaredError) {
  ProgramBuilder b;
  TensorValue x = b.images({16, 3});
  b.mse(b.sigmoid(b.dense(b.leakyRelu(b.dense(x, 8), 0.2), 2)), "target");
  TrainStepOptions step;
  step.optimizer = "sgd";
  step.lr = 0.1;
  b.trainStep(step);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  auto loss = (*built)->lookupSymbol<mlir::func::FuncOp>("loss");
  EXPECT_EQ(text(loss.getArgumentTypes().back()), "tensor<16x2xf32>");
  auto step0 = *(*built)->getOps<TrainStepOp>().begin();
  // No evaluation: kiln.count_correct scores class labels, which a regression has none of.
  EXPECT_FALSE(step0.getForward());
  std::string printedText = printed(**built);
  EXPECT_NE(printedText.find("kiln.leaky_relu"), std::string::npos) << printedText;
  EXPECT_NE(printedText.find("alpha = 2.000000e-01 : f64"), std::string::npos) << printedText;
  EXPECT_NE(printedText.find("kiln.mse"), std::string::npos) << printedText;
}

/// What kiln-opt --kiln-specialize-batch=batch=N --kiln-train-step=train-examples=E does to
/// `module`; the diagnostics as text, "" when both passes succeed.
std::string specializeAndGenerateStep(mlir::ModuleOp module, int64_t batch,
                                      int64_t trainExamples) {
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(module.getContext(), [&](mlir::Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return mlir::success();
  });
  mlir::PassManager pm(module.getContext());
  pm.addPass(createKilnSpecializeBatchPass(KilnSpecializeBatchPassOptions{batch}));
  pm.addPass(createKilnTrainStepPass(KilnTrainStepPassOptions{trainExamples}));
  if (mlir::failed(pm.run(module)))
    return diagnostics.empty() ? "failed without a diagnostic" : diagnostics;
  return "";
}

TEST(ProgramBuilder, DynamicBatchPropagatesAndCompiles) {
  constexpr int64_t kBatch = ProgramBuilder::kBatch;
  ProgramBuilder b;
  TensorValue x = b.images({kBatch, 1, 4, 4});
  EXPECT_TRUE(x.hasDynamicBatch());
  EXPECT_EQ(x.dim(0), kBatch);
  // tensor.collapse_shape keeps the dynamic batch: [?, 1, 4, 4] -> [?, 16].
  TensorValue f = b.flatten(x);
  EXPECT_EQ(f.shape(), (llvm::ArrayRef<int64_t>{kBatch, 16}));
  LayerOptions fc1;
  fc1.name = "fc1";
  TensorValue h = b.linear(f, 16, 8, fc1);
  EXPECT_EQ(h.shape(), (llvm::ArrayRef<int64_t>{kBatch, 8}));
  h = b.leakyRelu(b.sigmoid(b.relu(b.tanh(b.gelu(b.layerNorm(h))))));
  EXPECT_EQ(h.shape(), (llvm::ArrayRef<int64_t>{kBatch, 8}));
  TensorValue logits = b.matmul(h, b.parameter("head", {8, 3}, "normal:0.02"));
  EXPECT_EQ(logits.shape(), (llvm::ArrayRef<int64_t>{kBatch, 3}));
  b.softmaxCrossEntropy(logits);
  TrainStepOptions step;
  step.optimizer = "adamw";
  step.cosineDecayEpochs(2.5);
  step.batch = 32;
  b.trainStep(step);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());

  auto loss = (*built)->lookupSymbol<mlir::func::FuncOp>("loss");
  EXPECT_EQ(text(loss.getFunctionType().getInput(loss.getNumArguments() - 2)),
            "tensor<?x1x4x4xf32>");
  EXPECT_EQ(text(loss.getFunctionType().getInputs().back()), "tensor<?xi64>");
  auto forward = (*built)->lookupSymbol<mlir::func::FuncOp>("forward");
  EXPECT_EQ(text(forward.getFunctionType().getResult(0)), "tensor<?x3xf32>");
  std::string printedText = printed(**built);
  EXPECT_NE(printedText.find("tensor.collapse_shape"), std::string::npos) << printedText;
  EXPECT_NE(printedText.find("schedule_options = {decay_epochs = 2.500000e+00 : f64}"),
            std::string::npos)
      << printedText;
  EXPECT_NE(printedText.find("batch = 32 : i64"), std::string::npos) << printedText;

  // The text parses back as the same program and compiles for another batch size:
  // 1000 / 16 = 62 steps per epoch, so 2.5 epochs are 155 steps.
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("builder-dynamic", "mlir", path));
  llvm::FileRemover remover(path);
  ASSERT_FALSE(static_cast<bool>(writeProgram(**built, path)));
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  auto parsed = parseFile(path.str().str(), context, sourceMgr);
  ASSERT_TRUE(parsed);
  expectSameProgram(**built, *parsed);
  ASSERT_EQ(specializeAndGenerateStep(*parsed, 16, 1000), "");
  auto trainStep = parsed->lookupSymbol<mlir::func::FuncOp>("train_step");
  ASSERT_TRUE(trainStep);
  EXPECT_EQ(text(trainStep.getFunctionType().getInputs().back()), "tensor<16xi64>");
  std::string compiled = printed(*parsed);
  EXPECT_NE(compiled.find("decay_steps = 155 : i64"), std::string::npos) << compiled;
  EXPECT_NE(compiled.find("tensor<16x1x4x4xf32>"), std::string::npos) << compiled;
  EXPECT_EQ(compiled.find("?x"), std::string::npos) << compiled;
  EXPECT_TRUE(parsed->lookupSymbol<mlir::func::FuncOp>("eval_step"));
}

TEST(ProgramBuilder, DynamicBatchWithoutADeclaredSize) {
  // A driver may choose the size (--batch N): the program builds without `batch`, and
  // compiles once one is given.
  ProgramBuilder b;
  b.mse(b.dense(b.images({ProgramBuilder::kBatch, 6}), 2));
  TrainStepOptions step;
  step.optimizer = "sgd";
  step.schedule = "step_decay";
  step.scheduleOptions = {{"step_size_epochs", 1}, {"gamma", 0.5}};
  b.trainStep(step);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  auto op = *(*built)->getOps<TrainStepOp>().begin();
  EXPECT_FALSE(op.getBatch());
  auto loss = (*built)->lookupSymbol<mlir::func::FuncOp>("loss");
  EXPECT_EQ(text(loss.getFunctionType().getInputs().back()), "tensor<?x2xf32>");
  // Without a size the step cannot be generated; kiln-specialize-batch says so.
  {
    mlir::OwningOpRef<mlir::ModuleOp> copy((*built)->clone());
    EXPECT_NE(specializeAndGenerateStep(*copy, 0, 100).find("choose its size with --batch N"),
              std::string::npos);
  }
  ASSERT_EQ(specializeAndGenerateStep(**built, 10, 100), "");
  // 100 / 10 = 10 steps per epoch.
  std::string compiled = printed(**built);
  EXPECT_NE(compiled.find("step_size = 10 : i64"), std::string::npos) << compiled;
}

TEST(ProgramBuilder, EpochLengthsWithAStaticBatch) {
  ProgramBuilder b;
  b.softmaxCrossEntropy(b.dense(b.images({8, 6}), 3));
  TrainStepOptions step;
  step.warmupCosineDecayEpochs(0.5, 3, /*initValue=*/0.0, /*endValue=*/1.0e-5);
  b.trainStep(step);
  auto built = b.finish();
  ASSERT_TRUE(static_cast<bool>(built)) << llvm::toString(built.takeError());
  std::string printedText = printed(**built);
  EXPECT_NE(printedText.find("schedule_options = {decay_epochs = 3 : i64, end_value = "
                             "1.000000e-05 : f64, init_value = 0.000000e+00 : f64, "
                             "warmup_epochs = 5.000000e-01 : f64}"),
            std::string::npos)
      << printedText;
  EXPECT_EQ(printedText.find("batch ="), std::string::npos) << printedText;
  // kiln-specialize-batch leaves a program without a ? alone when no size is asked for.
  ASSERT_EQ(specializeAndGenerateStep(**built, 0, 80), "");
  std::string compiled = printed(**built);
  EXPECT_NE(compiled.find("decay_steps = 30 : i64"), std::string::npos) << compiled;
  EXPECT_NE(compiled.find("warmup_steps = 5 : i64"), std::string::npos) << compiled;
}

//===-- Errors ----------------------------------------------------------------------------===//

TEST(ProgramBuilderErrors, FeatureMismatchNamesTheLayer) {
  ProgramBuilder b;
  TensorValue x = b.images({4, 100});
  LayerOptions fc2;
  fc2.name = "fc2";
  TensorValue h = b.linear(x, 128, 10, fc2);
  EXPECT_FALSE(h);
  EXPECT_FALSE(b.ok());
  EXPECT_EQ(b.getError(), "dense \"fc2\": input has 100 features, expected 128");
  // Later calls do nothing; finish() reports the first error.
  EXPECT_FALSE(b.relu(h));
  b.softmaxCrossEntropy(h);
  b.trainStep({});
  EXPECT_EQ(finishError(b), "dense \"fc2\": input has 100 features, expected 128");
}

TEST(ProgramBuilderErrors, ShapesThatDoNotFit) {
  {
    ProgramBuilder b;
    b.dense(b.images({4, 1, 28, 28}), 10);
    EXPECT_EQ(b.getError(),
              "dense 1: input [4, 1, 28, 28] must be [batch, features]; flatten it first");
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({4, 3, 5, 5});
    b.conv2d(x, 8, 7);
    EXPECT_EQ(b.getError(), "conv2d 1: a 7x7 kernel (dilation 1x1, padding 0x0) does not fit the "
                            "5x5 image");
  }
  {
    ProgramBuilder b;
    Conv2dOptions grouped;
    grouped.name = "dw";
    grouped.groups = 2;
    b.conv2d(b.images({4, 3, 5, 5}), 8, 3, grouped);
    EXPECT_EQ(b.getError(),
              "conv2d \"dw\": 3 input and 8 output channels do not split into 2 groups");
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({4, 6});
    b.add(b.dense(x, 3), b.dense(x, 5));
    EXPECT_EQ(b.getError(), "add: [4, 3] and [4, 5] do not broadcast");
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({4, 6});
    b.mixed("a1", {{"skip_connect", x}, {"linear", b.dense(x, 3)}});
    EXPECT_EQ(b.getError(), "mixed \"a1\": candidate \"linear\" is [4, 3], the first one [4, 6]: "
                            "an edge sums candidates of one shape");
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.flatten(b.images({4, 6})));
    b.trainStep({});
    EXPECT_TRUE(b.ok()) << b.getError().str();
    b.maxPool2d(b.images({4, 1, 2, 2}), 2);
    EXPECT_EQ(b.getError(), "images \"x\": the model is closed by its loss; add layers before "
                            "the loss");
  }
}

TEST(ProgramBuilderErrors, DynamicBatch) {
  constexpr int64_t kBatch = ProgramBuilder::kBatch;
  {
    ProgramBuilder b;
    b.images({kBatch, ProgramBuilder::kDynamic});
    EXPECT_EQ(b.getError(), "images \"x\": the shape [?, ?] must be [batch, ...] with positive "
                            "extents (the batch may be kBatch)");
  }
  {
    ProgramBuilder b;
    b.images({0, 4});
    EXPECT_EQ(b.getError(), "images \"x\": the shape [0, 4] must be [batch, ...] with positive "
                            "extents (the batch may be kBatch)");
  }
  {
    // Convolutions and 2-D pools keep the batch dynamic (kiln-specialize-batch makes it
    // static before they lower).
    ProgramBuilder b;
    TensorValue y = b.maxPool2d(b.relu(b.conv2d(b.images({kBatch, 1, 28, 28}), 4, 3)), 2);
    ASSERT_TRUE(b.ok()) << b.getError().str();
    EXPECT_EQ(std::vector<int64_t>(y.shape().begin(), y.shape().end()),
              (std::vector<int64_t>{kBatch, 4, 13, 13}));
    TensorValue z = b.avgPool2d(y, 2);
    ASSERT_TRUE(b.ok()) << b.getError().str();
    EXPECT_EQ(std::vector<int64_t>(z.shape().begin(), z.shape().end()),
              (std::vector<int64_t>{kBatch, 4, 6, 6}));
  }
  {
    // The ops with static shapes only say so at the layer, not at finish().
    ProgramBuilder b;
    b.globalAvgPool(b.images({kBatch, 1, 28, 28}));
    EXPECT_FALSE(b.ok());
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({kBatch, 6});
    b.add(b.dense(x, 3), b.dense(x, 3));
    EXPECT_EQ(b.getError(), "add: input [?, 3]: kiln.add works on static shapes only; give "
                            "images() a batch size instead of kBatch");
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({kBatch, 6});
    b.mixed("a1", {Candidate::none(), {"skip_connect", x}});
    EXPECT_NE(b.getError().find("mixed \"a1\": input [?, 6]: kiln.mixed works on static shapes"),
              llvm::StringRef::npos)
        << b.getError().str();
  }
  {
    // A contraction over the batch is not a layer of a batched model.
    ProgramBuilder b;
    TensorValue x = b.images({kBatch, 6});
    b.matmul(b.parameter("w", {4, 6}, "zeros"), x);
    EXPECT_EQ(b.getError(), "matmul: [4, 6] x [?, 6]: needs [M, K] x [K, N]");
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.batch = 4;
    b.trainStep(step);
    EXPECT_EQ(b.getError(), "train_step: batch 4: the images [4, 6] have a static batch; the "
                            "batch size is chosen for a program whose images are [kBatch, ...]");
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({kBatch, 6}), 3));
    TrainStepOptions step;
    step.batch = 0;
    b.trainStep(step);
    EXPECT_EQ(b.getError(), "train_step: batch 0 must be positive");
  }
}

TEST(ProgramBuilderErrors, EpochLengths) {
  auto declare = [](const TrainStepOptions &step) {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({ProgramBuilder::kBatch, 6}), 3));
    b.trainStep(step);
    return b.getError().str();
  };
  {
    TrainStepOptions step;
    step.warmupCosineDecayEpochs(-1, 10);
    EXPECT_EQ(declare(step), "train_step: schedule option 'warmup_epochs' = -1: a length in "
                             "epochs is a finite, non-negative number");
  }
  {
    TrainStepOptions step;
    step.cosineDecayEpochs(-0.5);
    EXPECT_EQ(declare(step), "train_step: schedule option 'decay_epochs' = -0.5: a length in "
                             "epochs is a finite, non-negative number");
  }
  {
    TrainStepOptions step;
    step.cosineDecayEpochs(std::nan(""));
    EXPECT_NE(declare(step).find("'decay_epochs' = nan: a length in epochs"), std::string::npos);
  }
  {
    TrainStepOptions step;
    step.cosineDecayEpochs(INFINITY);
    EXPECT_NE(declare(step).find("'decay_epochs' = inf: a length in epochs"), std::string::npos);
  }
  {
    TrainStepOptions step;
    step.schedule = "cosine_decay";
    step.scheduleOptions = {{"decay_epochs", true}};
    EXPECT_EQ(declare(step), "train_step: schedule option 'decay_epochs' = true: a length in "
                             "epochs is a finite, non-negative number");
  }
  {
    TrainStepOptions step;
    step.schedule = "cosine_decay";
    step.scheduleOptions = {{"decay_epochs", 10}, {"decay_steps", 100}};
    EXPECT_EQ(declare(step),
              "train_step: schedule options give both 'decay_epochs' and 'decay_steps'");
  }
  {
    TrainStepOptions step;
    step.warmupCosineDecayEpochs(10, 10);
    EXPECT_EQ(declare(step), "train_step: warmup_epochs (10) must be smaller than decay_epochs "
                             "(10)");
  }
  {
    // No steps at all: the schedule op's own constraint on decay_steps.
    TrainStepOptions step;
    step.cosineDecayEpochs(0);
    EXPECT_NE(declare(step).find("'decay_steps' failed to satisfy constraint"),
              std::string::npos)
        << declare(step);
  }
  {
    // An epochs name the schedule has no steps attribute for is an unknown option.
    TrainStepOptions step;
    step.schedule = "cosine_decay";
    step.scheduleOptions = {{"decay_steps", 100}, {"warmup_epochs", 1}};
    EXPECT_NE(declare(step).find("kiln.cosine_decay_schedule has no attribute 'warmup_epochs'"),
              std::string::npos)
        << declare(step);
  }
  {
    // Lengths in steps and in epochs mix: warm up for 100 steps, decay over 2 epochs.
    TrainStepOptions step;
    step.schedule = "warmup_cosine_decay";
    step.scheduleOptions = {
        {"init_value", 0.0}, {"warmup_steps", 100}, {"decay_epochs", 2}};
    EXPECT_EQ(declare(step), "");
  }
}

TEST(ProgramBuilderErrors, NamesMustBeUnique) {
  ProgramBuilder b;
  TensorValue x = b.images({4, 6});
  b.parameter("w", {6, 3}, "zeros");
  b.parameter("w", {3}, "zeros");
  EXPECT_EQ(b.getError(),
            "parameter \"w\": duplicate name: each parameter is checkpointed by its name");

  ProgramBuilder c;
  x = c.images({4, 6});
  LayerOptions fc;
  fc.name = "fc";
  c.dense(c.dense(x, 6, fc), 6, fc);
  EXPECT_EQ(c.getError(),
            "parameter \"fc.w\": duplicate name: each parameter is checkpointed by its name");

  ProgramBuilder d;
  d.parameter("bad name", {2}, "zeros");
  EXPECT_EQ(d.getError(),
            "parameter \"bad name\": a name is letters, digits, '_', '.', '$' or '-'");
  ProgramBuilder e;
  e.parameter("w", {2}, "gaussian");
  EXPECT_EQ(e.getError(), "parameter \"w\": initialiser \"gaussian\" is not zeros, ones, fill:V, "
                          "normal[:STDDEV] or uniform[:BOUND]");
}

TEST(ProgramBuilderErrors, TensorsOfAnotherProgram) {
  ProgramBuilder a, b;
  TensorValue x = a.images({4, 6});
  b.images({4, 6});
  b.relu(x);
  EXPECT_EQ(b.getError(), "relu: the input is not a tensor of this program's model");
  ProgramBuilder c;
  c.images({4, 6});
  c.tanh(TensorValue());
  EXPECT_EQ(c.getError(), "tanh: the input is an empty tensor");
}

TEST(ProgramBuilderErrors, StepDeclarations) {
  {
    ProgramBuilder b;
    buildTanhMlp(b, "adamm");
    EXPECT_EQ(finishError(b), "train_step: unknown optimizer \"adamm\" (sgd, momentum, adam, "
                              "adamw, amsgrad, adagrad, rmsprop, lion, sign_sgd)");
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.lr = -1.0;
    b.trainStep(step);
    EXPECT_EQ(b.getError(), "train_step: lr (-1), weight_decay (0) and clip_global_norm (0) "
                            "must be finite and non-negative");
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.lr = std::nan("");
    b.trainStep(step);
    EXPECT_FALSE(b.ok());
  }
  {
    // A value the optimizer op refuses is an error of the declaration.
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.options = {{"beta2", 1.5}};
    b.trainStep(step);
    EXPECT_NE(b.getError().find("train_step: 'kiln.adam' op attribute 'beta2' failed to satisfy"),
              llvm::StringRef::npos)
        << b.getError().str();
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.options = {{"betaa2", 0.9}};
    b.trainStep(step);
    EXPECT_NE(b.getError().find("train_step: kiln.adam has no attribute 'betaa2' (it has"),
              llvm::StringRef::npos)
        << b.getError().str();
  }
  {
    // A step count written as a float would read back as nothing.
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    TrainStepOptions step;
    step.schedule = "cosine_decay";
    step.scheduleOptions = {{"decay_steps", 100.0}};
    b.trainStep(step);
    EXPECT_NE(b.getError().find("'decay_steps' = 1.000000e+02 : f64 is not a valid value for "
                                "kiln.cosine_decay_schedule"),
              llvm::StringRef::npos)
        << b.getError().str();
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    SearchStepOptions search;
    search.decaySteps = 10;
    b.searchStep(search);
    EXPECT_EQ(b.getError(), "search_step: the program has no search edges (mixed) to search");
  }
  {
    ProgramBuilder b;
    TensorValue x = b.images({4, 6});
    b.softmaxCrossEntropy(b.mixed("a", {Candidate::none(), {"skip", x}}));
    SearchStepOptions search;
    search.decaySteps = 10;
    search.lr = 0.01;
    search.lrMin = 0.1;
    b.searchStep(search);
    EXPECT_NE(b.getError().find("search_step: 'kiln.search_step' op lr_min (1.000000e-01) "
                                "exceeds lr (1.000000e-02)"),
              llvm::StringRef::npos)
        << b.getError().str();
  }
  {
    ProgramBuilder b;
    b.softmaxCrossEntropy(b.dense(b.images({4, 6}), 3));
    EXPECT_EQ(finishError(b), "finish: the program declares no step (trainStep or searchStep)");
    EXPECT_EQ(finishError(b), "finish: the program declares no step (trainStep or searchStep)");
  }
  {
    ProgramBuilder b;
    b.trainStep({});
    EXPECT_EQ(b.getError(), "train_step: declare the loss first (softmaxCrossEntropy or mse)");
  }
}

TEST(ProgramBuilderErrors, VerifierErrorsComeBackAsText) {
  // Ops made through the escape hatch are checked by finish(): a loss over a parameter with
  // an init but no training data would be caught by the train step's verifier.
  ProgramBuilder b;
  TensorValue x = b.images({4, 6});
  TensorValue h = b.dense(x, 3);
  mlir::OpBuilder &ob = b.getOpBuilder();
  // A matmul whose result type lies about its shape.
  mlir::OperationState st(mlir::UnknownLoc::get(&b.getContext()), MatmulOp::getOperationName());
  st.addOperands({h.get(), h.get()});
  st.addTypes(mlir::RankedTensorType::get({4, 4}, ob.getF32Type()));
  TensorValue bad(ob.create(st)->getResult(0));
  b.softmaxCrossEntropy(bad);
  b.trainStep({});
  std::string message = finishError(b);
  EXPECT_NE(message.find("finish: the program does not verify:"), std::string::npos) << message;
  EXPECT_NE(message.find("'kiln.matmul' op"), std::string::npos) << message;
  EXPECT_EQ(message.find("see current operation"), std::string::npos) << message;
}

} // namespace
