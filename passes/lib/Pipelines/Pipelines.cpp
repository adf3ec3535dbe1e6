// SPDX-License-Identifier: Apache-2.0
// The kiln-to-llvm pipeline, registered once for every driver.
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Conversion/Passes.h"
#include "kiln/IR/ExternalModels.h"
#include "kiln/IR/KilnDialect.h"
#include "kiln/RT/KilnRT.h"
#include "kiln/Transforms/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

static void buildCpuBackEnd(OpPassManager &pm, const kiln::PipelineOptions &options);
static void buildGpuBackEnd(OpPassManager &pm, const kiln::PipelineOptions &options);

void kiln::buildKilnToLLVMPipeline(OpPassManager &pm, const PipelineOptions &options) {
  // The batch size first: everything after it, generated steps included, sees static shapes.
  KilnSpecializeBatchPassOptions batch;
  batch.batch = options.batch;
  pm.addPass(createKilnSpecializeBatchPass(batch));
  // Generated steps next: what they expand to is an ordinary training step.
  KilnTrainStepPassOptions trainStep;
  trainStep.trainExamples = options.trainExamples;
  trainStep.exchange = options.exchange;
  trainStep.compressor = options.compressor;
  trainStep.compressionRatio = options.compressionRatio;
  trainStep.eta = options.eta;
  pm.addPass(createKilnTrainStepPass(trainStep));
  KilnSearchStepPassOptions search;
  search.method = options.searchMethod;
  pm.addPass(createKilnSearchStepPass(search));
  // A retraining program's searched alphas (attached to the module by the driver that read
  // the search's checkpoint; without kiln.architecture ops a no-op), then its discrete
  // architecture (docs/algorithms.md §1.1), before anything differentiates the edges away.
  // Inlined first, so that alphas bound in a caller reach the edges of a callee.
  pm.addPass(createKilnBindArchPass());
  if (options.deriveArch) {
    pm.addPass(createInlinerPass());
    pm.addPass(createKilnDeriveArchPass());
  }
  // Tensor level: kiln ops and element-wise arith on tensors become destination-passing
  // linalg ops, so every update names the buffer it overwrites.
  // Differentiation sees one function body: helper functions (a model's forward pass
  // shared by the loss and the evaluation) are inlined first (and the candidates a derived
  // architecture dropped are cleaned away by the inliner's canonicalization).
  // A kiln.ntk inside a loss is differentiated first (into kiln.ntk_grad); then every
  // kiln.ntk op becomes loops of kiln.grad and kiln.jvp, which the inliner and a second
  // kiln-autodiff treat as any other.
  pm.addPass(createInlinerPass());
  pm.addPass(createKilnAutodiffPass());
  pm.addPass(createKilnExpandNtkPass());
  pm.addPass(createInlinerPass());
  pm.addPass(createKilnAutodiffPass());
  // The synthesized forward+backward functions are called once each: inlining them lets
  // fusion see the whole step.
  pm.addPass(createInlinerPass());
  // Rules that build a value twice share it: a per-sample gradient feeds both the clipping
  // norms and the clipped sum (PerSampleGradientOpInterface).
  pm.addPass(createCSEPass());
  // A data-parallel step's gradient exchange, as collectives, once the backward pass is in
  // the step's body: each bucket's all-reduce can then start where its last gradient is
  // computed.
  KilnDataParallelPassOptions dataParallel;
  dataParallel.bucketBytes = options.bucketBytes;
  dataParallel.overlap = options.overlapExchange;
  pm.addPass(createKilnDataParallelPass(dataParallel));
  // What a loop's VJPs share is computed once: kiln.ntk's rows repeat the model's forward
  // pass, which does not depend on the row.
  pm.addPass(createLoopInvariantCodeMotionPass());
  // With forward and backward in one body: supernet edges recompute what their backward
  // needs rather than keep it.
  if (options.recomputeCandidates)
    pm.addPass(createKilnRelaxMixedPass());
  // Label ranges are read off the kiln ops before lowering hides them.
  pm.addPass(createKilnRecordLabelClassesPass());
  // Parameters and optimizer state, for memory accounting, before the optimizers lower.
  pm.addPass(createKilnRecordRolesPass());
  pm.addPass(createKilnLowerFrugalPass());
  ConvertKilnToLinalgPassOptions toLinalg;
  toLinalg.exactMath = options.exactMath;
  pm.addPass(createConvertKilnToLinalgPass(toLinalg));
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createKilnFusePass());
  pm.addPass(createCanonicalizerPass());
  // Which dynamic extents the program requires to be equal, read off the linalg ops.
  pm.addPass(createKilnRecordExtentTiesPass());
  pm.addPass(createKilnPrepareEntryPointsPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results computed in place vanish from the signature; the rest become out-params that the
  // caller allocates, written directly where their allocation was (no copy).
  pm.addPass(createKilnFinalizeEntryPointsPass());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());

  if (options.device == "cuda")
    buildGpuBackEnd(pm, options);
  else
    buildCpuBackEnd(pm, options);
  pm.addPass(createKilnEmitAbiPass({options.device}));
}

