// SPDX-License-Identifier: Apache-2.0
// FRUGAL gradient splitting (Zmushko et al., ICML 2025; docs/algorithms.md §2): a state-full
// optimizer on a subspace of each parameter, a state-free one on the rest.
#ifndef KILN_IR_FRUGAL_TD
#define KILN_IR_FRUGAL_TD

include "kiln/IR/Layers.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Kiln_FrugalOp : Kiln_Op<"frugal", [Pure,
    AllTypesMatch<["param", "grad", "new_param"]>,
    AllTypesMatch<["exp_avg", "new_exp_avg"]>,
    AllTypesMatch<["exp_avg_sq", "new_exp_avg_sq"]>,
    AllTypesMatch<["subspace", "new_subspace"]>,
    AllTypesMatch<["step", "new_step", "key", "new_key"]>]> {
  let summary = "One FRUGAL step: Adam(W) or momentum on a subspace, signSGD or SGD elsewhere";
  let description = [{
    FRUGAL's update of one parameter (the reference `CoordOptimizer`, commit c7ebe4c):

    1. At the first step (`subspace` holds -1 first) and whenever `step` has reached
       `update_gap`, a new subspace is drawn from `key` (which then advances by one): k of
       the parameter's columns, rows or coordinates (`projection`), k = int(n * density)
       with n their count (truncation, as the reference). The state is zeroed and `step`
       restarts (reset_statistics = True).
    2. Decoupled weight decay on the whole tensor: p *= 1 - lr * weight_decay.
    3. `step` += 1; it is the bias-correction count s.
    4. State-full coordinates: AdamW (`state_full` = "adamw": m = b1 m + (1 - b1) g,
       v = b2 v + (1 - b2) g^2, p -= lr / (1 - b1^s) * m / (sqrt(v) / sqrt(1 - b2^s) + eps))
       or heavy-ball momentum ("momentum": m = b1 m + g, p -= lr m; `exp_avg_sq` is then
       an empty tensor).
    5. State-free coordinates: p -= lr * free_lr_scale * sign(g) ("sign_sgd", sign(0) = 0)
       or * g ("sgd").

    The state exists only for the subspace: `exp_avg` is [rows, k] for "columns",
    [k, cols] for "rows" and [k] for "coordinates" (RandK), `subspace` lists the k indices
    (ascending; flat indices for coordinates), so at density 0.25 Adam's 8 bytes of state
    per parameter become 2, plus the indices.

    "svd" is the reference's `GaloreOptimizer` (proj_side "std", proj_type "svd"): at
    re-selection the subspace is spanned by the top r singular vectors of the current
    gradient (LAPACK), on the right with r = round(cols * density) when rows >= cols
    (`subspace` is the projector P, [r, cols]; gd = g P^T and the state are [rows, r]; the
    update goes back up as u P), on the left otherwise (P is [rows, r], gd = P^T g, state
    [r, cols], up: P u). The state-free rule then moves the residual g - up(gd). `subspace`
    holds P in the parameter's element type, and re-selection happens when `step` is 0 (the
    first step) or has reached `update_gap`; the key is unused. The projections are oneDNN
    matmuls. Columns and rows are those of Kiln's [in, out]
    weights: "rows" chooses input features, which are the reference's "columns" of a
    torch.nn.Linear weight ([out, in]). Matrices only, for "columns" and "rows"; biases and
    norms take the reference's rule, plain AdamW (kiln.adamw). kiln-lower-frugal turns the op
    into one call of the runtime's fused FRUGAL kernel, a single pass over the parameter.

    ```mlir
    %p1, %m1, %v1, %s1, %n1, %k1 = kiln.frugal %p, %g, %m, %v subspace(%s) step(%n) key(%k)
        {lr = 1.0e-3 : f64, density = 0.25 : f64, update_gap = 200 : i64,
         projection = "rows", state_full = "adamw", state_free = "sign_sgd"}
        : tensor<784x256xf32>, tensor<196x256xf32>, tensor<196x256xf32>, tensor<196xi64>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$param, Kiln_FloatTensor:$grad,
                       Kiln_FloatTensor:$exp_avg, Kiln_FloatTensor:$exp_avg_sq,
                       AnyRankedTensor:$subspace, Kiln_StepTensor:$step,
                       Kiln_StepTensor:$key,
                       Kiln_NonNegF64Attr:$lr, Kiln_ClosedUnitIntervalF64Attr:$density,
                       ConfinedAttr<I64Attr, [IntPositive]>:$update_gap,
                       Kiln_StrEnumAttr<Kiln_FrugalProjection>:$projection,
                       Kiln_StrEnumAttr<Kiln_FrugalStateFull>:$state_full,
                       Kiln_StrEnumAttr<Kiln_FrugalStateFree>:$state_free,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0">:$free_lr_scale);
  let results = (outs Kiln_FloatTensor:$new_param, Kiln_FloatTensor:$new_exp_avg,
                      Kiln_FloatTensor:$new_exp_avg_sq, AnyRankedTensor:$new_subspace,
                      Kiln_StepTensor:$new_step, Kiln_StepTensor:$new_key);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `subspace` `(` $subspace `)` `step` `(` $step
    `)` `key` `(` $key `)` attr-dict `:` type($param) `,` type($exp_avg) `,` type($exp_avg_sq)
    `,` type($subspace)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The subspace size and the state and subspace shapes the projection implies, valid
    /// once the op verifies.
    ::kiln::FrugalLayout getLayout();
  }];
}

def Kiln_FrugalBlocksOp : Kiln_Op<"frugal_blocks", [Pure, SameVariadicOperandSize,
    DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "One blockwise FRUGAL step: whole tensors take Adam(W) or momentum in turn";
  let description = [{
    FRUGAL with the reference's `BlockOptimizer` projection (the "frugal" optimizer of its
    pre-training runs): of the N parameter tensors listed, k = round(N * density) (Python's
    round, half to even) are state-full at a time and the others move by the state-free
    rule alone. The state-full rule, the state-free rule and the per-coordinate arithmetic
    are those of kiln.frugal, so density 1 is kiln.adamw and density 0 kiln.sign_sgd.

    At the first step (`step` is 0) and whenever `step` has reached `update_gap`, every
    tensor is deactivated and k tensors are activated with zero state; `step` restarts.
    `block_order` says which: "ascending" takes the next k tensors cyclically (0, 1, ...
    first), "descending" the previous k (N-1, N-2, ... first), "random" a uniform subset
    drawn from `key` (which then advances by one). `active` lists the active tensors, in
    the order their state is packed into the pools.

    The state is one pair of 1-D pools (`exp_avg`, `exp_avg_sq`; momentum leaves
    `exp_avg_sq` empty) sized for the largest set of tensors the order can activate: the k
    largest for "random", the largest window visited for the cyclic orders. Tensors that are
    not active have no state at all, as in the reference, where deactivation frees it.

    ```mlir
    %p:2, %m1, %v1, %a1, %n1, %k1 = kiln.frugal_blocks (%w1, %w2) grads(%g1, %g2)
        state(%m, %v) active(%a) step(%n) key(%k)
        {lr = 1.0e-3 : f64, density = 0.5 : f64, update_gap = 200 : i64,
         block_order = "ascending", state_full = "adamw", state_free = "sign_sgd"}
        : (tensor<784x128xf32>, tensor<128x10xf32>), tensor<100352xf32>,
          tensor<100352xf32>, tensor<1xi64> grads(tensor<784x128xf32>, tensor<128x10xf32>)
    ```
  }];
  let arguments = (ins Variadic<Kiln_FloatTensor>:$params, Variadic<Kiln_FloatTensor>:$grads,
                       Kiln_FloatTensor:$exp_avg, Kiln_FloatTensor:$exp_avg_sq,
                       RankedTensorOf<[I64]>:$active, Kiln_StepTensor:$step,
                       Kiln_StepTensor:$key,
                       Kiln_NonNegF64Attr:$lr, Kiln_ClosedUnitIntervalF64Attr:$density,
                       ConfinedAttr<I64Attr, [IntPositive]>:$update_gap,
                       Kiln_StrEnumAttr<Kiln_FrugalBlockOrder>:$block_order,
                       Kiln_StrEnumAttr<Kiln_FrugalStateFull>:$state_full,
                       Kiln_StrEnumAttr<Kiln_FrugalStateFree>:$state_free,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0">:$free_lr_scale);
  let results = (outs Variadic<Kiln_FloatTensor>:$new_params, Kiln_FloatTensor:$new_exp_avg,
                      Kiln_FloatTensor:$new_exp_avg_sq, RankedTensorOf<[I64]>:$new_active,
                      Kiln_StepTensor:$new_step, Kiln_StepTensor:$new_key);
  let assemblyFormat = [{
    `(` $params `)` `grads` `(` $grads `)` `state` `(` $exp_avg `,` $exp_avg_sq `)` `active`
    `(` $active `)` `step` `(` $step `)` `key` `(` $key `)` attr-dict `:` `(` type($params)
    `)` `,` type($exp_avg) `,` type($exp_avg_sq) `,` type($active) `grads` `(` type($grads) `)`
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// How many tensors are state-full at a time, the pool size and the tensors' element
    /// counts, valid once the op verifies.
    ::kiln::FrugalBlocksLayout getLayout();
  }];
}

#endif // KILN_IR_FRUGAL_TD
