// SPDX-License-Identifier: Apache-2.0
// kiln_rt.kernel_call: the verifier (the ABI's kernel table and the operand shapes each
// kernel's parameters imply), memory effects on buffers, and one-shot bufferization.
#include "kiln/RT/KilnRT.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::krt;

namespace {

/// A row of Abi.h's kernel table: the kernel's arities and whether it reads its outputs.
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

const KernelInfo *lookupKernel(Kernel kernel) {
  StringRef name = stringifyKernel(kernel);
  for (const KernelInfo &k : kKernels)
    if (name == k.name)
      return &k;
  return nullptr;
}

bool isTransportKernel(Kernel kernel) {
  return kernel == Kernel::MongeGap || kernel == Kernel::SinkhornDivergence;
}

bool isCollectiveKernel(Kernel kernel) {
  return kernel == Kernel::AllReduce || kernel == Kernel::Broadcast ||
         kernel == Kernel::AllGather || kernel == Kernel::AllReduceStart ||
         kernel == Kernel::AllReduceWait;
}


bool isWindowKernel(Kernel kernel) {
  return kernel != Kernel::Frugal && kernel != Kernel::FrugalBlocks &&
         kernel != Kernel::Spectrum && kernel != Kernel::Gram && !isTransportKernel(kernel) &&
         !communicates(kernel) && kernel != Kernel::Normal;
}

/// The process group that collectives talk through: an effect on it keeps a collective from
/// being erased, merged or reordered with another, even on tensors where the call is
/// otherwise pure. Every rank must make the same collectives in the same order.
struct CommunicatorResource : SideEffects::Resource::Base<CommunicatorResource> {
  StringRef getName() final { return "kiln_rt.communicator"; }
};

/// Each operand's shape is `shapes[i]` and its element type `types[i]` (one type: all).
LogicalResult verifyOperands(KernelCallOp op, ArrayRef<Value> operands,
                             ArrayRef<SmallVector<int64_t>> shapes, ArrayRef<Type> types,
                             StringRef configuration) {
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto type = cast<ShapedType>(v.getType());
    Type element = types.size() == 1 ? types[0] : types[i];
    if (type.getElementType() != element || type.getShape() != ArrayRef<int64_t>(shapes[i]))
      return op.emitOpError("operand #") << i << " of type " << v.getType()
                                         << " does not match the " << configuration
                                         << " configuration";
  }
  return success();
}

/// gram: J [rows, cols] in (f64 or f32 as `input_f64` says); J J^T [rows, rows] out.
LogicalResult verifyGram(KernelCallOp op, GramAttr c, ArrayRef<Value> operands, Type element) {
  Type input = c.getInputF64() ? Type(Float64Type::get(op.getContext()))
                               : Type(Float32Type::get(op.getContext()));
  return verifyOperands(op, operands, {{c.getRows(), c.getCols()}, {c.getRows(), c.getRows()}},
                        {input, element}, "Gram");
}

/// normal: the key (one i64) in; `count` draws out.
LogicalResult verifyNormal(KernelCallOp op, NormalAttr c, ArrayRef<Value> operands) {
  auto key = cast<ShapedType>(operands[0].getType());
  if (!key.getElementType().isInteger(64) || key.getNumElements() != 1)
    return op.emitOpError("kernel normal takes its key as one i64, not ") << key;
  if (cast<ShapedType>(operands[1].getType()).getNumElements() != c.getCount())
    return op.emitOpError("kernel normal fills ") << c.getCount() << " elements, not "
                                                  << operands[1].getType();
  return success();
}

/// spectrum: a matrix [m, m] in; eigenvalues [m], trace [] and condition number [] out.
LogicalResult verifySpectrum(KernelCallOp op, SpectrumAttr c, ArrayRef<Value> operands,
                             Type element) {
  return verifyOperands(op, operands, {{c.getM(), c.getM()}, {c.getM()}, {}, {}}, {element},
                        "spectrum");
}

