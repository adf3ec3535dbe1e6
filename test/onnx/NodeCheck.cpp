// SPDX-License-Identifier: Apache-2.0
// Checks the ONNX importer and Kiln's ops against ONNX's backend node tests (Debian's
// libonnx-testdata: DATA/test_*/model.onnx, test_data_set_0/input_*.pb, output_*.pb).
// The list of tests (node-tests.txt) is the single source of truth: every test it names
// either runs and matches ONNX's expected outputs, or is expected to be refused by the
// importer with the error it names, so neither list can silently rot.
//
//   kiln-onnx-node-check --emit-program LIST DATA    one module, an entry point per test
//   kiln-onnx-node-check LIBRARY LIST DATA           runs and compares every test
//
// One module for all tests keeps the suite to one kiln-compile. Outputs are compared as
// ONNX's backend tests do: |got - want| <= atol + rtol * |want| with rtol 1e-3 and atol
// 1e-7 (NaN matches NaN); the worst relative error is printed.
#include "kiln/Frontends/Onnx.h"
#include "kiln/runtime/Module.h"
#include "kiln/runtime/Runtime.h"
#include "kiln/runtime/Session.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace kiln::rt;

namespace {

constexpr double kRtol = 1e-3, kAtol = 1e-7;

struct Entry {
  std::string name;
  bool supported = true;
  std::string expectedError; ///< for an unsupported test: a part of the importer's error
};

bool readFile(const std::string &path, std::string &bytes) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return false;
  bytes = (*buffer)->getBuffer().str();
  return true;
}

/// Lines `test_name` or `test_name unsupported: <error part>`; '#' starts a comment.
bool readList(const std::string &path, std::vector<Entry> &entries) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "kiln-onnx-node-check: cannot read %s\n", path.c_str());
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    Entry e;
    if (!(words >> e.name))
      continue;
    std::string rest;
    std::getline(words, rest);
    rest.erase(0, rest.find_first_not_of(" \t"));
    if (!rest.empty()) {
      const std::string tag = "unsupported:";
      if (rest.compare(0, tag.size(), tag) != 0) {
        std::fprintf(stderr, "%s:%d: expected 'unsupported: <error>' after the test name\n",
                     path.c_str(), number);
        return false;
      }
      e.supported = false;
      e.expectedError = rest.substr(tag.size());
      e.expectedError.erase(0, e.expectedError.find_first_not_of(" \t"));
    }
    entries.push_back(e);
  }
  return true;
}

struct TestCase {
  std::string model;                       ///< model.onnx's bytes
  std::vector<std::string> inputNames, outputNames;
  std::vector<std::string> inputs, outputs; ///< serialized TensorProtos, in order
};

bool loadCase(const std::string &dir, TestCase &c, std::string &error) {
  if (!readFile(dir + "/model.onnx", c.model)) {
    error = "cannot read " + dir + "/model.onnx";
    return false;
  }
  if (!kiln::readOnnxSignature(c.model, c.inputNames, c.outputNames, error))
    return false;
  auto readAll = [&](const char *kind, size_t count, std::vector<std::string> &into) {
    for (size_t i = 0; i < count; ++i) {
      std::string path = dir + "/test_data_set_0/" + kind + "_" + std::to_string(i) + ".pb";
      into.emplace_back();
      if (!readFile(path, into.back())) {
        error = "cannot read " + path;
        return false;
      }
    }
    return true;
  };
  return readAll("input", c.inputNames.size(), c.inputs) &&
         readAll("output", c.outputNames.size(), c.outputs);
}

/// Imports one test as @<name> into `module`.
bool importCase(const Entry &e, const TestCase &c, mlir::ModuleOp module,
                kiln::OnnxImport &result, std::string &error) {
  kiln::OnnxImportOptions options;
  options.functionName = e.name;
  for (size_t i = 0; i < c.inputNames.size(); ++i)
    options.knownInputs[c.inputNames[i]] = c.inputs[i];
  return kiln::importOnnxModel(c.model, e.name + "/model.onnx", module, options, result, error);
}

