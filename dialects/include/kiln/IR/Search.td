// SPDX-License-Identifier: Apache-2.0
// Differentiable architecture search (DARTS, RARTS; docs/algorithms.md §1): the relaxed mixed
// operation of a supernet edge, differentiable in its candidates and in its architecture
// parameters.
#ifndef KILN_IR_SEARCH_TD
#define KILN_IR_SEARCH_TD

include "kiln/IR/Layers.td"
include "kiln/IR/Schedules.td"
include "mlir/IR/SymbolInterfaces.td"

def Kiln_MixedOp : Kiln_LayerOp<"mixed"> {
  let summary = "A supernet edge: the softmax(alpha)-weighted sum of its candidate operations";
  let description = [{
    DARTS' continuous relaxation of one edge (docs/algorithms.md §1.1): with p = softmax(alpha)
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
    architecture: the tensor `tensor` of the search step's checkpoint, which is the name of
    the alpha's argument in the search's loss (`%a1` is "a1"; checkpoints of programs
    without argument names call their tensors "input<i>" after the step's argument index).
    Compiling with `--arch CHECKPOINT` (kiln-run, kiln-compile) runs `kiln-bind-arch`,
    which replaces the op with the checkpoint's values, and then `kiln-derive-arch`, which
    discretizes the edges it feeds. Without a checkpoint the op is an error: there is
    nothing to retrain.

    ```mlir
    // The alpha the search's loss called %a1.
    %a1 = kiln.architecture "a1" : tensor<4xf32>
    ```
  }];
  let arguments = (ins Kiln_NonEmptyStringAttr:$tensor);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$tensor attr-dict `:` type($result)";
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

def Kiln_SearchStepOp : Kiln_Op<"search_step", [Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "One iteration of an architecture search over a loss: DARTS 1st/2nd order or RARTS";
  let description = [{
    Declares the step function `sym_name` of a differentiable architecture search over the
    supernet loss `loss`; kiln-search-step expands it into that function (docs/algorithms.md
    1.2, 1.3), so DARTS first order, DARTS second order and RARTS come from one program,
    `method` chosen in the text or by the compiler's `--search` flag.

    `@loss` takes the weights, the architecture parameters (the arguments listed in
    `architecture`) and the data (the arguments with `kiln.data` "images"/"labels"), in any
    order, and returns a rank-0 loss. Weights and alphas are f32 tensors; weights carry the
    `kiln.init` of their initialiser, alphas default to DARTS' `normal:0.001`. The step
    takes a batch of each half of the training data: the loss's data arguments under their
    own names (split A, DARTS' train half) and again as "val_images"/"val_labels" (split
    B, DARTS' search half), which kiln-run feeds from the two halves.

    Per iteration, with lr on a cosine schedule from `lr` to `lr_min` over `decay_steps`:
    - "darts1": g_alpha = grad_alpha L_B(w); alpha steps; then the weights step on A with
      the new alpha.
    - "darts2": w' = the weight optimizer's step on A (its momentum and weight decay, its
      buffer update dropped); g0 and v = grad L_B at w'; R = hessian_r / ||v|| (all weights,
      guarded at 0); hvp = (grad_alpha L_A(w + R v) - grad_alpha L_A(w - R v)) / 2R;
      g_alpha = g0 - lr hvp; alpha steps; then the weight step as in "darts1".
    - "rarts": one Gauss-Seidel sweep over two weight copies w (on A) and y (on B) that
      share alpha: w by lambda grad_w L_A(w) + beta (w - y), then y by grad_y L_B(y) +
      beta (y - w_new), then alpha by grad_alpha L_B(y_new) + lambda grad_alpha L_A(w_new).
    - "rarts_jacobi": w and y as "rarts"; alpha from the gradients of those same two
      backward passes, at (w, y): two forward/backward passes instead of four.
    Weights (and y) take SGD with `momentum` and `weight_decay` after clipping their
    gradients to global norm `max_grad_norm` (0: no clipping); alphas take Adam (betas
    `arch_beta1`, `arch_beta2`, L2 decay `arch_weight_decay`) or plain SGD
    (`arch_optimizer = "sgd"`) at `arch_lr`. The defaults are DARTS' (`cnn/train_search.py`);
    lambda and beta are RARTS' hyperparameters, which its abstracts leave open.

    The step's arguments: the loss's weights and alphas in its order, then (RARTS) y, then
    the momentum buffers of w (and of y), then alpha's optimizer state (Adam: all m, then
    all v), then the step counter, then split A's data and split B's. Its results: the same
    state, updated, and split A's loss.

    ```mlir
    kiln.search_step @train_step(@loss) {method = "rarts", architecture = array<i64: 8, 9>,
                                         decay_steps = 2340 : i64, arch_lr = 3.0e-3 : f64}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$loss,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_SearchMethod>,
                                         "::kiln::SearchMethod::Darts1">:$method,
                       DenseI64ArrayAttr:$architecture,
                       Kiln_PositiveI64Attr:$decay_steps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.025">:$lr,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.001">:$lr_min,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$momentum,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "3.0e-4">:$weight_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "5.0">:$max_grad_norm,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_ArchOptimizer>,
                                         "::kiln::ArchOptimizer::Adam">:$arch_optimizer,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "3.0e-4">:$arch_lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.5">:$arch_beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$arch_beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-3">:$arch_weight_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0">:$lambda,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.1">:$beta,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.01">:$hessian_r);
  let assemblyFormat = "$sym_name `(` $loss `)` attr-dict";
  let hasVerifier = 1;
}

#endif // KILN_IR_SEARCH_TD
