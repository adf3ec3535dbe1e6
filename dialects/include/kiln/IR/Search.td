// SPDX-License-Identifier: Apache-2.0
// Differentiable architecture search (DARTS, RARTS; ALGORITHMS.md 1): the relaxed mixed
// operation of a supernet edge, differentiable in its candidates and in its architecture
// parameters.
#ifndef KILN_IR_SEARCH_TD
#define KILN_IR_SEARCH_TD

include "kiln/IR/Layers.td"

def Kiln_MixedOp : Kiln_LayerOp<"mixed"> {
  let summary = "A supernet edge: the softmax(alpha)-weighted sum of its candidate operations";
  let description = [{
    DARTS' continuous relaxation of one edge (ALGORITHMS.md 1.1): with p = softmax(alpha)
    over the candidates named in `ops` (in order), `y = sum_o p_o * x_o`, where x_o is the
    output of candidate o, computed by ordinary kiln ops and passed as an operand, except
    for "none" (the zero operation), which has no operand and contributes nothing (its
    weight still takes part in the softmax). `ops` names the candidates for discretization:
    the strongest candidate other than "none" (ties to the lowest index) is what the edge
    becomes. Architecture parameters are ordinary tensors: alpha is a [K] tensor for K
    candidates, an argument of the step like any weight. `node`, when present, names the
    cell node the edge feeds: kiln-derive-arch keeps the two strongest edges of each node,
    as DARTS does (edges of a node appear in the order of their source nodes).

    Backward (kiln.mixed_grad): dx_o = p_o * dy, and
    d alpha_o = p_o * (<dy, x_o> - sum_o' p_o' <dy, x_o'>), <dy, x_none> = 0.

    ```mlir
    %y = kiln.mixed %alpha [%pool, %skip, %conv]
        {ops = ["none", "max_pool_3x3", "skip_connect", "sep_conv_3x3"]}
        : tensor<4xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>]
        -> tensor<8x16x14x14xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$alpha, Variadic<Kiln_FloatTensor>:$candidates,
                       StrArrayAttr:$ops, OptionalAttr<I64Attr>:$node);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $alpha ` ` `[` $candidates `]` attr-dict `:` type($alpha) `,` `[` type($candidates) `]` `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The index in `ops` of each candidate operand (skipping "none").
    ::llvm::SmallVector<int64_t> getCandidateIndices();
  }];
}

def Kiln_ArchitectureOp : Kiln_Op<"architecture", [Pure]> {
  let summary = "A searched architecture parameter, read from a search's checkpoint";
  let description = [{
    Stands for the alpha a search learned, in a program that retrains the derived
    architecture: the tensor `input` of the search step's checkpoint (kiln-run names a
    step's state tensors "input<i>" after their argument index). Compiling with
    `--arch CHECKPOINT` (kiln-run, kiln-compile) runs `kiln-bind-arch`, which replaces the
    op with the checkpoint's values, and then `kiln-derive-arch`, which discretizes the
    edges it feeds. Without a checkpoint the op is an error: there is nothing to retrain.

    ```mlir
    // Input #8 of the search step (its first edge's alpha).
    %a1 = kiln.architecture {input = 8 : i64} : tensor<4xf32>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def Kiln_MixedGradOp : Kiln_BackwardOp<"mixed_grad", [AllTypesMatch<["alpha", "alpha_grad"]>]> {
  let summary = "The VJP of kiln.mixed: the alpha gradient and one per candidate";
  let description = [{
    One pass over the candidates computes their inner products with dy (for d alpha); each
    candidate's gradient is dy scaled by its weight.

    ```mlir
    %da, %dpool, %dskip = kiln.mixed_grad %alpha, %dy [%pool, %skip]
        {ops = ["none", "max_pool_3x3", "skip_connect"]}
        : tensor<3xf32>, tensor<8x16x14x14xf32>, [tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>]
        -> tensor<8x16x14x14xf32>, tensor<8x16x14x14xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$alpha, Kiln_FloatTensor:$output_grad,
                       Variadic<Kiln_FloatTensor>:$candidates, StrArrayAttr:$ops);
  let results = (outs Kiln_FloatTensor:$alpha_grad, Variadic<Kiln_FloatTensor>:$candidate_grads);
  let assemblyFormat = [{
    $alpha `,` $output_grad ` ` `[` $candidates `]` attr-dict `:` type($alpha) `,` type($output_grad)
    `,` `[` type($candidates) `]` `->` type($candidate_grads)
  }];
  let hasVerifier = 1;
}

#endif // KILN_IR_SEARCH_TD
