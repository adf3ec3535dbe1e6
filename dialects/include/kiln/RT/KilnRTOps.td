// SPDX-License-Identifier: Apache-2.0
// Ops of the kiln_rt dialect.
#ifndef KILN_RT_KILNRTOPS_TD
#define KILN_RT_KILNRTOPS_TD

include "kiln/RT/KilnRTAttrs.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def KilnRT_KernelParamsAttr : AnyAttrOf<[KilnRT_WindowAttr, KilnRT_FrugalAttr,
                                          KilnRT_FrugalBlocksAttr, KilnRT_TransportAttr,
                                          KilnRT_SpectrumAttr, KilnRT_GramAttr,
                                          KilnRT_CollectiveAttr, KilnRT_CompressionAttr,
                                          KilnRT_NormalAttr]>;

def KilnRT_KernelCallOp : KilnRT_Op<"kernel_call", [
    AttrSizedOperandSegments, DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "A call of one of the runtime's library kernels";
  let description = [{
    Produced from kiln.conv2d, the pooling ops and their gradients, kiln.monge_gap,
    kiln.sinkhorn_divergence and their gradients, the collectives kiln.all_reduce,
    kiln.broadcast_from and kiln.all_gather (convert-kiln-to-linalg) and from
    kiln.frugal and kiln.frugal_blocks (kiln-lower-frugal); kiln-use-library-kernels turns it into a call of
    `kiln_<kernel>_<f32|f64>(params, buffers)` (Abi.h) with `params` packed into the
    kernel's C struct. On tensors it is pure and returns the new values of its outputs;
    one-shot bufferization gives it buffers (an external model), and on buffers it has no
    results, reads `ins` and writes `outs`. Window kernels overwrite their output whole, so
    it need not be initialised; kernels that update state in place (frugal,
    frugal_blocks) read their outputs too. The verifier checks every operand's element type
    and shape against the parameters.

    ```mlir
    %y = kiln_rt.kernel_call conv2d ins(%x, %w : tensor<8x1x28x28xf32>, tensor<4x1x3x3xf32>)
        outs(%init : tensor<8x4x26x26xf32>)
        params #kiln_rt.window<n = 8, c = 1, h = 28, w = 28, o = 4, kh = 3, kw = 3, oh = 26,
                               ow = 26, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1,
                               groups = 1> -> tensor<8x4x26x26xf32>
    ```
  }];
  let arguments = (ins KilnRT_KernelAttr:$kernel, Variadic<AnyShaped>:$inputs,
                       Variadic<AnyShaped>:$outputs, KilnRT_KernelParamsAttr:$params);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    custom<KernelName>($kernel) (`ins` `(` $inputs^ `:` type($inputs) `)`)? `outs` `(` $outputs `:` type($outputs) `)`
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

#endif // KILN_RT_KILNRTOPS_TD