int emitProgram(const std::vector<Entry> &entries, const std::string &data) {
  mlir::MLIRContext context;
  kiln::registerOnnxImportDialects(context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
  for (const Entry &e : entries) {
    if (!e.supported)
      continue;
    TestCase c;
    kiln::OnnxImport result;
    std::string error;
    if (!loadCase(data + "/" + e.name, c, error) || !importCase(e, c, *module, result, error)) {
      std::fprintf(stderr, "kiln-onnx-node-check: %s: %s\n", e.name.c_str(), error.c_str());
      return EXIT_FAILURE;
    }
  }
  module->print(llvm::outs());
  llvm::outs() << "\n";
  return EXIT_SUCCESS;
}

int passes = 0, unsupported = 0, failures = 0;

void fail(const std::string &name, const std::string &why) {
  std::printf("FAIL %s: %s\n", name.c_str(), why.c_str());
  ++failures;
}

/// Runs a supported test and compares its outputs.
void checkCase(Session &session, const Module &library, const Entry &e, const TestCase &c) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> scratch =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
  kiln::OnnxImport imported;
  std::string error;
  if (!importCase(e, c, *scratch, imported, error))
    return fail(e.name, error);
  auto fn = library.lookup(e.name);
  if (!fn.ok())
    return fail(e.name, fn.status().toString());

  // The arguments: the initializers, then the graph inputs that stayed arguments.
  std::vector<kiln::OnnxTensor> tensors = imported.parameters;
  for (const std::string &name : imported.inputs) {
    size_t i = std::find(c.inputNames.begin(), c.inputNames.end(), name) - c.inputNames.begin();
    tensors.emplace_back();
    if (i == c.inputNames.size() || !kiln::readOnnxTensor(c.inputs[i], tensors.back(), error))
      return fail(e.name, "input '" + name + "': " + (error.empty() ? "no data" : error));
  }
  std::vector<TensorView> inputs;
  for (kiln::OnnxTensor &t : tensors)
    inputs.push_back({t.values.data(), DType::F32, t.shape});
  auto results = session.call(**fn, inputs);
  if (!results.ok())
    return fail(e.name, results.status().toString());

  const std::vector<ResultSpec> &specs = (*fn)->results();
  if (specs.size() != c.outputs.size())
    return fail(e.name, std::to_string(specs.size()) + " results for " +
                            std::to_string(c.outputs.size()) + " outputs");
  double worst = 0;
  size_t next = 0;
  for (size_t r = 0; r < specs.size(); ++r) {
    TensorView got = specs[r].alias >= 0 ? inputs[specs[r].alias] : (*results)[next++].view();
    kiln::OnnxTensor want;
    if (!kiln::readOnnxTensor(c.outputs[r], want, error))
      return fail(e.name, "output " + std::to_string(r) + ": " + error);
    if (got.shape != want.shape || got.dtype != DType::F32)
      return fail(e.name, "output " + std::to_string(r) + " has the wrong shape");
    const float *g = static_cast<const float *>(got.data);
    for (size_t k = 0; k < want.values.size(); ++k) {
      double w = want.values[k], x = g[k];
      if (std::isnan(w) && std::isnan(x))
        continue;
      double diff = std::abs(x - w);
      if (w == x)
        diff = 0; // infinities
      if (!(diff <= kAtol + kRtol * std::abs(w))) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "output %zu element %zu is %.9g, expected %.9g", r, k, x,
                      w);
        return fail(e.name, buf);
      }
      if (w != 0)
        worst = std::max(worst, diff / std::abs(w));
    }
  }
  std::printf("PASS %s (worst relative error %.2g)\n", e.name.c_str(), worst);
  ++passes;
}

/// An expected-unsupported test must be refused with the listed error.
void checkRefusal(const Entry &e, const TestCase &c) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> scratch =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
  kiln::OnnxImport imported;
  std::string error;
  if (importCase(e, c, *scratch, imported, error))
    return fail(e.name, "listed as unsupported, but it imports: move it to the supported tests");
  if (error.find(e.expectedError) == std::string::npos)
    return fail(e.name, "expected an error containing '" + e.expectedError + "', got: " + error);
  std::printf("UNSUPPORTED %s: %s\n", e.name.c_str(), error.c_str());
  ++unsupported;
}

} // namespace

int main(int argc, char **argv) {
  bool emit = argc == 4 && std::strcmp(argv[1], "--emit-program") == 0;
  if (argc != 4) {
    std::fprintf(stderr, "usage: kiln-onnx-node-check --emit-program LIST DATA\n"
                         "       kiln-onnx-node-check LIBRARY.so LIST DATA\n");
    return EXIT_FAILURE;
  }
  std::vector<Entry> entries;
  if (!readList(argv[2], entries))
    return EXIT_FAILURE;
  std::string data = argv[3];
  if (emit)
    return emitProgram(entries, data);

  auto runtime = Runtime::create();
  if (!runtime.ok()) {
    std::fprintf(stderr, "kiln-onnx-node-check: %s\n", runtime.status().toString().c_str());
    return EXIT_FAILURE;
  }
  auto library = (*runtime)->loadModule(argv[1]);
  if (!library.ok()) {
    std::fprintf(stderr, "kiln-onnx-node-check: %s\n", library.status().toString().c_str());
    return EXIT_FAILURE;
  }
  auto session = Session::create(**runtime, *library);
  if (!session.ok()) {
    std::fprintf(stderr, "kiln-onnx-node-check: %s\n", session.status().toString().c_str());
    return EXIT_FAILURE;
  }
  for (const Entry &e : entries) {
    TestCase c;
    std::string error;
    if (!loadCase(data + "/" + e.name, c, error)) {
      fail(e.name, error);
      continue;
    }
    if (e.supported)
      checkCase(*session, *library, e, c);
    else
      checkRefusal(e, c);
  }
  std::printf("%d passed, %d expected-unsupported, %d failed\n", passes, unsupported, failures);
  return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
