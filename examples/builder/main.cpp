// SPDX-License-Identifier: Apache-2.0
// Builds kiln programs from C++ with kiln::ProgramBuilder and writes them as text for
// kiln-compile and kiln-run, and optionally compiles them in the same process:
//
//     kiln-builder-example mlp tanh-mlp.mlir        # docs/tutorial/tanh-mlp.mlir, from code
//     kiln-builder-example supernet search.mlir     # examples/search's supernet, DARTS
//     kiln-builder-example cnn cnn.mlir             # a small convolutional network
//     kiln-builder-example mlp tanh-mlp.mlir libtanh-mlp.so
//     kiln-run tanh-mlp.mlir --train fashion-mnist --epochs 10
//     kiln-run tanh-mlp.mlir --train fashion-mnist --epochs 10 --batch 256
#include "kiln/Frontends/Builder.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Target/SharedLibrary.h"

#include "mlir/IR/DialectRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace {

/// The tutorial's 784-128-128-10 tanh network for any batch size, compiled for 128 unless
/// the driver is given another (--batch N): AdamW, a warm-up of one epoch and a cosine decay
/// to 0 at the tenth (kiln-run turns epochs into steps from the data set), gradients clipped
/// to global norm 1.
void tanhMlp(kiln::ProgramBuilder &b) {
  kiln::TensorValue x = b.images({kiln::ProgramBuilder::kBatch, 784});
  kiln::TensorValue h = b.tanh(b.dense(x, 128));
  h = b.tanh(b.dense(h, 128));
  b.softmaxCrossEntropy(b.dense(h, 10));

  kiln::TrainStepOptions step;
  step.optimizer = "adamw";
  step.lr = 2.0e-3;
  step.weightDecay = 1.0e-2;
  step.clipGlobalNorm = 1.0;
  step.warmupCosineDecayEpochs(/*warmupEpochs=*/1, /*decayEpochs=*/10);
  step.batch = 128;
  b.trainStep(step);
}

/// examples/search/supernet.mlir's network: a ReLU stem, then two edges that each choose
/// among a linear+ReLU layer, a linear+tanh layer, skip_connect and none; searched by
/// first-order DARTS on the two halves of the training data. Its batch is a number:
/// kiln.mixed (like kiln.conv2d and the pools of the CNN below) needs static shapes.
void supernet(kiln::ProgramBuilder &b) {
  kiln::TensorValue x = b.images({128, 784});
  kiln::TensorValue h = b.relu(b.dense(x, 64));
  for (int edge = 1; edge <= 2; ++edge) {
    std::string e = "e" + std::to_string(edge);
    // Bias-free linear candidates from explicit parameters, named as supernet.mlir names
    // them (dense() would call them e1_relu.w, ...).
    kiln::TensorValue viaRelu =
        b.relu(b.matmul(h, b.parameter(e + "_relu", {64, 64}, "uniform:0.125")));
    kiln::TensorValue viaTanh =
        b.tanh(b.matmul(h, b.parameter(e + "_tanh", {64, 64}, "uniform:0.125")));
    h = b.mixed("a" + std::to_string(edge),
                {kiln::Candidate::none(),
                 {"linear_relu", viaRelu},
                 {"linear_tanh", viaTanh},
                 {"skip_connect", h}},
                /*node=*/edge);
  }
  b.softmaxCrossEntropy(b.dense(h, 10));

  kiln::SearchStepOptions search;
  // Ten epochs of a half of the training data (30000 images) in batches of 128; the other
  // hyperparameters are DARTS' defaults, with alpha's rate ten times theirs for a short search.
  search.decaySteps = 2340;
  search.archLr = 3.0e-3;
  b.searchStep(search);
}

/// Two 3x3 convolutions with max pooling, then a linear classifier (examples/cnn, smaller).
void cnn(kiln::ProgramBuilder &b) {
  kiln::TensorValue x = b.images({128, 1, 28, 28});
  kiln::Conv2dOptions same;
  same.padding = 1;
  kiln::TensorValue h = b.maxPool2d(b.relu(b.conv2d(x, 16, 3, same)), 2);
  h = b.maxPool2d(b.relu(b.conv2d(h, 32, 3, same)), 2);
  b.softmaxCrossEntropy(b.dense(b.flatten(h), 10));
  kiln::TrainStepOptions step;
  step.optimizer = "adam";
  b.trainStep(step);
}

} // namespace

int main(int argc, char **argv) {
  std::string kind = argc == 3 || argc == 4 ? argv[1] : "";
  if (kind != "mlp" && kind != "supernet" && kind != "cnn") {
    llvm::errs() << "usage: " << argv[0] << " mlp|supernet|cnn OUTPUT.mlir [LIBRARY.so]\n";
    return 2;
  }
  // Only to compile in this process does the context need every dialect the pipeline
  // lowers through; ProgramBuilder() alone would make its own, with the program dialects.
  mlir::DialectRegistry registry;
  kiln::registerKilnDialects(registry);
  mlir::MLIRContext context(registry);
  kiln::ProgramBuilder b(context);
  if (kind == "mlp")
    tanhMlp(b);
  else if (kind == "supernet")
    supernet(b);
  else
    cnn(b);
  // Every mistake above (a shape that does not fit, an unknown optimizer) surfaces here,
  // once, naming the layer it happened in.
  llvm::Expected<kiln::Program> program = b.finish();
  if (!program) {
    llvm::errs() << argv[0] << ": " << llvm::toString(program.takeError()) << "\n";
    return 1;
  }
  if (llvm::Error error = program->write(argv[2])) {
    llvm::errs() << argv[0] << ": " << llvm::toString(std::move(error)) << "\n";
    return 1;
  }
  // What kiln-compile does with the text, without it: the pipeline rewrites the module in
  // place, so the text is written first. Errors are diagnostics on the context (stderr).
  // The MLP's schedule is in epochs: kiln-compile --train-examples 60000, Fashion-MNIST's
  // training set (kiln-run --train counts it itself).
  kiln::CompileOptions options;
  if (kind == "mlp")
    options.pipeline.trainExamples = 60000;
  if (argc == 4 && mlir::failed(kiln::compileToSharedLibrary(program->get(), argv[3], options)))
    return 1;
  return 0;
}
