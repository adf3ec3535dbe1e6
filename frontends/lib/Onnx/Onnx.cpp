// SPDX-License-Identifier: Apache-2.0
// Importing ONNX models: each node becomes kiln ops (or element-wise arith/math and tensor
// reshapes, which Kiln also differentiates) with the shapes computed here, so a model
// without shape annotations imports too and every shape error names its node.
#include "kiln/Frontends/Onnx.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>

using namespace mlir;
using llvm::SmallVector;
using llvm::StringRef;
using llvm::Twine;

namespace {

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

/// Shapes are checked against this bound, so element counts never overflow int64.
constexpr int64_t kMaxElements = int64_t(1) << 40;

int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string typeName(int32_t type) {
  return onnx::TensorProto_DataType_IsValid(type)
             ? onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type))
             : "type " + std::to_string(type);
}

/// A tensor known at import time: an initializer, a Constant node's value or a known input.
/// Integers keep their exact values (shapes); floats are float32.
struct Constant {
  std::vector<int64_t> shape;
  bool isFloat = true;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

/// Decodes a TensorProto of float32, int64 or int32 elements; anything else is an error
/// naming its type.
bool decodeTensor(const onnx::TensorProto &t, Constant &c, std::string &error) {
  std::string name = t.name().empty() ? "a tensor" : "tensor '" + t.name() + "'";
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    error = name + " keeps its data in an external file, which is not supported";
    return false;
  }
  c.shape.assign(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : c.shape) {
    if (d < 0 || (d > 0 && n > std::numeric_limits<int32_t>::max() / d)) {
      error = name + " has a bad shape " + shapeString(c.shape);
      return false;
    }
    n *= d;
  }
  const std::string &raw = t.raw_data();
  auto count = [&](size_t got, size_t elementSize) {
    if (static_cast<int64_t>(got) == n)
      return true;
    error = name + " (" + shapeString(c.shape) + ") holds " +
            std::to_string(raw.empty() ? got : raw.size()) +
            (raw.empty() ? " values" : " bytes, expected " + std::to_string(n * elementSize));
    return false;
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    c.isFloat = true;
    if (t.has_raw_data()) {
      if (raw.size() % 4 || !count(raw.size() / 4, 4))
        return raw.size() % 4 ? (error = name + " has " + std::to_string(raw.size()) +
                                         " bytes of float32 data", false)
                              : false;
      c.floats.resize(n);
      std::memcpy(c.floats.data(), raw.data(), raw.size()); // ONNX raw data is little-endian
    } else {
      if (!count(t.float_data_size(), 4))
        return false;
      c.floats.assign(t.float_data().begin(), t.float_data().end());
    }
    return true;
  case onnx::TensorProto::INT64:
    c.isFloat = false;
    if (t.has_raw_data()) {
      if (raw.size() % 8 || !count(raw.size() / 8, 8))
        return raw.size() % 8 ? (error = name + " has " + std::to_string(raw.size()) +
                                         " bytes of int64 data", false)
                              : false;
      c.ints.resize(n);
      std::memcpy(c.ints.data(), raw.data(), raw.size());
    } else {
      if (!count(t.int64_data_size(), 8))
        return false;
      c.ints.assign(t.int64_data().begin(), t.int64_data().end());
    }
    return true;
  case onnx::TensorProto::INT32:
    c.isFloat = false;
    if (t.has_raw_data()) {
      if (raw.size() % 4 || !count(raw.size() / 4, 4))
        return raw.size() % 4 ? (error = name + " has " + std::to_string(raw.size()) +
                                         " bytes of int32 data", false)
                              : false;
      std::vector<int32_t> v(n);
      std::memcpy(v.data(), raw.data(), raw.size());
      c.ints.assign(v.begin(), v.end());
    } else {
      if (!count(t.int32_data_size(), 4))
        return false;
      c.ints.assign(t.int32_data().begin(), t.int32_data().end());
    }
    return true;
  default:
    error = name + " is " + typeName(t.data_type()) + ": only float32 tensors are supported";
    return false;
  }
}

bool parseModel(StringRef bytes, StringRef source, onnx::ModelProto &model, std::string &error) {
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = (source + ": not a valid ONNX model (the protobuf does not parse)").str();
    return false;
  }
  if (!model.has_graph()) {
    error = (source + ": not a valid ONNX model (it has no graph)").str();
    return false;
  }
  return true;
}

class Importer {
public:
  Importer(const onnx::ModelProto &model, StringRef source, ModuleOp module,
           const kiln::OnnxImportOptions &options, kiln::OnnxImport &result)
      : model(model), graph(model.graph()), source(source.str()), module(module),
        options(options), result(result), b(module.getContext()) {}

  bool run();
  std::string error;

private:
  using Handler = bool (Importer::*)();

  // -- Errors ------------------------------------------------------------------------------
  bool fail(const Twine &message) {
    std::string where = source + ": ";
    if (node)
      where += (node->name().empty() ? "node #" + std::to_string(nodeIndex)
                                     : "node \"" + node->name() + "\"") +
               " (" + node->op_type() + "): ";
    error = where + message.str();
    return false;
  }

