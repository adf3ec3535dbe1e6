// SPDX-License-Identifier: Apache-2.0
// kiln-import-onnx: an ONNX model as a kiln program, its initializers as a checkpoint.
//
//   kiln-import-onnx model.onnx -o model.mlir --weights model.safetensors [--dim batch=128]
//   kiln-import-onnx model.onnx -o train.mlir --weights w.safetensors --train-step adam
//
// The program's @forward takes the initializers (named after them), then the graph's inputs,
// and returns its outputs. The weights file holds the initializers' values under the same
// names, so `kiln-run model.mlir --weights model.safetensors` starts from them.
// --train-step adds @loss (softmax cross-entropy of the one output against integer labels)
// and a kiln.train_step, which kiln-run --train trains.
#include "kiln/Frontends/Onnx.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/runtime/io/Checkpoint.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace cl = llvm::cl;
using namespace mlir;

namespace {

[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "kiln-import-onnx: error: " << message << "\n";
  std::exit(EXIT_FAILURE);
}

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// @loss and the kiln.train_step over it, in text (parsed back, so the verifier checks it as
/// it checks any program). Parameters carry a PyTorch-like `kiln.init` (uniform with bound
/// 1/sqrt(fan-in), biases zero) only as the fallback the step requires; --weights gives the
/// model's own values.
void addTrainStep(ModuleOp module, func::FuncOp forward, const kiln::OnnxImport &import,
                  const std::string &optimizer, double lr) {
  FunctionType type = forward.getFunctionType();
  size_t numParams = import.parameters.size();
  if (type.getNumInputs() != numParams + 1 || type.getNumResults() != 1)
    fail("--train-step needs a model with one input (the images) and one output (the "
         "logits); this one has " +
         llvm::Twine(type.getNumInputs() - numParams) + " and " +
         llvm::Twine(type.getNumResults()));
  auto logits = cast<RankedTensorType>(type.getResult(0));
  if (logits.getRank() != 2)
    fail("--train-step needs [batch, classes] logits, not " + typeString(logits));
  std::string labels = "tensor<" + std::to_string(logits.getDimSize(0)) + "xi64>";
  std::string args, operands, types;
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    std::string t = typeString(type.getInput(i)), name = import.argumentNames[i];
    std::string attrs = "kiln.name = \"" + name + "\"";
    if (i < numParams) {
      auto shape = cast<RankedTensorType>(type.getInput(i)).getShape();
      int64_t fanIn = 1;
      for (size_t d = 1; d < shape.size(); ++d)
        fanIn *= shape[d];
      char init[64];
      std::snprintf(init, sizeof init, "uniform:%.6g", 1.0 / std::sqrt(double(fanIn)));
      attrs += ", kiln.init = \"" + std::string(shape.size() < 2 ? "zeros" : init) + "\"";
    } else {
      attrs += ", kiln.data = \"images\"";
    }
    args += "%a" + std::to_string(i) + ": " + t + " {" + attrs + "}, ";
    operands += (i ? ", %a" : "%a") + std::to_string(i);
    types += (i ? ", " : "") + t;
  }
  char lrText[64]; // an MLIR float literal needs the '.'
  std::snprintf(lrText, sizeof lrText, "%.16e", lr);
  std::string text =
      "func.func private @loss(" + args + "%labels: " + labels +
      " {kiln.name = \"labels\", kiln.data = \"labels\"}) -> tensor<f32> {\n"
      "  %logits = func.call @" + forward.getName().str() + "(" + operands + ") : (" + types +
      ") -> " + typeString(logits) + "\n"
      "  %l = kiln.softmax_cross_entropy %logits, %labels : " + typeString(logits) + ", " +
      labels + " -> tensor<f32>\n"
      "  return %l : tensor<f32>\n}\n"
      "kiln.train_step @train_step(@loss) {optimizer = \"" + optimizer + "\", lr = " +
      lrText + " : f64, forward = @" + forward.getName().str() + "}\n";
  std::string diagnostics;
  ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d << "\n";
    return success();
  });
  // Parsed on its own, so @forward is declared there; only @loss and the step move over.
  OwningOpRef<ModuleOp> step = parseSourceString<ModuleOp>(
      "func.func private @" + forward.getName().str() + "(" + types + ") -> " +
          typeString(logits) + "\n" + text,
      module.getContext());
  if (!step)
    fail("--train-step " + optimizer + ": " + diagnostics);
  forward.setPrivate();
  for (Operation &op : llvm::make_early_inc_range(step->getBody()->getOperations()))
    if (!isa<func::FuncOp>(op) || cast<func::FuncOp>(op).getName() != forward.getName())
      op.moveBefore(module.getBody(), module.getBody()->end());
  if (failed(verify(module)))
    fail("--train-step " + optimizer + ": " + diagnostics);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::OptionCategory category("kiln-import-onnx options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                             cl::cat(category));
  cl::opt<std::string> output("o", cl::desc("The kiln program to write (default: stdout)"),
                              cl::value_desc("model.mlir"), cl::init("-"), cl::cat(category));
  cl::opt<std::string> weights(
      "weights",
      cl::desc("Write the initializers here as a Kiln checkpoint, named as the program's "
               "arguments (kiln-run --weights reads it)"),
      cl::value_desc("model.safetensors"), cl::cat(category));
  cl::opt<std::string> name("name", cl::desc("Name of the imported function"),
                            cl::init("forward"), cl::cat(category));
  cl::list<std::string> dims("dim",
                             cl::desc("The value of a symbolic dimension (e.g. batch=128); "
                                      "Kiln's programs have static shapes"),
                             cl::value_desc("NAME=VALUE"), cl::cat(category));
  cl::opt<std::string> trainStep(
      "train-step",
      cl::desc("Also write @loss (softmax cross-entropy of the logits against integer "
               "labels) and kiln.train_step @train_step with this optimizer (sgd, adam, "
               "adamw, ...), for kiln-run --train"),
      cl::value_desc("optimizer"), cl::cat(category));
  cl::opt<double> lr("lr", cl::desc("The training step's learning rate"), cl::init(1e-3),
                     cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "kiln-import-onnx: ONNX model -> kiln program\n");

  kiln::OnnxImportOptions options;
  options.functionName = name;
  for (const std::string &d : dims) {
    size_t eq = d.find('=');
    long long value = 0;
    if (eq == std::string::npos || eq == 0 ||
        llvm::StringRef(d).drop_front(eq + 1).getAsInteger(10, value) || value < 1)
      fail("--dim " + d + ": expected NAME=VALUE with a positive VALUE");
    options.dims[d.substr(0, eq)] = value;
  }
  if (lr.getNumOccurrences() && trainStep.empty())
    fail("--lr applies to --train-step only");

  MLIRContext context;
  kiln::OnnxImport import;
  std::string error;
  OwningOpRef<ModuleOp> module = kiln::importOnnxFile(input, context, options, import, error);
  if (!module)
    fail(error);
  if (!trainStep.empty())
    addTrainStep(*module, cast<func::FuncOp>(module->lookupSymbol(name)), import, trainStep, lr);

  if (!weights.empty()) {
    std::vector<std::pair<std::string, kiln::rt::TensorView>> tensors;
    for (size_t i = 0; i < import.parameters.size(); ++i) {
      kiln::OnnxTensor &p = import.parameters[i];
      tensors.push_back({import.argumentNames[i],
                         {p.values.data(), kiln::rt::DType::F32, p.shape}});
    }
    kiln::rt::Status saved =
        kiln::rt::saveCheckpoint(weights, tensors, {{"kiln_source", input.getValue()}});
    if (!saved.ok())
      fail("--weights: " + saved.toString());
  } else if (!import.parameters.empty()) {
    llvm::errs() << "kiln-import-onnx: warning: " << import.parameters.size()
                 << " initializers become parameters whose values are not written; give "
                    "--weights FILE to keep them\n";
  }

  std::string openError;
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(output, &openError);
  if (!out)
    fail(openError);
  module->print(out->os());
  out->os() << "\n";
  out->keep();
  return EXIT_SUCCESS;
}