/// monge_gap, sinkhorn_divergence: x [n, d], y [m, d] in; value [], stats [4] and, with
/// gradients, dx [n, d] and dy [m, d] out.
LogicalResult verifyTransport(KernelCallOp op, TransportAttr c, ArrayRef<Value> operands,
                              Type element) {
  size_t outputs = c.getGradients() ? 4 : 2;
  if (op.getInputs().size() != 2 || op.getOutputs().size() != outputs)
    return op.emitOpError("kernel ") << stringifyKernel(op.getKernel()) << " takes 2 inputs and "
                                     << outputs << " outputs";
  if (op.getKernel() == Kernel::MongeGap && c.getN() != c.getM())
    return op.emitOpError("kernel monge_gap pairs x_i with y_i: n must equal m");
  return verifyOperands(op, operands,
                        {{c.getN(), c.getD()}, {c.getM(), c.getD()}, {}, {4}, {c.getN(), c.getD()},
                         {c.getM(), c.getD()}},
                        {element}, "transport");
}

/// all_reduce, broadcast: N tensors of `sizes` elements, updated in place; all_gather: x in,
/// y [ranks, x...] out.
LogicalResult verifyCollective(KernelCallOp op, CollectiveAttr c, ArrayRef<Value> operands) {
  ArrayRef<int64_t> sizes = c.getSizes();
  auto count = [](Value v) { return cast<ShapedType>(v.getType()).getNumElements(); };
  if (op.getKernel() == Kernel::AllGather) {
    if (sizes.size() != 1 || c.getRanks() < 1)
      return op.emitOpError("kernel all_gather takes one tensor's size and the rank count");
    if (count(operands[0]) != sizes[0] || count(operands[1]) != sizes[0] * c.getRanks())
      return op.emitOpError("kernel all_gather needs ")
             << sizes[0] << " elements in and " << sizes[0] * c.getRanks() << " out for "
             << c.getRanks() << " ranks";
  } else {
    if (!op.getInputs().empty() || op.getOutputs().size() != sizes.size())
      return op.emitOpError("kernel ") << stringifyKernel(op.getKernel())
                                       << " updates its " << sizes.size()
                                       << " tensors in place: no inputs, " << sizes.size()
                                       << " outputs";
    for (auto [i, v] : llvm::enumerate(operands))
      if (count(v) != sizes[i])
        return op.emitOpError("operand #") << i << " of type " << v.getType()
                                           << " does not hold the " << sizes[i]
                                           << " elements of the collective configuration";
  }
  Type element = cast<ShapedType>(operands.back().getType()).getElementType();
  for (auto [i, v] : llvm::enumerate(operands))
    if (cast<ShapedType>(v.getType()).getElementType() != element)
      return op.emitOpError("operand #") << i << " must hold " << element
                                         << ": a collective's tensors share one element type";
  return success();
}

/// compressed_exchange: N gradients and the step t in; N directions and the state kinds' N
/// tensors each out, shaped like the gradients.
LogicalResult verifyCompression(KernelCallOp op, CompressionAttr c, ArrayRef<Value> operands,
                                Type element) {
  int64_t n = c.getSizes().size(), kinds = c.getStateKinds();
  if (int64_t(op.getInputs().size()) != n + 1 || int64_t(op.getOutputs().size()) != n * (1 + kinds))
    return op.emitOpError("kernel compressed_exchange takes ")
           << n << " gradients and the step, and returns " << n << " directions and "
           << n * kinds << " state tensors";
  for (auto [i, v] : llvm::enumerate(operands)) {
    auto type = cast<ShapedType>(v.getType());
    int64_t at = int64_t(i);
    bool step = at == n;
    Type expected = step ? Type(IntegerType::get(op.getContext(), 64)) : element;
    int64_t count = step ? 1 : c.getSizes()[(at < n ? at : at - n - 1) % n];
    if (type.getElementType() != expected || type.getNumElements() != count ||
        (step && type.getRank() != 0))
      return op.emitOpError("operand #") << i << " of type " << v.getType()
                                         << " does not match the compression configuration";
  }
  return success();
}

/// frugal_blocks: N gradients in; N parameters, the two pools, active, step and key out.
LogicalResult verifyFrugalBlocks(KernelCallOp op, FrugalBlocksAttr c, ArrayRef<Value> operands,
                                 Type element) {
  int64_t n = c.getSizes().size();
  if (n < 1 || int64_t(op.getInputs().size()) != n || int64_t(op.getOutputs().size()) != n + 5)
    return op.emitOpError("kernel frugal_blocks takes N inputs and N + 5 outputs for its N = ")
           << n << " tensors";
  Type i64 = IntegerType::get(op.getContext(), 64);
  bool adam = c.getStateFull() == kiln::FrugalStateFull::AdamW;
  for (auto [i, v] : llvm::enumerate(operands)) {
    int64_t at = i;
    int64_t count = at < 2 * n        ? c.getSizes()[at % n]
                    : at == 2 * n     ? c.getPool()
                    : at == 2 * n + 1 ? (adam ? c.getPool() : 0)
                    : at == 2 * n + 2 ? c.getK()
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
                         call.getParams());
    bufferization::replaceOpWithBufferizedValues(rewriter, op, outs);
    return success();
  }
};

