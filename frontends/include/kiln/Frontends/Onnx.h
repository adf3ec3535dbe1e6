// SPDX-License-Identifier: Apache-2.0
// The ONNX way in: a ModelProto (exported from PyTorch, say) as a kiln forward function whose
// initializers are its leading parameters, ready for a generated training step.
#ifndef KILN_FRONTENDS_ONNX_H
#define KILN_FRONTENDS_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiln {

/// A float32 tensor read from ONNX (an initializer, a TensorProto file).
struct OnnxTensor {
  std::string name; ///< the ONNX name, as written in the model
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct OnnxImportOptions {
  /// The name of the function the graph becomes.
  std::string functionName = "forward";
  /// Values of symbolic dimensions ("batch" = 128): Kiln's ops need static shapes.
  std::map<std::string, int64_t> dims;
  /// Serialized TensorProtos of graph inputs, by name, that an op may read at import time
  /// where ONNX allows a tensor but Kiln needs a constant (Reshape's shape, Dropout's ratio).
  /// A graph input used only that way is no argument of the function; the ONNX node tests
  /// give their shapes this way.
  std::map<std::string, std::string> knownInputs;
};

/// What an import produced besides the function: the arguments, in order.
struct OnnxImport {
  /// The float32 initializers the graph reads as data: the function's leading arguments,
  /// `kiln.name`d after their sanitized names (`sanitizeOnnxName`), with their values.
  std::vector<OnnxTensor> parameters;
  /// The ONNX names of the graph inputs that are the remaining arguments, in order.
  std::vector<std::string> inputs;
  /// The sanitized argument names, parameters first (what `kiln.name` holds).
  std::vector<std::string> argumentNames;
};

/// Imports the ModelProto in `bytes` as `func.func @<functionName>` appended to `module`
/// (public, so a module of several imports compiles to one library). `source` names the
/// model in errors. Unsupported ops and attributes, tensors of types other than float32,
/// shapes that do not fit and malformed models are errors, returned as one message:
/// `source: node "name" (OpType): why`. Nothing is added to `module` on error.
bool importOnnxModel(llvm::StringRef bytes, llvm::StringRef source, mlir::ModuleOp module,
                     const OnnxImportOptions &options, OnnxImport &result, std::string &error);

/// Reads the model at `path` and imports it into a new module (see importOnnxModel).
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(llvm::StringRef path,
                                                 mlir::MLIRContext &context,
                                                 const OnnxImportOptions &options,
                                                 OnnxImport &result, std::string &error);

/// Reads a serialized float32 TensorProto (an initializer, the node tests' input_0.pb).
bool readOnnxTensor(llvm::StringRef bytes, OnnxTensor &tensor, std::string &error);

/// The ONNX names of a model's graph inputs (initializers excluded) and outputs, in order.
bool readOnnxSignature(llvm::StringRef bytes, std::vector<std::string> &inputs,
                       std::vector<std::string> &outputs, std::string &error);

/// `name` as a Kiln argument name: characters other than letters, digits, '_', '.', '$' and
/// '-' become '_' ("onnx::Gemm_5" is "onnx__Gemm_5"); empty is "arg".
std::string sanitizeOnnxName(llvm::StringRef name);

/// Loads the dialects an import creates ops of.
void registerOnnxImportDialects(mlir::MLIRContext &context);

} // namespace kiln

#endif // KILN_FRONTENDS_ONNX_H
