// SPDX-License-Identifier: Apache-2.0
// Calls of the runtime's library kernels (Abi.h), as a destination-style op that lives from
// the tensor level through bufferization down to the call.
#ifndef KILN_IR_KERNELS_TD
#define KILN_IR_KERNELS_TD

include "kiln/IR/KilnDialect.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_KernelCallOp : Kiln_Op<"kernel_call", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "A call of one of the runtime's library kernels (Abi.h)";
  let description = [{
    Produced from kiln.conv2d, the pooling ops and their gradients (convert-kiln-to-linalg)
    and from kiln.frugal (kiln-lower-frugal), and turned into a call of
    `kiln_<kernel>_<f32|f64>(params, buffers)` by kiln-use-library-kernels. On tensors it is
    pure and returns the new output values; one-shot bufferization (an external model,
    registered with the dialect) gives it buffers, and on buffers it has no results, reads
    `ins` and writes `outs`. Window kernels overwrite their output whole, so it need not be
    initialised; kernels that update state (frugal) read their outputs too. `params` holds
    the kernel's parameter struct as int64 fields (kiln_window_geometry,
    kiln_frugal_config: doubles as their bit patterns); the verifier checks every operand's
    shape against it.

    ```mlir
    %y = kiln.kernel_call "conv2d" ins(%x, %w : tensor<8x1x28x28xf32>, tensor<4x1x3x3xf32>)
        outs(%init : tensor<8x4x26x26xf32>)
        params [8, 1, 28, 28, 4, 3, 3, 26, 26, 1, 1, 0, 0, 1, 1, 1] -> tensor<8x4x26x26xf32>
    ```
  }];
  let arguments = (ins StrAttr:$kernel, Variadic<AnyShaped>:$inputs,
                       Variadic<AnyShaped>:$outputs, DenseI64ArrayAttr:$params);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel `ins` `(` $inputs `:` type($inputs) `)` `outs` `(` $outputs `:` type($outputs) `)`
    `params` $params attr-dict (`->` type($results)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() { return getOutputsMutable(); }
    /// The runtime symbol for this call's element type, e.g. kiln_conv2d_f32.
    std::string getSymbolName();
    /// Whether the kernel reads its outputs (it updates state in place).
    bool readsOutputs();
  }];
}

#endif // KILN_IR_KERNELS_TD
