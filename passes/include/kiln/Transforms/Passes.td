// SPDX-License-Identifier: Apache-2.0
// Kiln transformation passes. The Abi group turns public functions into entry points that
// libkiln_runtime can call (runtime/include/kiln/runtime/Abi.h).
#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnPrepareEntryPointsPass
    : Pass<"kiln-prepare-entry-points", "::mlir::ModuleOp"> {
  let summary = "Check entry-point signatures and decide which inputs are donated";
  let description = [{
    Runs on tensors, before one-shot bufferization. Every public function with a body is an
    entry point: its arguments and results must be ranked tensors of an ABI element type.
    The pass records the tensor signature (`kiln.abi.function_type`), requests a C interface
    wrapper, and marks each argument `bufferization.writable` (and records it as donated) only if some result is written
    into it through destination-passing ops (an updated parameter or optimizer state). Those
    are the donated inputs; bufferization may then update them in place, and leaves every
    other input untouched.
  }];
}

def KilnFinalizeEntryPointsPass
    : Pass<"kiln-finalize-entry-points", "::mlir::ModuleOp"> {
  let summary = "Record each entry point's ABI signature and drop results computed in place";
  let description = [{
    Runs right after one-shot bufferization. A result whose buffer is an argument (the
    in-place update succeeded) becomes an alias of that input and is dropped from the
    function, as `drop-equivalent-buffer-results` does for private functions (which it limits
    itself to); call sites inside the module are updated. Every other result will be a
    caller-allocated output buffer (`buffer-results-to-out-params`) and must have a static
    shape. The JSON of Abi.h goes into the `kiln.abi.signature` module attribute.
  }];
}

def KilnEmitAbiPass : Pass<"kiln-emit-abi", "::mlir::ModuleOp"> {
  let summary = "Emit the ABI version, the signature and kiln_call_ wrappers in LLVM IR";
  let description = [{
    Runs on the LLVM dialect. For each entry point it adds `kiln_call_<name>(void **args)`
    forwarding to `_mlir_ciface_<name>`, so the runtime calls any entry the same way, and it
    emits the `kiln_module_abi_version` and `kiln_module_signature` globals.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