/// The kernel as a bare keyword: `kernel_call conv2d ins(...)`.
ParseResult parseKernelName(OpAsmParser &parser, KernelAttr &kernel) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef name;
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<Kernel> value = symbolizeKernel(name);
  if (!value)
    return parser.emitError(loc) << "unknown kernel '" << name << "'";
  kernel = KernelAttr::get(parser.getContext(), *value);
  return success();
}

void printKernelName(OpAsmPrinter &printer, Operation *, KernelAttr kernel) {
  printer << stringifyKernel(kernel.getValue());
}

} // namespace

//===-- Parameter blocks --------------------------------------------------------------------===//

LogicalResult WindowAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t n,
                                 int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh,
                                 int64_t kw, int64_t oh, int64_t ow, int64_t sh, int64_t sw,
                                 int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups) {
  if (n < 0 || c < 1 || h < 1 || w < 1 || o < 1 || kh < 1 || kw < 1 || oh < 1 || ow < 1)
    return emitError() << "a window needs positive extents (and a non-negative batch)";
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || ph < 0 || pw < 0)
    return emitError() << "a window needs strides and dilations of at least 1 and "
                          "non-negative padding";
  if (groups < 1 || c % groups != 0 || o % groups != 0)
    return emitError() << "groups (" << groups << ") must divide the " << c << " input and "
                       << o << " output channels";
  return success();
}

SmallVector<SmallVector<int64_t>> WindowAttr::getOperandShapes(Kernel kernel) const {
  SmallVector<int64_t> x{getN(), getC(), getH(), getW()}, y{getN(), getO(), getOh(), getOw()};
  SmallVector<int64_t> filter{getO(), getC() / getGroups(), getKh(), getKw()};
  switch (kernel) {
  case Kernel::Conv2d:
    return {x, filter, y};
  case Kernel::Conv2dGradInput:
    return {y, filter, x};
  case Kernel::Conv2dGradFilter:
    return {x, y, filter};
  case Kernel::MaxPool2d:
  case Kernel::AvgPool2d:
    return {x, y};
  case Kernel::MaxPool2dGrad:
    return {x, y, x};
  case Kernel::AvgPool2dGrad:
    return {y, x};
  case Kernel::Frugal:
  case Kernel::FrugalBlocks:
  case Kernel::MongeGap:
  case Kernel::SinkhornDivergence:
  case Kernel::Spectrum:
  case Kernel::Gram:
  case Kernel::AllReduce:
  case Kernel::AllReduceStart:
  case Kernel::AllReduceWait:
  case Kernel::Broadcast:
  case Kernel::AllGather:
  case Kernel::CompressedExchange:
  case Kernel::Normal:
    break;
  }
  return {};
}

LogicalResult FrugalAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows,
                                 int64_t cols, kiln::FrugalProjection, int64_t k,
                                 int64_t updateGap, kiln::FrugalStateFull,
                                 kiln::FrugalStateFree, APFloat, APFloat, APFloat, APFloat,
                                 APFloat, APFloat) {
  if (rows < 1 || cols < 1 || k < 0 || updateGap < 1)
    return emitError() << "a FRUGAL configuration needs rows, cols and update_gap of at "
                          "least 1 and k >= 0";
  return success();
}

SmallVector<int64_t> FrugalAttr::getOperandCounts() const {
  using kiln::FrugalProjection;
  bool svd = getProjection() == FrugalProjection::Svd;
  bool svdRight = svd && getRows() >= getCols();
  int64_t state = getProjection() == FrugalProjection::Columns || svdRight ? getRows() * getK()
                  : getProjection() == FrugalProjection::Rows || svd       ? getK() * getCols()
                                                                           : getK();
  int64_t subspace = !svd ? getK() : svdRight ? getK() * getCols() : getRows() * getK();
  int64_t n = getRows() * getCols();
  bool adam = getStateFull() == kiln::FrugalStateFull::AdamW;
  return {n, n, state, adam ? state : 0, subspace, 1, 1};
}

