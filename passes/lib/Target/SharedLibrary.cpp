// SPDX-License-Identifier: Apache-2.0
// Pipeline -> LLVM IR -> host object code -> shared library, written atomically.
#include "kiln/Target/SharedLibrary.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Transforms/Passes.h"
#include "kiln/runtime/Abi.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;

namespace {

/// Removes a temporary file when it goes out of scope unless it was kept.
struct TempFile {
  llvm::SmallString<128> path;
  bool keep = false;
  ~TempFile() {
    if (!path.empty() && !keep)
      llvm::sys::fs::remove(path);
  }
};

FailureOr<std::unique_ptr<llvm::TargetMachine>> createHostTargetMachine(
    Location loc, const kiln::CompileOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return emitError(loc) << "no LLVM target for " << triple.str() << ": " << error;

  std::string cpu = options.targetCpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures subtarget;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      subtarget.AddFeature(feature.first(), feature.second);
    features = subtarget.getString();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      options.optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Less));
  if (!machine)
    return emitError(loc) << "cannot create a target machine for CPU '" << cpu << "'";
  return machine;
}

void optimize(llvm::Module &module, llvm::TargetMachine &machine, unsigned optLevel) {
  // Functions must carry the CPU and its features, or the vectorizer assumes baseline SSE.
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", machine.getTargetCPU());
    f.addFnAttr("target-features", machine.getTargetFeatureString());
    // Only operations that carry the afn/arcp fast-math flags may use these estimates (the
    // update loops, unless compiled with exact math); one Newton-Raphson refinement step
    // keeps them within 1e-6 relative of IEEE.
    f.addFnAttr("reciprocal-estimates", "vec-sqrtf:1,vec-divf:1,sqrtf:1,divf:1");
  }
  if (optLevel == 0)
    return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  builder.buildPerModuleDefaultPipeline(level).run(module, mam);
}

LogicalResult writeObject(Location loc, llvm::Module &module, llvm::TargetMachine &machine,
                          StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return emitError(loc) << "cannot write " << path << ": " << ec.message();
  llvm::legacy::PassManager pm;
  if (machine.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    return emitError(loc) << "the target cannot emit object files";
  pm.run(module);
  os.flush();
  if (os.has_error())
    return emitError(loc) << "cannot write " << path << ": " << os.error().message();
  return success();
}

LogicalResult linkSharedLibrary(Location loc, StringRef object, StringRef output, bool cuda) {
  llvm::ErrorOr<std::string> linker = llvm::sys::findProgramByName("cc");
  if (!linker)
    linker = llvm::sys::findProgramByName("clang-22");
  if (!linker)
    return emitError(loc) << "no C compiler driver (cc) on PATH to link " << output;
  std::string message;
  // -Bsymbolic: calls between the library's own exported functions never leave it.
  SmallVector<StringRef> args = {*linker, "-shared", "-Wl,-Bsymbolic", "-o", output, object,
                                 "-lm"};
  // A CUDA module's host code calls the mgpu* functions of libkiln_runtime_cuda: named as
  // a dependency, found through the run path where this Kiln built it, or wherever the
  // loader finds it (an application that loaded it already, LD_LIBRARY_PATH).
  std::string cudaLibraryDir = "-L" KILN_RUNTIME_CUDA_DIR;
  std::string cudaRunPath = "-Wl,-rpath," KILN_RUNTIME_CUDA_DIR;
  if (cuda)
    args.append({cudaLibraryDir, cudaRunPath, "-lkiln_runtime_cuda"});
  int rc = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0)
    return emitError(loc) << "linking " << output << " failed (" << *linker << " exited with "
                          << rc << (message.empty() ? "" : ": ") << message << ")";
  return success();
}

/// A temporary path next to `finalPath`, so the final rename stays on one file system.
LogicalResult makeSibling(Location loc, StringRef finalPath, StringRef suffix, TempFile &tmp) {
  llvm::SmallString<128> model(finalPath);
  model += ".tmp-%%%%%%";
  model += suffix;
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, tmp.path))
    return emitError(loc) << "cannot create a file next to " << finalPath << ": "
                          << ec.message();
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  return success();
}

LogicalResult commit(Location loc, TempFile &tmp, StringRef finalPath) {
  if (std::error_code ec = llvm::sys::fs::rename(tmp.path, finalPath))
    return emitError(loc) << "cannot move the result to " << finalPath << ": " << ec.message();
  tmp.keep = true;
  return success();
}

} // namespace