  // -- Attributes --------------------------------------------------------------------------
  /// Refuses attributes the handler does not interpret: one it ignored could change the
  /// result, and a silent wrong result is worse than a refusal.
  bool allowAttributes(std::initializer_list<StringRef> known) {
    for (const onnx::AttributeProto &a : node->attribute())
      if (!llvm::is_contained(known, StringRef(a.name())))
        return fail("attribute '" + a.name() + "' is not supported");
    return true;
  }
  const onnx::AttributeProto *attr(StringRef name) {
    for (const onnx::AttributeProto &a : node->attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  int64_t intAttr(StringRef name, int64_t def) {
    const onnx::AttributeProto *a = attr(name);
    return a ? a->i() : def;
  }
  float floatAttr(StringRef name, float def) {
    const onnx::AttributeProto *a = attr(name);
    return a ? a->f() : def;
  }
  std::string stringAttr(StringRef name, StringRef def) {
    const onnx::AttributeProto *a = attr(name);
    return a ? a->s() : def.str();
  }
  std::optional<SmallVector<int64_t>> intsAttr(StringRef name) {
    const onnx::AttributeProto *a = attr(name);
    if (!a)
      return std::nullopt;
    return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
  }

  // -- Operands ----------------------------------------------------------------------------
  size_t numInputs() {
    // Trailing empty names are omitted optional inputs.
    size_t n = node->input_size();
    while (n && node->input(n - 1).empty())
      --n;
    return n;
  }
  bool hasInput(size_t i) { return i < numInputs() && !node->input(i).empty(); }
  bool expectInputs(size_t min, size_t max) {
    size_t n = numInputs();
    if (n < min || n > max)
      return fail("takes " + (min == max ? std::to_string(min)
                                          : std::to_string(min) + " to " + std::to_string(max)) +
                  " inputs, not " + std::to_string(n));
    return true;
  }
  size_t numOutputs() {
    size_t n = node->output_size();
    while (n && node->output(n - 1).empty())
      --n;
    return n;
  }
  bool expectOutputs(size_t max) {
    for (int i = max; i < node->output_size(); ++i)
      if (!node->output(i).empty())
        return fail("output " + std::to_string(i) + " ('" + node->output(i) +
                    "') is not supported");
    return true;
  }

  /// Input `i` as a float32 tensor value.
  Value data(size_t i) {
    const std::string &name = node->input(i);
    if (Value v = lookup(name))
      return v;
    fail(error.empty() ? "input '" + name + "' is not defined before this node" : error);
    return nullptr;
  }
  Value lookup(const std::string &name) {
    if (auto it = values.find(name); it != values.end())
      return it->second;
    auto c = constants.find(name);
    if (c == constants.end())
      return nullptr;
    if (!c->second.isFloat) {
      error = "'" + name + "' is an integer tensor: only float32 tensors are supported as data";
      return nullptr;
    }
    if (c->second.floats.empty()) {
      error = "'" + name + "' is empty: empty tensors are not supported";
      return nullptr;
    }
    auto type = tensorType(c->second.shape);
    Value v = arith::ConstantOp::create(
        b, loc(), type, DenseElementsAttr::get(type, llvm::ArrayRef<float>(c->second.floats)));
    values[name] = v;
    return v;
  }
  /// Input `i` as a value known at import time.
  const Constant *constant(size_t i, StringRef what) {
    auto it = constants.find(node->input(i));
    if (it == constants.end()) {
      fail(what + " ('" + node->input(i) +
           "') must be a constant: an initializer or a Constant node's output");
      return nullptr;
    }
    return &it->second;
  }
  void define(size_t output, Value v) { values[node->output(output)] = v; }

  // -- Types and builders ------------------------------------------------------------------
  Location loc() {
    Location file = FileLineColLoc::get(b.getContext(), source, 0, 0);
    if (node && !node->name().empty())
      return NameLoc::get(b.getStringAttr(node->name()), file);
    return file;
  }
  RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  static llvm::ArrayRef<int64_t> shapeOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  Value splat(llvm::ArrayRef<int64_t> shape, float value) {
    auto type = tensorType(shape);
    return arith::ConstantOp::create(b, loc(), type, DenseElementsAttr::get(type, value));
  }
  /// `v` with `shape` (the same elements in row-major order), through rank 1 with
  /// tensor.collapse_shape and tensor.expand_shape, the reshapes Kiln differentiates.
  Value reshape(Value v, llvm::ArrayRef<int64_t> shape) {
    llvm::ArrayRef<int64_t> from = shapeOf(v);
    if (from == shape)
      return v;
    auto all = [](size_t rank) {
      ReassociationIndices group;
      for (size_t i = 0; i < rank; ++i)
        group.push_back(i);
      return SmallVector<ReassociationIndices>{group};
    };
    if (from.empty())
      return tensor::ExpandShapeOp::create(b, loc(), tensorType(shape), v,
                                           SmallVector<ReassociationIndices>{});
    if (shape.empty())
      return tensor::CollapseShapeOp::create(b, loc(), tensorType(shape), v,
                                             SmallVector<ReassociationIndices>{});
    // One collapse or one expand where the dimensions merge or split in order (a Flatten),
    // else through rank 1.
    if (shape.size() < from.size())
      if (auto groups = getReassociationIndicesForCollapse(from, shape))
        return tensor::CollapseShapeOp::create(b, loc(), tensorType(shape), v, *groups);
    if (shape.size() > from.size())
      if (auto groups = getReassociationIndicesForCollapse(shape, from))
        return tensor::ExpandShapeOp::create(b, loc(), tensorType(shape), v, *groups);
    Value flat = v;
    int64_t n = numElements(from);
    if (from.size() != 1)
      flat = tensor::CollapseShapeOp::create(b, loc(), tensorType({n}), v, all(from.size()));
    if (shape.size() == 1)
      return flat;
    return tensor::ExpandShapeOp::create(b, loc(), tensorType(shape), flat, all(shape.size()));
  }
  /// `v` broadcast to `shape` by multiplying with ones, which is exact for every float
  /// (x * 1 = x, for -0, infinities and NaN too) and differentiable.
  Value broadcastTo(Value v, llvm::ArrayRef<int64_t> shape) {
    if (shapeOf(v) == shape)
      return v;
    return kiln::MulOp::create(b, loc(), tensorType(shape), v, splat(shape, 1.0f));
  }
  bool broadcastShape(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> c,
                      SmallVector<int64_t> &out) {
    size_t rank = std::max(a.size(), c.size());
    out.assign(rank, 1);
    for (size_t i = 0; i < rank; ++i) {
      int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
      int64_t y = i < rank - c.size() ? 1 : c[i - (rank - c.size())];
      if (x != y && x != 1 && y != 1)
        return fail("shapes " + shapeString(a) + " and " + shapeString(c) + " do not broadcast");
      out[i] = x == 1 ? y : x;
    }
    return true;
  }
  /// An axis attribute in [-rank, rank) (or [-rank, rank] with `inclusive`), made positive.
  bool axis(int64_t value, int64_t rank, int64_t &out, bool inclusive = false) {
    if (value < -rank || value > (inclusive ? rank : rank - 1))
      return fail("axis " + std::to_string(value) + " is out of range for rank " +
                  std::to_string(rank));
    out = value < 0 ? value + rank : value;
    return true;
  }

  // -- Ops ---------------------------------------------------------------------------------
  template <typename OpTy>
  bool unaryKiln() {
    if (!allowAttributes({}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    define(0, OpTy::create(b, loc(), x.getType(), x));
    return true;
  }
  template <typename OpTy>
  bool unaryElementwise() {
    if (!allowAttributes({}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    define(0, OpTy::create(b, loc(), x));
    return true;
  }
  bool reciprocal() {
    if (!allowAttributes({}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    define(0, arith::DivFOp::create(b, loc(), splat(shapeOf(x), 1.0f), x));
    return true;
  }
  bool leakyRelu() {
    if (!allowAttributes({"alpha"}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    float alpha = floatAttr("alpha", 0.01f);
    if (!(alpha >= 0))
      return fail("alpha = " + std::to_string(alpha) + " is not supported (kiln.leaky_relu "
                                                       "takes alpha >= 0)");
    Value x = data(0);
    if (!x)
      return false;
    define(0, kiln::LeakyReluOp::create(b, loc(), x.getType(), x,
                                        b.getF64FloatAttr(static_cast<double>(alpha))));
    return true;
  }
  /// Add and Mul broadcast in Kiln's ops; Sub and Div broadcast their operands first.
  template <typename KilnOp, typename ArithOp>
  bool binary() {
    if (!allowAttributes({}) || !expectInputs(2, 2) || !expectOutputs(1))
      return false;
    Value x = data(0);
    Value y = x ? data(1) : nullptr;
    SmallVector<int64_t> shape;
    if (!y || !broadcastShape(shapeOf(x), shapeOf(y), shape))
      return false;
    if constexpr (std::is_same_v<KilnOp, void>) {
      x = broadcastTo(x, shape);
      y = broadcastTo(y, shape);
      define(0, ArithOp::create(b, loc(), x, y));
    } else {
      define(0, KilnOp::create(b, loc(), tensorType(shape), x, y));
    }
    return true;
  }
  bool sum() {
    if (!allowAttributes({}) || !expectOutputs(1))
      return false;
    if (numInputs() < 1)
      return fail("takes at least one input");
    Value acc = data(0);
    for (size_t i = 1; acc && i < numInputs(); ++i) {
      Value y = data(i);
      SmallVector<int64_t> shape;
      if (!y || !broadcastShape(shapeOf(acc), shapeOf(y), shape))
        return false;
      acc = kiln::AddOp::create(b, loc(), tensorType(shape), acc, y);
    }
    if (!acc)
      return false;
    define(0, acc);
    return true;
  }
  /// The mean of the inputs: their broadcast sum divided by the count, as NumPy does.
  bool mean() {
    if (!sum())
      return false;
    Value total = values[node->output(0)];
    define(0, arith::DivFOp::create(b, loc(), total,
                                    splat(shapeOf(total), static_cast<float>(numInputs()))));
    return true;
  }
  bool concat() {
    if (!allowAttributes({"axis"}) || !expectOutputs(1))
      return false;
    if (numInputs() < 1)
      return fail("takes at least one input");
    SmallVector<Value> parts;
    for (size_t i = 0; i < numInputs(); ++i) {
      parts.push_back(data(i));
      if (!parts.back())
        return false;
    }
    SmallVector<int64_t> shape(shapeOf(parts[0]));
    int64_t dim = 0;
    if (!attr("axis"))
      return fail("the axis attribute is required");
    if (!axis(intAttr("axis", 0), shape.size(), dim))
      return false;
    for (size_t i = 1; i < parts.size(); ++i) {
      llvm::ArrayRef<int64_t> other = shapeOf(parts[i]);
      bool fits = other.size() == shape.size();
      for (size_t d = 0; fits && d < shape.size(); ++d)
        fits = static_cast<int64_t>(d) == dim || other[d] == shape[d];
      if (!fits)
        return fail("cannot concatenate " + shapeString(shapeOf(parts[0])) + " and " +
                    shapeString(other) + " along axis " + std::to_string(dim));
      shape[dim] += other[dim];
    }
    define(0, parts.size() == 1 ? parts[0]
                                : Value(tensor::ConcatOp::create(b, loc(), tensorType(shape),
                                                                 dim, parts)));
    return true;
  }
  /// The axes of Squeeze and Unsqueeze: an input from opset 13, an attribute before.
  bool axesOperand(std::optional<SmallVector<int64_t>> &axes) {
    if (opset >= 13) {
      if (!allowAttributes({}) || !expectInputs(1, 2))
        return false;
      if (hasInput(1)) {
        const Constant *c = constant(1, "axes");
        if (!c)
          return false;
        if (c->isFloat || c->shape.size() != 1)
          return fail("axes must be a 1-D integer tensor");
        axes = SmallVector<int64_t>(c->ints.begin(), c->ints.end());
      }
      return true;
    }
    if (!allowAttributes({"axes"}) || !expectInputs(1, 1))
      return false;
    axes = intsAttr("axes");
    return true;
  }
  bool squeeze() {
    std::optional<SmallVector<int64_t>> axes;
    if (!axesOperand(axes) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    llvm::ArrayRef<int64_t> from = shapeOf(x);
    SmallVector<bool> drop(from.size(), false);
    if (axes) {
      for (int64_t a : *axes) {
        int64_t d = 0;
        if (!axis(a, from.size(), d))
          return false;
        if (from[d] != 1)
          return fail("cannot squeeze dimension " + std::to_string(d) + " of " +
                      shapeString(from) + ": it is not 1");
        drop[d] = true;
      }
    } else {
      for (size_t d = 0; d < from.size(); ++d)
        drop[d] = from[d] == 1;
    }
    SmallVector<int64_t> shape;
    for (size_t d = 0; d < from.size(); ++d)
      if (!drop[d])
        shape.push_back(from[d]);
    define(0, reshape(x, shape));
    return true;
  }
  bool unsqueeze() {
    std::optional<SmallVector<int64_t>> axes;
    if (!axesOperand(axes) || !expectOutputs(1))
      return false;
    if (!axes)
      return fail("axes are required");
    Value x = data(0);
    if (!x)
      return false;
    llvm::ArrayRef<int64_t> from = shapeOf(x);
    int64_t rank = from.size() + axes->size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t a : *axes) {
      int64_t d = 0;
      if (!axis(a, rank, d))
        return false;
      if (inserted[d])
        return fail("axis " + std::to_string(a) + " appears twice");
      inserted[d] = true;
    }
    SmallVector<int64_t> shape;
    size_t next = 0;
    for (int64_t d = 0; d < rank; ++d)
      shape.push_back(inserted[d] ? 1 : from[next++]);
    define(0, reshape(x, shape));
    return true;
  }
  bool identity() {
    if (!allowAttributes({}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    define(0, x);
    return true;
  }
  /// Inference: the identity. Training mode (a true training_mode input) and the mask
  /// output are refused.
  bool dropout() {
    if (!allowAttributes({"seed", "ratio", "is_test"}) || !expectInputs(1, 3))
      return false;
    if (numOutputs() > 1)
      return fail("the mask output is not supported; Kiln imports inference graphs");
    if (attr("is_test") && intAttr("is_test", 0) == 0)
      return fail("is_test = 0 (training mode) is not supported; Kiln imports inference "
                  "graphs (use kiln.dropout with an explicit key to train with dropout)");
    if (hasInput(2)) {
      const Constant *mode = constant(2, "training_mode");
      if (!mode)
        return false;
      if (mode->ints.size() != 1 || mode->ints[0] != 0)
        return fail("training_mode = true is not supported; Kiln imports inference graphs");
    }
    return identity1();
  }
  bool identity1() {
    Value x = data(0);
    if (!x)
      return false;
    define(0, x);
    return true;
  }
  bool constantOp() {
    if (!expectInputs(0, 0) || !expectOutputs(1))
      return false;
    if (node->attribute_size() != 1)
      return fail("takes exactly one value attribute");
    const onnx::AttributeProto &a = node->attribute(0);
    Constant c;
    if (a.name() == "value") {
      std::string message;
      if (!decodeTensor(a.t(), c, message))
        return fail(message);
    } else if (a.name() == "value_float") {
      c.floats = {a.f()};
    } else if (a.name() == "value_floats") {
      c.floats.assign(a.floats().begin(), a.floats().end());
      c.shape = {static_cast<int64_t>(c.floats.size())};
    } else if (a.name() == "value_int") {
      c.isFloat = false;
      c.ints = {a.i()};
    } else if (a.name() == "value_ints") {
      c.isFloat = false;
      c.ints.assign(a.ints().begin(), a.ints().end());
      c.shape = {static_cast<int64_t>(c.ints.size())};
    } else {
      return fail("attribute '" + a.name() + "' is not supported");
    }
    constants[node->output(0)] = std::move(c);
    return true;
  }

  bool matmul2d(Value x, Value w, Value &out) {
    llvm::ArrayRef<int64_t> a = shapeOf(x), c = shapeOf(w);
    if (a[1] != c[0])
      return fail("cannot multiply " + shapeString(a) + " by " + shapeString(c));
    out = kiln::MatmulOp::create(b, loc(), tensorType({a[0], c[1]}), x, w);
    return true;
  }
  Value transpose2(Value x) {
    SmallVector<int64_t> shape(shapeOf(x));
    std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
    return kiln::TransposeOp::create(b, loc(), tensorType(shape), x);
  }
  bool gemm() {
    if (!allowAttributes({"alpha", "beta", "transA", "transB"}) || !expectInputs(2, 3) ||
        !expectOutputs(1))
      return false;
    Value x = data(0);
    Value w = x ? data(1) : nullptr;
    if (!w)
      return false;
    if (shapeOf(x).size() != 2 || shapeOf(w).size() != 2)
      return fail("A and B must be matrices, not " + shapeString(shapeOf(x)) + " and " +
                  shapeString(shapeOf(w)));
    if (intAttr("transA", 0))
      x = transpose2(x);
    if (intAttr("transB", 0))
      w = transpose2(w);
    Value y;
    if (!matmul2d(x, w, y))
      return false;
    SmallVector<int64_t> shape(shapeOf(y));
    float alpha = floatAttr("alpha", 1.0f), beta = floatAttr("beta", 1.0f);
    if (alpha != 1.0f)
      y = arith::MulFOp::create(b, loc(), y, splat(shape, alpha));
    if (hasInput(2) && beta != 0.0f) {
      Value c = data(2);
      if (!c)
        return false;
      SmallVector<int64_t> sum;
      if (!broadcastShape(shape, shapeOf(c), sum))
        return false;
      if (llvm::ArrayRef<int64_t>(sum) != llvm::ArrayRef<int64_t>(shape))
        return fail("C (" + shapeString(shapeOf(c)) + ") does not broadcast to A * B (" +
                    shapeString(shape) + ")");
      if (beta != 1.0f)
        c = arith::MulFOp::create(b, loc(), c, splat(shapeOf(c), beta));
      if (shapeOf(c).size() == 1 && shapeOf(c)[0] == shape[1])
        y = kiln::BiasAddOp::create(b, loc(), y.getType(), y, c);
      else
        y = kiln::AddOp::create(b, loc(), y.getType(), y, c);
    }
    define(0, y);
    return true;
  }
  bool matmul() {
    if (!allowAttributes({}) || !expectInputs(2, 2) || !expectOutputs(1))
      return false;
    Value x = data(0);
    Value w = x ? data(1) : nullptr;
    if (!w)
      return false;
    SmallVector<int64_t> a(shapeOf(x)), c(shapeOf(w));
    if (a.empty() || c.empty())
      return fail("MatMul of a scalar is not defined");
    // numpy.matmul: a vector operand is a matrix with a unit dimension, removed afterwards.
    bool vecA = a.size() == 1, vecB = c.size() == 1;
    if (vecA)
      a.insert(a.begin(), 1);
    if (vecB)
      c.push_back(1);
    x = reshape(x, a);
    w = reshape(w, c);
    int64_t m = a[a.size() - 2], k = a.back(), n = c.back();
    if (c[c.size() - 2] != k)
      return fail("cannot multiply " + shapeString(a) + " by " + shapeString(c));
    SmallVector<int64_t> batch(a.begin(), a.end() - 2);
    Value y;
    if (c.size() == 2) {
      // [..., M, K] x [K, N]: one matrix product over all rows.
      int64_t rows = numElements(a) / k;
      if (!matmul2d(reshape(x, {rows, k}), w, y))
        return false;
    } else {
      SmallVector<int64_t> batchB(c.begin(), c.end() - 2);
      if (batch != batchB)
        return fail("batch dimensions " + shapeString(batch) + " and " + shapeString(batchB) +
                    " differ; broadcasting them is not supported");
      int64_t nb = numElements(batch);
      y = kiln::BatchMatmulOp::create(b, loc(), tensorType({nb, m, n}),
                                      reshape(x, {nb, m, k}), reshape(w, {nb, k, n}));
    }
    SmallVector<int64_t> shape(batch);
    if (!vecA)
      shape.push_back(m);
    if (!vecB)
      shape.push_back(n);
    define(0, reshape(y, shape));
    return true;
  }

  /// Softmax and LogSoftmax run over the rows of a matrix in Kiln. Earlier opsets than 13
  /// normalize the coerced matrix [prod(dims before axis), prod(dims from axis)]: one
  /// reshape. Opset 13 normalizes along one axis: as [A, C, B] (C the axis), transposed to
  /// [A, B, C] rows and back, with the reshapes and kiln.transpose Kiln differentiates.
  template <typename OpTy>
  bool softmax() {
    if (!allowAttributes({"axis"}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    SmallVector<int64_t> shape(shapeOf(x));
    int64_t rank = shape.size(), split = 0;
    if (rank == 0)
      return fail("takes a tensor of rank 1 or more");
    bool coerced = opset < 13;
    if (!axis(intAttr("axis", coerced ? 1 : -1), rank, split))
      return false;
    llvm::ArrayRef<int64_t> dims(shape);
    if (coerced || split == rank - 1) {
      int64_t rows = numElements(dims.take_front(split));
      Value m = reshape(x, {rows, numElements(shape) / rows});
      define(0, reshape(OpTy::create(b, loc(), m.getType(), m), shape));
      return true;
    }
    int64_t a = numElements(dims.take_front(split)), c = shape[split],
            after = numElements(dims.drop_front(split + 1));
    Value rows = reshape(transpose2(reshape(x, {a, c, after})), {a * after, c});
    Value y = OpTy::create(b, loc(), rows.getType(), rows);
    define(0, reshape(transpose2(reshape(y, {a, after, c})), shape));
    return true;
  }

  bool flatten() {
    if (!allowAttributes({"axis"}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    llvm::ArrayRef<int64_t> shape = shapeOf(x);
    int64_t split = 0;
    if (!axis(intAttr("axis", 1), shape.size(), split, /*inclusive=*/true))
      return false;
    int64_t rows = numElements(shape.take_front(split));
    define(0, reshape(x, {rows, numElements(shape.drop_front(split))}));
    return true;
  }
  bool reshapeOp() {
    if (!allowAttributes({"allowzero"}) || !expectInputs(2, 2) || !expectOutputs(1))
      return false;
    Value x = data(0);
    const Constant *target = x ? constant(1, "the shape") : nullptr;
    if (!target)
      return false;
    if (target->isFloat || target->shape.size() != 1)
      return fail("the shape must be a 1-D integer tensor");
    llvm::ArrayRef<int64_t> from = shapeOf(x);
    bool allowZero = intAttr("allowzero", 0) != 0;
    SmallVector<int64_t> shape;
    int64_t inferred = -1, known = 1;
    for (size_t i = 0; i < target->ints.size(); ++i) {
      int64_t d = target->ints[i];
      if (d == 0 && !allowZero) {
        if (i >= from.size())
          return fail("shape entry " + std::to_string(i) + " copies a dimension " +
                      shapeString(from) + " does not have");
        d = from[i];
      } else if (d == -1) {
        if (inferred >= 0)
          return fail("the shape has more than one -1");
        inferred = i;
      } else if (d < 0 || d > numElements(from)) {
        return fail("bad shape entry " + std::to_string(d) + " for " + shapeString(from));
      }
      shape.push_back(d);
      if (d > 0 && known > numElements(from) / d)
        return fail("cannot reshape " + shapeString(from) + " to " + shapeString(target->ints));
      if (d != -1)
        known *= d;
    }
    int64_t n = numElements(from);
    if (inferred >= 0) {
      if (known == 0 || n % known)
        return fail("cannot reshape " + shapeString(from) + " to " +
                    shapeString(target->ints));
      shape[inferred] = n / known;
    }
    if (numElements(shape) != n || n == 0)
      return fail("cannot reshape " + shapeString(from) + " (" + std::to_string(n) +
                  " elements) to " + shapeString(shape));
    define(0, reshape(x, shape));
    return true;
  }
  /// Any permutation in ops Kiln differentiates: kiln.transpose swaps the last two
  /// dimensions; other permutations move one axis at a time to the end, each move a
  /// kiln.transpose of the [before, axis, after] view.
  bool transpose() {
    if (!allowAttributes({"perm"}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x)
      return false;
    llvm::ArrayRef<int64_t> from = shapeOf(x);
    int64_t rank = from.size();
    SmallVector<int64_t> perm;
    if (auto p = intsAttr("perm"))
      perm = *p;
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    bool valid = static_cast<int64_t>(perm.size()) == rank;
    for (int64_t i = 0; valid && i < rank; ++i)
      valid = sorted[i] == i;
    if (!valid)
      return fail("perm is not a permutation of the " + std::to_string(rank) + " dimensions");
    bool lastTwo = rank >= 2;
    for (int64_t i = 0; i < rank; ++i)
      lastTwo &= perm[i] == (i < rank - 2 ? i : i == rank - 2 ? rank - 1 : rank - 2);
    if (lastTwo) {
      define(0, transpose2(x));
      return true;
    }
    // Axes that never move keep their order, so they are an increasing prefix of perm:
    // the longest one stays, and the rest move to the end in perm's order. order[i] is the
    // input dimension now at position i.
    SmallVector<int64_t> order;
    for (int64_t i = 0; i < rank; ++i)
      order.push_back(i);
    int64_t stay = 1;
    while (stay < rank && perm[stay] > perm[stay - 1])
      ++stay;
    for (int64_t j = stay; j < rank; ++j) {
      int64_t pos = llvm::find(order, perm[j]) - order.begin();
      SmallVector<int64_t> dims;
      for (int64_t d : order)
        dims.push_back(from[d]);
      int64_t before = numElements(llvm::ArrayRef<int64_t>(dims).take_front(pos));
      int64_t after = numElements(llvm::ArrayRef<int64_t>(dims).drop_front(pos + 1));
      order.erase(order.begin() + pos);
      order.push_back(perm[j]);
      SmallVector<int64_t> moved;
      for (int64_t d : order)
        moved.push_back(from[d]);
      if (dims[pos] == 1 || after == 1)
        x = reshape(x, moved); // the data's order does not change
      else if (before == 1)
        x = reshape(transpose2(reshape(x, {dims[pos], after})), moved);
      else
        x = reshape(transpose2(reshape(x, {before, dims[pos], after})), moved);
    }
    define(0, x);
    return true;
  }

  /// Padding of a 2-D window: symmetric per dimension (as Kiln's ops have it), from `pads`
  /// or `auto_pad`.
  bool windowPadding(llvm::ArrayRef<int64_t> in, llvm::ArrayRef<int64_t> kernel,
                     llvm::ArrayRef<int64_t> stride, llvm::ArrayRef<int64_t> dilation,
                     SmallVector<int64_t> &padding) {
    std::string autoPad = stringAttr("auto_pad", "NOTSET");
    padding.assign(2, 0);
    SmallVector<int64_t> begin(2, 0), end(2, 0);
    if (autoPad == "NOTSET") {
      if (auto pads = intsAttr("pads")) {
        if (pads->size() != 4)
          return fail("pads must have 4 entries for a 2-D window");
        begin = {(*pads)[0], (*pads)[1]};
        end = {(*pads)[2], (*pads)[3]};
      }
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      for (int i = 0; i < 2; ++i) {
        int64_t out = (in[i] + stride[i] - 1) / stride[i];
        int64_t total =
            std::max<int64_t>((out - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - in[i], 0);
        begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        end[i] = total - begin[i];
      }
    } else if (autoPad != "VALID") {
      return fail("auto_pad = \"" + autoPad + "\" is not supported");
    }
    for (int i = 0; i < 2; ++i) {
      if (begin[i] < 0 || end[i] < 0)
        return fail("negative padding is not supported");
      if (begin[i] != end[i])
        return fail("asymmetric padding (" + std::to_string(begin[i]) + " before, " +
                    std::to_string(end[i]) + " after, dimension " + std::to_string(i + 2) +
                    ") is not supported: Kiln pads both sides alike");
      padding[i] = begin[i];
    }
    return true;
  }
  bool windowAttrs(llvm::ArrayRef<int64_t> in, SmallVector<int64_t> &kernel,
                   SmallVector<int64_t> &stride, SmallVector<int64_t> &dilation,
                   SmallVector<int64_t> &padding, SmallVector<int64_t> &out) {
    stride = intsAttr("strides").value_or(SmallVector<int64_t>{1, 1});
    dilation = intsAttr("dilations").value_or(SmallVector<int64_t>{1, 1});
    if (kernel.size() != 2 || stride.size() != 2 || dilation.size() != 2)
      return fail("only 2-D windows are supported");
    for (int i = 0; i < 2; ++i)
      if (kernel[i] < 1 || stride[i] < 1 || dilation[i] < 1)
        return fail("kernel, strides and dilations must be positive");
    if (!windowPadding(in, kernel, stride, dilation, padding))
      return false;
    out.clear();
    for (int i = 0; i < 2; ++i) {
      int64_t span = in[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1;
      if (span < 0)
        return fail("the window does not fit the " + shapeString(in) + " image");
      out.push_back(span / stride[i] + 1);
    }
    return true;
  }
  bool image(Value x) {
    if (shapeOf(x).size() != 4)
      return fail("only 2-D images (NCHW, rank 4) are supported, not " +
                  shapeString(shapeOf(x)));
    return true;
  }
  bool conv() {
    if (!allowAttributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}) ||
        !expectInputs(2, 3) || !expectOutputs(1))
      return false;
    Value x = data(0);
    Value w = x ? data(1) : nullptr;
    if (!w || !image(x))
      return false;
    llvm::ArrayRef<int64_t> xs = shapeOf(x), ws = shapeOf(w);
    if (ws.size() != 4)
      return fail("the filter must be [O, C/group, KH, KW], not " + shapeString(ws));
    SmallVector<int64_t> kernel{ws[2], ws[3]}, stride, dilation, padding, out;
    if (auto k = intsAttr("kernel_shape"); k && *k != kernel)
      return fail("kernel_shape " + shapeString(*k) + " disagrees with the filter " +
                  shapeString(ws));
    int64_t groups = intAttr("group", 1);
    if (groups < 1 || xs[1] % groups || ws[0] % groups || ws[1] != xs[1] / groups)
      return fail("filter " + shapeString(ws) + " does not fit " + std::to_string(xs[1]) +
                  " input channels in " + std::to_string(groups) + " group(s)");
    if (!windowAttrs(xs.drop_front(2), kernel, stride, dilation, padding, out))
      return false;
    Value y = kiln::Conv2dOp::create(b, loc(), tensorType({xs[0], ws[0], out[0], out[1]}), x, w,
                                     b.getDenseI64ArrayAttr(stride),
                                     b.getDenseI64ArrayAttr(padding),
                                     b.getDenseI64ArrayAttr(dilation),
                                     b.getI64IntegerAttr(groups));
    if (hasInput(2)) {
      Value bias = data(2);
      if (!bias)
        return false;
      if (shapeOf(bias) != llvm::ArrayRef<int64_t>{ws[0]})
        return fail("the bias must have " + std::to_string(ws[0]) + " elements, not " +
                    shapeString(shapeOf(bias)));
      y = kiln::ChannelBiasOp::create(b, loc(), y.getType(), y, bias);
    }
    define(0, y);
    return true;
  }
  template <typename OpTy>
  bool pool() {
    bool isMax = std::is_same_v<OpTy, kiln::MaxPool2dOp>;
    if (isMax ? !allowAttributes({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                                  "storage_order", "strides"})
              : !allowAttributes({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
                                  "pads", "strides"}))
      return false;
    if (!expectInputs(1, 1))
      return false;
    if (numOutputs() > 1)
      return fail("the Indices output is not supported");
    Value x = data(0);
    if (!x || !image(x))
      return false;
    if (intAttr("ceil_mode", 0))
      return fail("ceil_mode = 1 is not supported");
    SmallVector<int64_t> kernel = intsAttr("kernel_shape").value_or(SmallVector<int64_t>{});
    SmallVector<int64_t> stride, dilation, padding, out;
    llvm::ArrayRef<int64_t> xs = shapeOf(x);
    if (!windowAttrs(xs.drop_front(2), kernel, stride, dilation, padding, out))
      return false;
    if (2 * padding[0] > kernel[0] || 2 * padding[1] > kernel[1])
      return fail("padding larger than half the window is not supported");
    auto type = tensorType({xs[0], xs[1], out[0], out[1]});
    if constexpr (std::is_same_v<OpTy, kiln::MaxPool2dOp>) {
      define(0, kiln::MaxPool2dOp::create(b, loc(), type, x, b.getDenseI64ArrayAttr(kernel),
                                          b.getDenseI64ArrayAttr(stride),
                                          b.getDenseI64ArrayAttr(padding),
                                          b.getDenseI64ArrayAttr(dilation)));
    } else {
      // Kiln averages over the whole window, padding included.
      if ((padding[0] || padding[1]) && !intAttr("count_include_pad", 0))
        return fail("padding with count_include_pad = 0 is not supported (kiln.avg_pool2d "
                    "counts the padding)");
      define(0, kiln::AvgPool2dOp::create(b, loc(), type, x, b.getDenseI64ArrayAttr(kernel),
                                          b.getDenseI64ArrayAttr(stride),
                                          b.getDenseI64ArrayAttr(padding)));
    }
    return true;
  }
  bool globalAveragePool() {
    if (!allowAttributes({}) || !expectInputs(1, 1) || !expectOutputs(1))
      return false;
    Value x = data(0);
    if (!x || !image(x))
      return false;
    llvm::ArrayRef<int64_t> xs = shapeOf(x);
    Value y = kiln::GlobalAvgPoolOp::create(b, loc(), tensorType({xs[0], xs[1]}), x);
    define(0, reshape(y, {xs[0], xs[1], 1, 1}));
    return true;
  }
  /// The inference form: normalized with the running statistics, which come in as inputs.
  bool batchNormalization() {
    if (!allowAttributes({"epsilon", "momentum", "training_mode", "spatial"}) ||
        !expectInputs(5, 5))
      return false;
    if (intAttr("training_mode", 0) || numOutputs() > 1)
      return fail("training mode (training_mode = 1, running statistics as outputs) is not "
                  "supported; Kiln imports inference graphs");
    if (intAttr("spatial", 1) != 1)
      return fail("spatial = 0 is not supported");
    SmallVector<Value> v;
    for (size_t i = 0; i < 5; ++i) {
      v.push_back(data(i));
      if (!v.back())
        return false;
    }
    llvm::ArrayRef<int64_t> xs = shapeOf(v[0]);
    if (xs.size() < 2)
      return fail("the input must be [N, C, ...], not " + shapeString(xs));
    for (size_t i = 1; i < 5; ++i)
      if (shapeOf(v[i]) != llvm::ArrayRef<int64_t>{xs[1]})
        return fail("scale, B, mean and var must have " + std::to_string(xs[1]) +
                    " elements, not " + shapeString(shapeOf(v[i])));
    float epsilon = floatAttr("epsilon", 1e-5f);
    if (!(epsilon >= 0))
      return fail("epsilon must be non-negative");
    auto op = kiln::BatchNormOp::create(
        b, loc(), v[0].getType(), v[1].getType(), v[1].getType(), v[0], v[1], v[2], v[3], v[4],
        b.getF64FloatAttr(0.1),
        b.getF64FloatAttr(static_cast<double>(epsilon)),
        b.getBoolAttr(false));
    define(0, op.getResult());
    return true;
  }

  static const std::map<std::string, Handler> &handlers();
  /// The inputs of `op` read at import time rather than as data.
  static std::set<int> staticInputs(StringRef op) {
    if (op == "Reshape")
      return {1};
    if (op == "Dropout")
      return {1, 2};
    if (op == "Squeeze" || op == "Unsqueeze")
      return {1};
    return {};
  }

  bool declareArguments(SmallVector<Type> &types, SmallVector<std::string> &names);
  bool valueInfoType(const onnx::ValueInfoProto &info, StringRef what,
                     SmallVector<int64_t> &shape);

  const onnx::ModelProto &model;
  const onnx::GraphProto &graph;
  std::string source;
  ModuleOp module;
  const kiln::OnnxImportOptions &options;
  kiln::OnnxImport &result;
  OpBuilder b;
  int64_t opset = 0;
  const onnx::NodeProto *node = nullptr;
  int nodeIndex = 0;
  std::map<std::string, Value> values;
  std::map<std::string, Constant> constants;
};

const std::map<std::string, Importer::Handler> &Importer::handlers() {
  static const std::map<std::string, Handler> table = {
      {"Abs", &Importer::unaryElementwise<math::AbsFOp>},
      {"Add", &Importer::binary<kiln::AddOp, void>},
      {"AveragePool", &Importer::pool<kiln::AvgPool2dOp>},
      {"BatchNormalization", &Importer::batchNormalization},
      {"Concat", &Importer::concat},
      {"Constant", &Importer::constantOp},
      {"Conv", &Importer::conv},
      {"Div", &Importer::binary<void, arith::DivFOp>},
      {"Dropout", &Importer::dropout},
      {"Exp", &Importer::unaryElementwise<math::ExpOp>},
      {"Flatten", &Importer::flatten},
      {"Gemm", &Importer::gemm},
      {"GlobalAveragePool", &Importer::globalAveragePool},
      {"Identity", &Importer::identity},
      {"LeakyRelu", &Importer::leakyRelu},
      {"Log", &Importer::unaryElementwise<math::LogOp>},
      {"LogSoftmax", &Importer::softmax<kiln::LogSoftmaxOp>},
      {"MatMul", &Importer::matmul},
      {"MaxPool", &Importer::pool<kiln::MaxPool2dOp>},
      {"Mean", &Importer::mean},
      {"Mul", &Importer::binary<kiln::MulOp, void>},
      {"Neg", &Importer::unaryElementwise<arith::NegFOp>},
      {"Reciprocal", &Importer::reciprocal},
      {"Relu", &Importer::unaryKiln<kiln::ReluOp>},
      {"Reshape", &Importer::reshapeOp},
      {"Sigmoid", &Importer::unaryKiln<kiln::SigmoidOp>},
      {"Softmax", &Importer::softmax<kiln::SoftmaxOp>},
      {"Sqrt", &Importer::unaryElementwise<math::SqrtOp>},
      {"Squeeze", &Importer::squeeze},
      {"Sub", &Importer::binary<void, arith::SubFOp>},
      {"Sum", &Importer::sum},
      {"Tanh", &Importer::unaryElementwise<math::TanhOp>},
      {"Transpose", &Importer::transpose},
      {"Unsqueeze", &Importer::unsqueeze},
  };
  return table;
}

bool Importer::valueInfoType(const onnx::ValueInfoProto &info, StringRef what,
                             SmallVector<int64_t> &shape) {
  std::string name = (what + " '" + info.name() + "'").str();
  if (!info.type().has_tensor_type())
    return fail(name + " is not a tensor");
  const onnx::TypeProto::Tensor &t = info.type().tensor_type();
  if (t.elem_type() != onnx::TensorProto::FLOAT)
    return fail(name + " is " + typeName(t.elem_type()) + ": only float32 tensors are supported");
  if (!t.has_shape())
    return fail(name + " has no shape");
  shape.clear();
  for (const onnx::TensorShapeProto::Dimension &d : t.shape().dim()) {
    if (d.has_dim_value()) {
      if (d.dim_value() > kMaxElements)
        return fail(name + " has a dimension of " + std::to_string(d.dim_value()) +
                    ", more than Kiln supports");
      if (d.dim_value() < 1)
        return fail(name + " has a dimension of " + std::to_string(d.dim_value()) +
                    ": empty tensors are not supported");
      shape.push_back(d.dim_value());
      continue;
    }
    auto it = d.has_dim_param() ? options.dims.find(d.dim_param()) : options.dims.end();
    if (it == options.dims.end())
      return fail(name + " has a symbolic dimension" +
                  (d.has_dim_param() ? " '" + d.dim_param() + "'" : std::string()) +
                  "; Kiln needs static shapes: give its value (--dim " +
                  (d.has_dim_param() ? d.dim_param() : std::string("NAME")) + "=VALUE)");
    if (it->second < 1 || it->second > kMaxElements)
      return fail(name + ": dimension '" + d.dim_param() + "' = " + std::to_string(it->second) +
                  " is out of range");
    shape.push_back(it->second);
  }
  int64_t n = 1;
  for (int64_t d : shape)
    if ((n *= d) > kMaxElements)
      return fail(name + " has more than 2^40 elements");
  return true;
}

bool Importer::declareArguments(SmallVector<Type> &types, SmallVector<std::string> &names) {
  // What the nodes read as data decides which initializers are parameters and which graph
  // inputs are arguments; the rest is only read at import time (shapes).
  llvm::StringSet<> asData, asStatic;
  for (const onnx::NodeProto &n : graph.node()) {
    std::set<int> fixed = staticInputs(n.op_type());
    for (int i = 0; i < n.input_size(); ++i)
      (fixed.count(i) ? asStatic : asData).insert(n.input(i));
  }
  for (const onnx::ValueInfoProto &o : graph.output())
    asData.insert(o.name());

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &t : graph.initializer()) {
    Constant c;
    std::string message;
    if (!decodeTensor(t, c, message))
      return fail("initializer: " + message);
    initializerNames.insert(t.name());
    if (c.isFloat && asData.contains(t.name())) {
      if (c.floats.empty())
        return fail("initializer '" + t.name() + "' is empty: empty tensors are not supported");
      types.push_back(tensorType(c.shape));
      names.push_back(t.name());
      result.parameters.push_back({t.name(), c.shape, c.floats});
    } else {
      constants[t.name()] = std::move(c);
    }
  }
  for (const onnx::ValueInfoProto &in : graph.input()) {
    if (initializerNames.contains(in.name()))
      continue; // IR version < 4 lists initializers as inputs too
    if (asStatic.contains(in.name()) && !asData.contains(in.name())) {
      auto known = options.knownInputs.find(in.name());
      if (known != options.knownInputs.end()) {
        onnx::TensorProto t;
        Constant c;
        std::string message;
        if (!t.ParseFromString(known->second))
          return fail("the value given for input '" + in.name() + "' is not a TensorProto");
        if (!decodeTensor(t, c, message))
          return fail("input '" + in.name() + "': " + message);
        constants[in.name()] = std::move(c);
      }
      continue;
    }
    SmallVector<int64_t> shape;
    if (!valueInfoType(in, "input", shape))
      return false;
    types.push_back(tensorType(shape));
    names.push_back(in.name());
    result.inputs.push_back(in.name());
  }
  return true;
}

bool Importer::run() {
  for (const onnx::OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset == 0)
    return fail("the model imports no version of the default ONNX operator set");

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  if (!declareArguments(argTypes, argNames))
    return false;
  Location fileLoc = FileLineColLoc::get(b.getContext(), source, 0, 0);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, fileLoc, options.functionName,
                                   b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  // Names are unique per function: a second "x" becomes "x_1".
  llvm::StringSet<> taken;
  for (auto [i, onnxName] : llvm::enumerate(argNames)) {
    std::string name = kiln::sanitizeOnnxName(onnxName), unique = name;
    for (int k = 1; !taken.insert(unique).second; ++k)
      unique = name + "_" + std::to_string(k);
    func.setArgAttr(i, kiln::KilnDialect::kNameAttrName, b.getStringAttr(unique));
    result.argumentNames.push_back(unique);
    values[onnxName] = body->getArgument(i);
  }
  b.setInsertionPointToEnd(body);

  auto bail = [&] {
    func.erase();
    return false;
  };
  for (const onnx::NodeProto &n : graph.node()) {
    node = &n;
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return fail("unsupported ONNX op (domain '" + n.domain() + "')"), bail();
    auto handler = handlers().find(n.op_type());
    if (handler == handlers().end())
      return fail("unsupported ONNX op"), bail();
    // Every op handled here defines its first output.
    if (n.output_size() == 0 || n.output(0).empty())
      return fail("the node has no output"), bail();
    if (!(this->*handler->second)())
      return bail();
    for (const std::string &out : n.output())
      if (!out.empty() && !values.count(out) && !constants.count(out))
        return fail("output '" + out + "' is not supported"), bail();
    ++nodeIndex;
  }
  node = nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &o : graph.output()) {
    Value v = lookup(o.name());
    if (!v)
      return fail(error.empty() ? "output '" + o.name() + "' is computed by no node" : error),
             bail();
    // The declared shape, where given, must be what the graph computes.
    if (o.type().has_tensor_type()) {
      const onnx::TypeProto::Tensor &t = o.type().tensor_type();
      if (t.elem_type() != onnx::TensorProto::FLOAT)
        return fail("output '" + o.name() + "' is " + typeName(t.elem_type()) +
                    ": only float32 tensors are supported"),
               bail();
      llvm::ArrayRef<int64_t> got = shapeOf(v);
      bool mismatch = t.has_shape() && t.shape().dim_size() != static_cast<int>(got.size());
      for (int d = 0; !mismatch && t.has_shape() && d < t.shape().dim_size(); ++d)
        mismatch = t.shape().dim(d).has_dim_value() && t.shape().dim(d).dim_value() != got[d];
      if (mismatch) {
        std::string declared;
        for (int d = 0; d < t.shape().dim_size(); ++d)
          declared += (d ? "x" : "") + (t.shape().dim(d).has_dim_value()
                                            ? std::to_string(t.shape().dim(d).dim_value())
                                            : "?");
        return fail("output '" + o.name() + "' is declared " +
                    (declared.empty() ? "scalar" : declared) + " but the graph computes " +
                    shapeString(got)),
               bail();
      }
    }
    results.push_back(v);
  }
  func::ReturnOp::create(b, fileLoc, results);
  func.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));

  // The shapes were checked above; a verifier error left is an importer bug, reported as
  // such rather than handed to the compiler.
  std::string diagnostics;
  {
    ScopedDiagnosticHandler handler(b.getContext(), [&](Diagnostic &d) {
      llvm::raw_string_ostream os(diagnostics);
      os << (diagnostics.empty() ? "" : "; ") << d;
      return success();
    });
    if (failed(verify(func)))
      return fail("internal error: the imported function does not verify: " + diagnostics),
             bail();
  }
  return true;
}

} // namespace

std::string kiln::sanitizeOnnxName(StringRef name) {
  std::string s = name.str();
  for (char &c : s)
    if (!llvm::isAlnum(c) && c != '_' && c != '.' && c != '$' && c != '-')
      c = '_';
  return s.empty() ? "arg" : s;
}

void kiln::registerOnnxImportDialects(MLIRContext &context) {
  context.loadDialect<kiln::KilnDialect, func::FuncDialect, arith::ArithDialect,
                      math::MathDialect, tensor::TensorDialect>();
}

bool kiln::importOnnxModel(StringRef bytes, StringRef source, ModuleOp module,
                           const OnnxImportOptions &options, OnnxImport &result,
                           std::string &error) {
  registerOnnxImportDialects(*module.getContext());
  onnx::ModelProto model;
  if (!parseModel(bytes, source, model, error))
    return false;
  result = OnnxImport();
  Importer importer(model, source, module, options, result);
  if (!importer.run()) {
    error = importer.error;
    result = OnnxImport();
    return false;
  }
  return true;
}

OwningOpRef<ModuleOp> kiln::importOnnxFile(StringRef path, MLIRContext &context,
                                           const OnnxImportOptions &options,
                                           OnnxImport &result, std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = (path + ": cannot read: " + buffer.getError().message()).str();
    return nullptr;
  }
  registerOnnxImportDialects(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(FileLineColLoc::get(&context, path, 0, 0));
  if (!importOnnxModel((*buffer)->getBuffer(), path, *module, options, result, error))
    return nullptr;
  return module;
}

bool kiln::readOnnxTensor(StringRef bytes, OnnxTensor &tensor, std::string &error) {
  onnx::TensorProto t;
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !t.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    error = "not a TensorProto";
    return false;
  }
  Constant c;
  if (!decodeTensor(t, c, error))
    return false;
  if (!c.isFloat) {
    error = "tensor '" + t.name() + "' is " + typeName(t.data_type()) +
            ": only float32 tensors are supported";
    return false;
  }
  tensor = {t.name(), c.shape, std::move(c.floats)};
  return true;
}

bool kiln::readOnnxSignature(StringRef bytes, std::vector<std::string> &inputs,
                             std::vector<std::string> &outputs, std::string &error) {
  onnx::ModelProto model;
  if (!parseModel(bytes, "model", model, error))
    return false;
  std::set<std::string> initializers;
  for (const onnx::TensorProto &t : model.graph().initializer())
    initializers.insert(t.name());
  inputs.clear();
  outputs.clear();
  for (const onnx::ValueInfoProto &in : model.graph().input())
    if (!initializers.count(in.name()))
      inputs.push_back(in.name());
  for (const onnx::ValueInfoProto &o : model.graph().output())
    outputs.push_back(o.name());
  return true;
}