LogicalResult FrugalBlocksAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                       ArrayRef<int64_t> sizes, int64_t k,
                                       kiln::FrugalBlockOrder, int64_t updateGap, int64_t pool,
                                       kiln::FrugalStateFull, kiln::FrugalStateFree, APFloat,
                                       APFloat, APFloat, APFloat, APFloat, APFloat) {
  if (sizes.empty() || llvm::any_of(sizes, [](int64_t s) { return s < 1; }))
    return emitError() << "blockwise FRUGAL needs at least one tensor, each with elements";
  if (k < 0 || k > int64_t(sizes.size()) || pool < 0 || updateGap < 1)
    return emitError() << "blockwise FRUGAL needs 0 <= k <= N, a pool size and an update_gap "
                          "of at least 1";
  return success();
}

LogicalResult SpectrumAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t m) {
  if (m < 1)
    return emitError() << "a spectrum needs a matrix of at least one row";
  return success();
}

LogicalResult GramAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t rows,
                               int64_t cols, bool) {
  if (rows < 1 || cols < 1)
    return emitError() << "a Gram product needs at least one row and one column";
  if (rows > std::numeric_limits<int>::max() || cols > std::numeric_limits<int>::max())
    return emitError() << "a Gram product of " << rows << " x " << cols
                       << " is too large for BLAS' int sizes";
  return success();
}

LogicalResult NormalAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t count,
                                 int64_t, APFloat mean, APFloat stddev) {
  if (count < 0)
    return emitError() << "a normal fill needs a count >= 0";
  double m = mean.convertToDouble(), s = stddev.convertToDouble();
  if (!std::isfinite(m) || !std::isfinite(s) || s < 0)
    return emitError() << "a normal fill needs a finite mean and a finite stddev >= 0";
  return success();
}

LogicalResult CollectiveAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                     ArrayRef<int64_t> sizes, kiln::Reduction, int64_t root,
                                     int64_t ranks) {
  if (sizes.empty() || llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return emitError() << "a collective sends at least one tensor, each of a size >= 0";
  if (root < 0 || ranks < 0)
    return emitError() << "a collective's root and rank count are >= 0";
  return success();
}

LogicalResult CompressionAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                      ArrayRef<int64_t> sizes, kiln::GradientExchange method,
                                      kiln::Compressor compressor, int64_t k, int64_t,
                                      APFloat eta) {
  if (sizes.empty() || llvm::any_of(sizes, [](int64_t s) { return s < 1; }))
    return emitError() << "a compressed exchange needs at least one tensor, each with elements";
  using kiln::GradientExchange;
  if (method == GradientExchange::None || method == GradientExchange::Mean)
    return emitError() << "a compressed exchange's method is compressed, ef14, ef21 or "
                          "econtrol";
  int64_t d = 0;
  for (int64_t s : sizes)
    d += s;
  bool sparse = compressor == kiln::Compressor::TopK ||
                compressor == kiln::Compressor::TopKThreshold ||
                compressor == kiln::Compressor::RandK;
  if (sparse && (k < 1 || k > d))
    return emitError() << "top-k and rand-k keep 1 to " << d << " coordinates, not " << k;
  double e = eta.convertToDouble();
  if (!(e > 0 && e <= 1))
    return emitError() << "eta must be in (0, 1], not " << e;
  return success();
}

int64_t CompressionAttr::getStateKinds() const {
  using kiln::GradientExchange;
  switch (getMethod()) {
  case GradientExchange::Ef14:
    return 1;
  case GradientExchange::Ef21:
    return 2;
  case GradientExchange::EControl:
    return 3;
  default:
    return 0;
  }
}

LogicalResult TransportAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t n,
                                    int64_t m, int64_t d, kiln::TransportCost,
                                    kiln::EpsilonMode, int64_t maxIterations,
                                    int64_t innerIterations, bool, APFloat epsilon,
                                    APFloat threshold) {
  if (n < 1 || m < 1 || d < 1)
    return emitError() << "a transport problem needs at least one point of one coordinate "
                          "on each side";
  if (maxIterations < 1 || innerIterations < 1)
    return emitError() << "a transport problem needs max_iterations and inner_iterations of "
                          "at least 1";
  double e = epsilon.convertToDouble(), t = threshold.convertToDouble();
  if (!(e > 0) || !std::isfinite(e) || !(t > 0) || !std::isfinite(t))
    return emitError() << "a transport problem needs a finite positive epsilon and threshold";
  return success();
}

