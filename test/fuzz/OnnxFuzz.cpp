// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the ONNX importer on an arbitrary ModelProto, then printing what it imported.
// A model is refused with an error message or imports to a function that verifies (the
// importer checks that itself); anything else (a crash, a sanitizer report) is a bug.
#include "FuzzInput.h"

#include "kiln/Frontends/Onnx.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A context per few inputs: it never forgets a type or attribute.
  static std::unique_ptr<mlir::MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 1000 == 0) {
    context = std::make_unique<mlir::MLIRContext>();
    context->disableMultithreading();
    kiln::registerOnnxImportDialects(*context);
  }
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(context.get()));
  kiln::OnnxImportOptions options;
  options.dims["batch"] = 2;
  kiln::OnnxImport result;
  std::string error;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  if (kiln::importOnnxModel(bytes, "fuzz.onnx", *module, options, result, error)) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module->print(os);
  }
  return 0;
}
