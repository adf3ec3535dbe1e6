// SPDX-License-Identifier: Apache-2.0
// kiln.kernel_call: verifier (the ABI's kernel table and the shapes each kernel expects),
// memory effects on buffers, and its one-shot bufferization model.
#include "kiln/IR/ExternalModels.h"
#include "kiln/IR/KilnOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

#include <cstring>

using namespace mlir;
using namespace kiln;

namespace {

struct KernelInfo {
  const char *name;
  int inputs;
};

constexpr KernelInfo kKernels[] = {
#define KILN_KERNEL_INFO(name, inputs) {#name, inputs},
    KILN_ABI_WINDOW_KERNELS(KILN_KERNEL_INFO)
#undef KILN_KERNEL_INFO
};

/// The shapes of (input a, input b, output) that a kernel reads and writes, from Abi.h.
SmallVector<SmallVector<int64_t>> expectedShapes(StringRef kernel, const kiln_window_geometry &g) {
  SmallVector<int64_t> x{g.n, g.c, g.h, g.w}, y{g.n, g.o, g.oh, g.ow};
  SmallVector<int64_t> filter{g.o, g.groups ? g.c / g.groups : 0, g.kh, g.kw};
  if (kernel == "conv2d") return {x, filter, y};
  if (kernel == "conv2d_grad_input") return {y, filter, x};
  if (kernel == "conv2d_grad_filter") return {x, y, filter};
  if (kernel == "max_pool2d" || kernel == "avg_pool2d") return {x, y};
  if (kernel == "max_pool2d_grad") return {x, y, x};
  return {y, x}; // avg_pool2d_grad
}

struct KernelCallBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<KernelCallBufferization,
                                                             KernelCallOp> {
  /// Kernels overwrite their outputs whole, so bufferization need not copy anything in.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    auto call = cast<KernelCallOp>(op);
    SmallVector<Value> ins, outs;
    for (auto [values, buffers] : {std::pair{call.getInputs(), &ins},
                                   std::pair{call.getOutputs(), &outs}})
      for (Value v : values) {
        FailureOr<Value> buffer = bufferization::getBuffer(rewriter, v, options, state);
        if (failed(buffer))
          return failure();
        buffers->push_back(*buffer);
      }
    rewriter.setInsertionPoint(op);
    KernelCallOp::create(rewriter, op->getLoc(), TypeRange{}, call.getKernelAttr(), ins, outs,
                         call.getGeometryAttr());
    bufferization::replaceOpWithBufferizedValues(rewriter, op, outs);
    return success();
  }
};

} // namespace

std::string KernelCallOp::getSymbolName() {
  Type element = cast<ShapedType>(getOutputs().front().getType()).getElementType();
  return "kiln_" + getKernel().str() + (element.isF32() ? "_f32" : "_f64");
}

LogicalResult KernelCallOp::verify() {
  const KernelInfo *info = nullptr;
  for (const KernelInfo &k : kKernels)
    if (getKernel() == k.name)
      info = &k;
  if (!info)
    return emitOpError("unknown kernel \"") << getKernel() << "\"";
  if (int64_t(getInputs().size()) != info->inputs || getOutputs().size() != 1)
    return emitOpError("kernel \"") << getKernel() << "\" takes " << info->inputs
                                    << " inputs and 1 output";
  if (getGeometry().size() != KILN_ABI_WINDOW_GEOMETRY_FIELDS)
    return emitOpError("geometry needs ") << KILN_ABI_WINDOW_GEOMETRY_FIELDS << " fields";
  bool tensors = isa<RankedTensorType>(getOutputs().front().getType());
  if (tensors ? getResults().size() != 1 || getResults().front().getType() !=
                                                getOutputs().front().getType()
              : !getResults().empty())
    return emitOpError("returns its output's new value on tensors and nothing on buffers");
  kiln_window_geometry g;
  std::memcpy(&g, getGeometry().data(), sizeof(g));
  Type element = cast<ShapedType>(getOutputs().front().getType()).getElementType();
  if (!element.isF32() && !element.isF64())
    return emitOpError("runs on f32 or f64, not ") << element;
  auto expected = expectedShapes(getKernel(), g);
  SmallVector<Value> operands(getInputs());
  operands.append(getOutputs().begin(), getOutputs().end());
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto type = dyn_cast<ShapedType>(v.getType());
    if (!type || !type.hasRank() || isa<RankedTensorType>(type) != tensors ||
        type.getElementType() != element)
      return emitOpError("operand #") << i << " must be a " << (tensors ? "tensor" : "buffer")
                                      << " of " << element;
    if (type.getShape() != ArrayRef<int64_t>(expected[i]))
      return emitOpError("operand #") << i << " of shape " << v.getType()
                                      << " does not match the geometry";
  }
  return success();
}

void KernelCallOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  for (OpOperand &operand : getInputsMutable())
    if (isa<MemRefType>(operand.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  for (OpOperand &operand : getOutputsMutable())
    if (isa<MemRefType>(operand.get().getType()))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
}

void kiln::registerBufferizationExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnDialect *) {
    KernelCallOp::attachInterface<KernelCallBufferization>(*ctx);
  });
}