//===-- kiln_rt.kernel_call -----------------------------------------------------------------===//

std::string KernelCallOp::getSymbolName() {
  Type element = cast<ShapedType>(getOutputs().front().getType()).getElementType();
  return "kiln_" + stringifyKernel(getKernel()).str() + (element.isF32() ? "_f32" : "_f64");
}

bool KernelCallOp::readsOutputs() {
  const KernelInfo *info = lookupKernel(getKernel());
  return info && info->readsOutputs;
}

bool kiln::krt::communicates(Kernel kernel) {
  return isCollectiveKernel(kernel) || kernel == Kernel::CompressedExchange;
}

LogicalResult KernelCallOp::verify() {
  Kernel kernel = getKernel();
  const KernelInfo *info = lookupKernel(kernel);
  if (!info)
    return emitOpError("kernel ") << stringifyKernel(kernel)
                                  << " is not in this runtime's ABI table (Abi.h)";
  Attribute params = getParams();
  bool matches = isWindowKernel(kernel)      ? isa<WindowAttr>(params)
                 : isTransportKernel(kernel) ? isa<TransportAttr>(params)
                 : kernel == Kernel::Frugal  ? isa<FrugalAttr>(params)
                 : kernel == Kernel::Spectrum ? isa<SpectrumAttr>(params)
                 : kernel == Kernel::Gram     ? isa<GramAttr>(params)
                 : isCollectiveKernel(kernel) ? isa<CollectiveAttr>(params)
                 : kernel == Kernel::CompressedExchange ? isa<CompressionAttr>(params)
                 : kernel == Kernel::Normal   ? isa<NormalAttr>(params)
                                             : isa<FrugalBlocksAttr>(params);
  if (!matches)
    return emitOpError("kernel ") << stringifyKernel(kernel) << " does not take " << params;
  if (getOutputs().empty())
    return emitOpError("needs at least one output");
  bool variadic = info->inputs < 0 || info->outputs < 0;
  if (!variadic && (int64_t(getInputs().size()) != info->inputs ||
                    int64_t(getOutputs().size()) != info->outputs))
    return emitOpError("kernel ") << stringifyKernel(kernel) << " takes " << info->inputs
                                  << " inputs and " << info->outputs << " outputs";
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
  if (auto transport = dyn_cast<TransportAttr>(params))
    return verifyTransport(*this, transport, operands, element);
  if (auto collective = dyn_cast<CollectiveAttr>(params))
    return verifyCollective(*this, collective, operands);
  if (auto compression = dyn_cast<CompressionAttr>(params))
    return verifyCompression(*this, compression, operands, element);
  if (auto gram = dyn_cast<GramAttr>(params))
    return verifyGram(*this, gram, operands, element);
  if (auto normal = dyn_cast<NormalAttr>(params))
    return verifyNormal(*this, normal, operands);
  if (auto spectrum = dyn_cast<SpectrumAttr>(params))
    return verifySpectrum(*this, spectrum, operands, element);
  if (auto blocks = dyn_cast<FrugalBlocksAttr>(params))
    return verifyFrugalBlocks(*this, blocks, operands, element);
  if (auto frugal = dyn_cast<FrugalAttr>(params)) {
    SmallVector<int64_t> counts = frugal.getOperandCounts();
    for (auto [i, v] : llvm::enumerate(operands)) {
      auto type = cast<ShapedType>(v.getType());
      bool svd = frugal.getProjection() == kiln::FrugalProjection::Svd;
      Type expected = i < 4 || (i == 4 && svd) ? element
                                               : Type(IntegerType::get(getContext(), 64));
      if (type.getElementType() != expected || type.getNumElements() != counts[i])
        return emitOpError("operand #") << i << " of type " << v.getType()
                                        << " does not match the FRUGAL configuration";
    }
    return success();
  }
  SmallVector<SmallVector<int64_t>> expected = cast<WindowAttr>(params).getOperandShapes(kernel);
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
  if (communicates(getKernel()))
    effects.emplace_back(MemoryEffects::Write::get(), CommunicatorResource::get());
}

void kiln::krt::registerBufferizationExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, KilnRTDialect *) {
    KernelCallOp::attachInterface<KernelCallBufferization>(*ctx);
  });
}

#define GET_OP_CLASSES
#include "kiln/RT/KilnRTOps.cpp.inc"
