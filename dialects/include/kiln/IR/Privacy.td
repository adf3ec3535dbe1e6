// SPDX-License-Identifier: Apache-2.0
// Differentially private training: the Gaussian mechanism on per-sample-clipped gradient
// sums (DP-SGD) and DiceSGD's error feedback, plus the per-sample helpers that
// kiln.clipped_value_and_grad's backward pass is written with. docs/algorithms.md §4.
#ifndef KILN_IR_PRIVACY_TD
#define KILN_IR_PRIVACY_TD

include "kiln/IR/KilnDialect.td"
include "kiln/IR/Schedules.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_PerSampleSqNormOp : Kiln_Op<"per_sample_sq_norm", [Pure]> {
  let summary = "The squared L2 norm of each sample (every dimension but the first)";
  let description = [{
    `r[i] = sum_{j...} x[i, j...]^2`, accumulated in f64 (and rounded once for f32). With x the
    activations or the output cotangents of a linear layer, `r_a[i] * r_d[i]` is the squared
    norm of sample i's weight gradient (the ghost-norm identity).

    ```mlir
    %r = kiln.per_sample_sq_norm %d : tensor<128x256xf32> -> tensor<128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F64]>:$input);
  let results = (outs RankedTensorOf<[F32, F64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_PerSampleDotOp : Kiln_Op<"per_sample_dot", [Pure,
    AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "The dot product of two tensors, sample by sample (every dimension but the first)";
  let description = [{
    `r[i] = sum_{j...} a[i, j...] * b[i, j...]`, accumulated in f64 (and rounded once for
    f32). With a
    and b the [B, T, T] Gram matrices of a sequence layer's inputs and output cotangents
    (`a_i a_i^T`, `d_i d_i^T`), `r[i]` is the squared norm of sample i's weight gradient
    `a_i^T d_i` without forming it (the ghost norm for sequences).

    ```mlir
    %r = kiln.per_sample_dot %ga, %gd : tensor<32x16x16xf32> -> tensor<32xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F64]>:$lhs, RankedTensorOf<[F32, F64]>:$rhs);
  let results = (outs RankedTensorOf<[F32, F64]>:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_ScaleSamplesOp : Kiln_Op<"scale_samples", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Multiply each sample (a slice of the first dimension) by its own weight";
  let description = [{
    `y[i, j...] = w[i] * x[i, j...]`: the per-sample clip factors applied to cotangents
    before the weight-gradient contraction.

    ```mlir
    %y = kiln.scale_samples %d, %c : tensor<128x256xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F64]>:$input, RankedTensorOf<[F32, F64]>:$weights);
  let results = (outs RankedTensorOf<[F32, F64]>:$result);
  let assemblyFormat = "$input `,` $weights attr-dict `:` type($input) `,` type($weights)";
  let hasVerifier = 1;
}

def Kiln_DpAggregateOp : Kiln_Op<"dp_aggregate", [Pure,
    AllTypesMatch<["clipped_sums", "results"]>, AllTypesMatch<["key", "next_key"]>]> {
  let summary = "The Gaussian mechanism of DP-SGD: noisy clipped sums over the expected batch";
  let description = [{
    With C = `max_norm`, sigma the `noise_multiplier` operand and L the `lot` operand (the
    expected lot size; both rank-0 f32, so that a driver can calibrate sigma to a privacy
    budget and read both back without recompiling):

        G_p = (S_p + N(0, sigma^2 C^2 I)) / L

    for each clipped gradient sum S_p (Opacus' DPOptimizer with loss_reduction "mean": the
    noise std is noise_multiplier * max_grad_norm, and the division is by the expected,
    not the actual, lot size; an empty lot still gets noise). The noise of operand p comes
    from Philox key `key + p` (kiln.random_normal's stream, so the runtime's fillNormal
    reproduces it); the result key is `key + P`. The operands must be the clipped sums of a
    kiln.clipped_value_and_grad with the same `max_norm` (the verifier checks both while
    that op is still there): noise calibrated to another clipping norm, or added to
    unclipped sums, gives no privacy.

    ```mlir
    %gw, %gb, %k1 = kiln.dp_aggregate %sw, %sb key(%k0) noise_multiplier(%sigma) lot(%lot)
        {max_norm = 1.0 : f64} : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_ParamTensor>:$clipped_sums, Kiln_StepTensor:$key,
                       Kiln_ScalarF32Tensor:$noise_multiplier, Kiln_ScalarF32Tensor:$lot,
                       Kiln_PositiveF64Attr:$max_norm);
  let results = (outs Variadic<Kiln_ParamTensor>:$results, Kiln_StepTensor:$next_key);
  let assemblyFormat = [{
    $clipped_sums `key` `(` $key `)` `noise_multiplier` `(` $noise_multiplier `)` `lot` `(` $lot `)`
    attr-dict `:` type($clipped_sums)
  }];
  let hasVerifier = 1;
}

def Kiln_DiceFeedbackOp : Kiln_Op<"dice_feedback", [Pure, SameVariadicOperandSize,
    SameVariadicResultSize,
    AllTypesMatch<["clipped_sums", "sums", "errors", "updates", "new_errors"]>,
    AllTypesMatch<["key", "next_key"]>]> {
  let summary = "DiceSGD's update direction and error state (clipping error feedback)";
  let description = [{
    DiceSGD (Zhang, Bu, Wu and Hong, ICLR 2024), in the paper's form. With S = the clipped
    sums (clip norm C1 = `max_norm`), T = the plain sums of the same per-sample gradients,
    e the error state (one tensor per parameter), B = the `lot` operand (the expected lot
    size), C2 = `error_max_norm`:

        clip(e, C2) = e * min(1, C2 / ||e||)     (||e|| over all tensors; 0 when e = 0)
        v     = S / B + clip(e, C2)
        u     = v + N(0, s^2 I),  s = sigma C1 sqrt(1 + 2 C2 / C1) / B
        e_new = e - clip(e, C2) + (T - S) / B

    u is what the optimizer applies; e_new is the next error state. The noise std is the
    reference code's calibration (DP-SGD's sigma C1, inflated by sqrt(1 + 2 C2 / C1), per
    summed gradient); sigma is the `noise_multiplier` operand. Keys as kiln.dp_aggregate: `key + p` for
    parameter p, `key + P` returned. One norm pass over e, then one fused pass over
    (S, T, e). The operands must be the clipped and plain sums of one
    kiln.clipped_value_and_grad with the same `max_norm` (checked while it is there).

    ```mlir
    %u:2, %e1:2, %k1 = kiln.dice_feedback clipped(%sw, %sb) sums(%tw, %tb)
        errors(%ew, %eb) key(%k0) noise_multiplier(%sigma) lot(%lot)
        {max_norm = 1.0 : f64, error_max_norm = 1.5 : f64} : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_ParamTensor>:$clipped_sums, Variadic<Kiln_ParamTensor>:$sums,
                       Variadic<Kiln_ParamTensor>:$errors, Kiln_StepTensor:$key,
                       Kiln_ScalarF32Tensor:$noise_multiplier, Kiln_ScalarF32Tensor:$lot,
                       Kiln_PositiveF64Attr:$max_norm, Kiln_PositiveF64Attr:$error_max_norm);
  let results = (outs Variadic<Kiln_ParamTensor>:$updates,
                      Variadic<Kiln_ParamTensor>:$new_errors, Kiln_StepTensor:$next_key);
  let assemblyFormat = [{
    `clipped` `(` $clipped_sums `)` `sums` `(` $sums `)` `errors` `(` $errors `)` `key` `(` $key `)`
    `noise_multiplier` `(` $noise_multiplier `)` `lot` `(` $lot `)` attr-dict `:` type($clipped_sums)
  }];
  let hasVerifier = 1;
}

#endif // KILN_IR_PRIVACY_TD
