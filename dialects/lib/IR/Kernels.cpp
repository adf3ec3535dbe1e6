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
  int inputs, outputs, params;
  bool readsOutputs;
};

constexpr KernelInfo kKernels[] = {
#define KILN_KERNEL_INFO(name, inputs, outputs, params, reads) {#name, inputs, outputs, params, reads},
    KILN_ABI_KERNELS(KILN_KERNEL_INFO)
#undef KILN_KERNEL_INFO
};

const KernelInfo *lookupKernel(StringRef name) {
  for (const KernelInfo &k : kKernels)
    if (name == k.name)
      return &k;
  return nullptr;
}

/// The shapes of a window kernel's (input a, input b, output), from Abi.h.
SmallVector<SmallVector<int64_t>> windowShapes(StringRef kernel, const kiln_window_geometry &g) {
  SmallVector<int64_t> x{g.n, g.c, g.h, g.w}, y{g.n, g.o, g.oh, g.ow};
  SmallVector<int64_t> filter{g.o, g.groups ? g.c / g.groups : 0, g.kh, g.kw};
  if (kernel == "conv2d") return {x, filter, y};
  if (kernel == "conv2d_grad_input") return {y, filter, x};
  if (kernel == "conv2d_grad_filter") return {x, y, filter};
  if (kernel == "max_pool2d" || kernel == "avg_pool2d") return {x, y};
  if (kernel == "max_pool2d_grad") return {x, y, x};
  return {y, x}; // avg_pool2d_grad
}

/// The element counts of frugal's (g, p, m, v, subspace, step, key).
SmallVector<int64_t> frugalCounts(const kiln_frugal_config &c) {
  bool svdRight = c.projection == 3 && c.rows >= c.cols;
  int64_t state = c.projection == 0 || svdRight                 ? c.rows * c.k
                  : c.projection == 1 || c.projection == 3 ? c.k * c.cols
                                                           : c.k;
  int64_t subspace = c.projection != 3 ? c.k : svdRight ? c.k * c.cols : c.rows * c.k;
  int64_t n = c.rows * c.cols;
  return {n, n, state, c.state_full == 0 ? state : 0, subspace, 1, 1};
}

/// frugal_blocks: N gradients, then N parameters, the two pools, active, step and key.
LogicalResult verifyFrugalBlocks(KernelCallOp op, ArrayRef<Value> operands, Type element) {
  ArrayRef<int64_t> params = op.getParams();
  kiln_frugal_blocks_config c;
  if (params.size() < KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS)
    return op.emitOpError("params needs a kiln_frugal_blocks_config");
  std::memcpy(&c, params.data(), sizeof(c));
  int64_t n = c.tensors;
  if (n < 1 || int64_t(params.size()) != KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS + n ||
      int64_t(op.getInputs().size()) != n || int64_t(op.getOutputs().size()) != n + 5)
    return op.emitOpError("kernel \"frugal_blocks\" takes N inputs, N + 5 outputs and ")
           << KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS << " + N params";
  if (c.k < 0 || c.k > n || c.pool < 0 || c.order < 0 || c.order > 2)
    return op.emitOpError("a kiln_frugal_blocks_config needs 0 <= k <= N, a pool size and an "
                          "order in 0..2");
  ArrayRef<int64_t> sizes = params.drop_front(KILN_ABI_FRUGAL_BLOCKS_CONFIG_FIELDS);
  Type i64 = IntegerType::get(op.getContext(), 64);
  for (auto [i, v] : llvm::enumerate(operands)) {
    int64_t at = i;
    int64_t count = at < 2 * n ? sizes[at % n]
                    : at == 2 * n     ? c.pool
                    : at == 2 * n + 1 ? (c.state_full == 0 ? c.pool : 0)
                    : at == 2 * n + 2 ? c.k
                                      : 1;
    auto type = cast<ShapedType>(v.getType());
    if (type.getElementType() != (at < 2 * n + 2 ? element : i64) ||
        type.getNumElements() != count)
      return op.emitOpError("operand #") << i << " of type " << v.getType()
                                         << " does not match the blockwise FRUGAL configuration";
  }
  return success();
}

struct KernelCallBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<KernelCallBufferization,
                                                             KernelCallOp> {
  /// Window kernels overwrite their outputs whole, so bufferization need not copy anything
  /// in; state-updating kernels read them.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand) ||
           cast<KernelCallOp>(op).readsOutputs();
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
                         call.getParamsAttr());
    bufferization::replaceOpWithBufferizedValues(rewriter, op, outs);
    return success();
  }
};

} // namespace

std::string KernelCallOp::getSymbolName() {
  Type element = cast<ShapedType>(getOutputs().front().getType()).getElementType();
  return "kiln_" + getKernel().str() + (element.isF32() ? "_f32" : "_f64");
}

bool KernelCallOp::readsOutputs() {
  const KernelInfo *info = lookupKernel(getKernel());
  return info && info->readsOutputs;
}

LogicalResult KernelCallOp::verify() {
  const KernelInfo *info = lookupKernel(getKernel());
  if (!info)
    return emitOpError("unknown kernel \"") << getKernel() << "\"";
  if (getOutputs().empty())
    return emitOpError("needs at least one output");
  bool variadic = info->inputs < 0;
  if (!variadic && (int64_t(getInputs().size()) != info->inputs ||
                    int64_t(getOutputs().size()) != info->outputs))
    return emitOpError("kernel \"") << getKernel() << "\" takes " << info->inputs
                                    << " inputs and " << info->outputs << " outputs";
  if (!variadic && int64_t(getParams().size()) != info->params)
    return emitOpError("params needs ") << info->params << " fields";
  bool tensors = isa<RankedTensorType>(getOutputs().front().getType());
  if (tensors ? TypeRange(getResults()) != TypeRange(getOutputs()) : !getResults().empty())
    return emitOpError("returns its outputs' new values on tensors and nothing on buffers");
  Type element = cast<ShapedType>(getOutputs().front().getType()).getElementType();
  if (!element.isF32() && !element.isF64())
    return emitOpError("runs on f32 or f64, not ") << element;
  SmallVector<Value> operands(getInputs());
  operands.append(getOutputs().begin(), getOutputs().end());
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto type = dyn_cast<ShapedType>(v.getType());
    if (!type || !type.hasStaticShape() || isa<RankedTensorType>(type) != tensors)
      return emitOpError("operand #") << i << " must be a static " << (tensors ? "tensor" : "buffer");
  }
  if (getKernel() == "frugal_blocks")
    return verifyFrugalBlocks(*this, operands, element);
  if (getKernel() == "frugal") {
    kiln_frugal_config c;
    std::memcpy(&c, getParams().data(), sizeof(c));
    auto counts = frugalCounts(c);
    for (auto [i, v] : llvm::enumerate(operands)) {
      auto type = cast<ShapedType>(v.getType());
      Type expected = i < 4 || (i == 4 && c.projection == 3)
                          ? element
                          : Type(IntegerType::get(getContext(), 64));
      if (type.getElementType() != expected || type.getNumElements() != counts[i])
        return emitOpError("operand #") << i << " of type " << v.getType()
                                        << " does not match the FRUGAL configuration";
    }
    return success();
  }
  kiln_window_geometry g;
  std::memcpy(&g, getParams().data(), sizeof(g));
  auto expected = windowShapes(getKernel(), g);
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto type = cast<ShapedType>(v.getType());
    if (type.getElementType() != element)
      return emitOpError("operand #") << i << " must hold " << element;
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