/// Buffers to LLVM for the host CPU: library kernels, the thread pool, vector loops.
static void buildCpuBackEnd(OpPassManager &pm, const kiln::PipelineOptions &options) {
  using namespace kiln;
  // Heavy linear algebra goes to the runtime's oneDNN kernels.
  pm.addPass(createKilnUseLibraryKernelsPass());
  pm.addPass(createKilnLowerStridedCopiesPass());
  // All parameter updates of a step become one parallel loop on the runtime's thread pool;
  // the LLVM back end (targeting the host CPU) vectorizes the element-wise loops inside.
  pm.addNestedPass<func::FuncOp>(createKilnFuseHorizontalPass());
  pm.addNestedPass<func::FuncOp>(createKilnParallelizeNestsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Once nothing reorders operations any more: temporaries are freed at their last use
  // rather than where the deallocation pipeline put them, at the end of the step.
  pm.addNestedPass<func::FuncOp>(createKilnFreeEarlyPass());
  pm.addPass(createKilnOutlineParallelPass());
  // Strided views (tiles, slices) become explicit offset arithmetic, in affine.apply ops
  // that lower-affine then turns into arith.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // f32 tanh as arithmetic the back end vectorizes, not a scalar libm call.
  if (!options.exactMath)
    pm.addPass(createKilnApproximateMathPass());
  // Math functions without an LLVM intrinsic (erf, for GELU) become libm calls.
  pm.addPass(createConvertMathToLibmPass());
  // Heap buffers come from the runtime's allocator (Abi.h), which recycles a step's
  // temporaries for the next step instead of page-faulting them in again.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

/// Buffers to a host program that launches NVVM kernels, embedded as a fatbin for sm_80
/// and sm_90 (docs/gpu.md).
static void buildGpuBackEnd(OpPassManager &pm, const kiln::PipelineOptions &options) {
  using namespace kiln;
  // Matrix products to cuBLAS, on the step's stream.
  KilnUseLibraryKernelsPassOptions library;
  library.device = "cuda";
  pm.addPass(createKilnUseLibraryKernelsPass(library));
  pm.addPass(createKilnLowerStridedCopiesPass());
  // All updates of a step in one launch, a block per 1024 elements (256 threads x 4), each
  // update starting on a 16-byte boundary so that its slices take vector accesses. Every
  // group is fused, however small: on the GPU a launch costs more than a tiny update.
  KilnFuseHorizontalPassOptions horizontal;
  horizontal.chunkSize = 1024;
  horizontal.minElements = 0;
  horizontal.align = 4;
  horizontal.parallelizeReductions = false;
  pm.addNestedPass<func::FuncOp>(createKilnFuseHorizontalPass(horizontal));
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createKilnFreeEarlyPass());
  pm.addPass(createKilnMapToGpuPass());
  // What is left of linalg runs inside a thread.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Constants and index arithmetic are recomputed in the kernel, not passed in.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Launches, allocations and copies queue on one stream, in program order, with one wait
  // at the end of the step rather than one after every launch.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  if (!options.exactMath)
    pm.addPass(createKilnApproximateMathPass());
  // Ampere and Hopper, PTX 8.1: a fused kernel of many tensors passes more than 4 KiB of
  // parameters, which PTX allows from 8.1 (up to 32 KiB).
  GpuNVVMAttachTargetOptions ampere;
  ampere.chip = "sm_80";
  ampere.features = "+ptx81";
  ampere.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(ampere));
  GpuNVVMAttachTargetOptions hopper;
  hopper.chip = "sm_90";
  hopper.features = "+ptx81";
  hopper.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(hopper));
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.cudaToolkit;
  binary.compilationTarget = options.gpuFormat;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void kiln::registerKilnDialects(DialectRegistry &registry) {
  registry.insert<KilnDialect, krt::KilnRTDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerDifferentiableExternalModels(registry);
  registerForwardModeModels(registry);
  krt::registerBufferizationExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // The GPU back end: NVVM targets serialize kernels; gpu.binary embeds them.
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
}

void kiln::registerKilnPassesAndPipelines() {
  registerKilnConversionPasses();
  registerKilnTransformsPasses();
  PassPipelineRegistration<KilnToLLVMOptions>(
      "kiln-to-llvm",
      "Lower a kiln program to the LLVM dialect with Kiln's entry-point ABI",
      [](OpPassManager &pm, const KilnToLLVMOptions &options) {
        buildKilnToLLVMPipeline(pm, options.get());
      });
  PassPipelineRegistration<KilnToLLVMOptions>(
      "kiln-to-nvvm",
      "kiln-to-llvm with device=cuda: the step's loops as NVVM kernels in a fatbin, its "
      "host part calling the runtime's CUDA backend",
      [](OpPassManager &pm, const KilnToLLVMOptions &options) {
        PipelineOptions o = options.get();
        o.device = "cuda";
        buildKilnToLLVMPipeline(pm, o);
      });
}