namespace {

/// Remembers the first pass that failed, so that a failure no diagnostic explains (a
/// rewrite driver giving up, say) still reaches the user as an error naming the pass.
struct FirstFailedPass : PassInstrumentation {
  std::string *name;
  explicit FirstFailedPass(std::string *name) : name(name) {}
  void runAfterPassFailed(Pass *pass, Operation *) override {
    if (name->empty())
      *name = pass->getArgument().empty() ? pass->getName().str() : pass->getArgument().str();
  }
};

} // namespace

LogicalResult kiln::compileToSharedLibrary(ModuleOp module, StringRef outputPath,
                                           const CompileOptions &options) {
  Location loc = module.getLoc();
  bool cuda = options.pipeline.device == "cuda";
  if (!cuda && options.pipeline.device != "cpu")
    return emitError(loc) << "unknown device '" << options.pipeline.device
                          << "': Kiln compiles for cpu or cuda";
  if (cuda && !KILN_HAVE_CUDA)
    return emitError(loc) << "--device cuda: this Kiln was built without the CUDA toolkit "
                             "(libkiln_runtime_cuda), so it cannot link GPU modules";
  PassManager pm(module.getContext());
  buildKilnToLLVMPipeline(pm, options.pipeline);
  std::string failedPass;
  pm.addInstrumentation(std::make_unique<FirstFailedPass>(&failedPass));
  bool reported = false;
  DiagnosticEngine::HandlerID counter =
      module.getContext()->getDiagEngine().registerHandler([&](Diagnostic &d) {
        reported |= d.getSeverity() == DiagnosticSeverity::Error;
        return failure(); // and on to the tool's own handler, which prints it
      });
  LogicalResult ran = pm.run(module);
  module.getContext()->getDiagEngine().eraseHandler(counter);
  if (failed(ran)) {
    if (!reported)
      return emitError(loc) << "internal error: pass '" << failedPass
                            << "' failed without a diagnostic; please report it with this "
                               "program";
    return failure();
  }
  if (!options.dumpLLVMDialectPath.empty()) {
    std::string error;
    auto file = openOutputFile(options.dumpLLVMDialectPath, &error);
    if (!file)
      return emitError(loc) << error;
    module.print(file->os());
    file->keep();
  }
  // kiln-emit-abi wrote the signature JSON (NUL-terminated) into its global.
  auto signatureGlobal = module.lookupSymbol<LLVM::GlobalOp>(KILN_ABI_SIGNATURE_SYMBOL);
  auto signatureText = signatureGlobal
                           ? dyn_cast_or_null<StringAttr>(signatureGlobal.getValueOrNull())
                           : StringAttr();
  if (!signatureText)
    return emitError(loc) << "internal error: the pipeline emitted no " << KILN_ABI_SIGNATURE_SYMBOL;
  StringRef signature = signatureText.getValue().drop_back(); // the NUL
  // A library without entry points loads, and nothing can call it: say so rather than write it.
  if (!llvm::any_of(module.getOps<LLVM::LLVMFuncOp>(), [](LLVM::LLVMFuncOp fn) {
        return fn.getName().starts_with(KILN_ABI_ENTRY_PREFIX);
      }))
    return emitError(loc) << "the program has no entry point: the runtime calls public "
                             "func.func ops with a body (or what a kiln.search_step writes), "
                             "and it has none";

  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(loc, options);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return emitError(loc) << "translation to LLVM IR failed";
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  llvmModule->setDataLayout((*machine)->createDataLayout());
  optimize(*llvmModule, **machine, options.optLevel);

  TempFile object, library, header;
  if (failed(makeSibling(loc, outputPath, ".o", object)) ||
      failed(writeObject(loc, *llvmModule, **machine, object.path)) ||
      failed(makeSibling(loc, outputPath, ".so", library)) ||
      failed(linkSharedLibrary(loc, object.path, library.path, cuda)))
    return failure();

  if (!options.headerPath.empty()) {
    FailureOr<std::string> text =
        generateCHeader(signature, llvm::sys::path::stem(options.headerPath));
    if (failed(text))
      return emitError(loc) << "internal error: unreadable ABI signature";
    if (failed(makeSibling(loc, options.headerPath, ".h", header)))
      return failure();
    std::error_code ec;
    llvm::raw_fd_ostream os(header.path, ec);
    os << *text;
    os.close();
    if (ec || os.has_error())
      return emitError(loc) << "cannot write " << options.headerPath;
    if (failed(commit(loc, header, options.headerPath)))
      return failure();
  }
  return commit(loc, library, outputPath);
}
