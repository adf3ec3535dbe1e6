// SPDX-License-Identifier: Apache-2.0
// Regularizers that are runtime library ops: entropic optimal transport between point clouds
// (the Monge gap and the Sinkhorn divergence). They lower to kiln_rt.kernel_call of the
// runtime's solver (kiln/runtime/regularizers/OptimalTransport.h), which C++ applications can
// also call directly; docs/algorithms.md §6 has the rules and defaults.
#ifndef KILN_IR_REGULARIZERS_TD
#define KILN_IR_REGULARIZERS_TD

include "kiln/IR/Layers.td"

defvar Kiln_TransportAttrs = (ins
    DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_TransportCost>,
                      "::kiln::TransportCost::SqEuclidean">:$cost,
    DefaultValuedAttr<Kiln_PositiveF64Attr, "0.05">:$epsilon,
    DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_EpsilonMode>, "::kiln::EpsilonMode::Std">:$epsilon_mode,
    DefaultValuedAttr<Kiln_PositiveF64Attr, "1.0e-3">:$threshold,
    DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "2000">:$max_iterations);

/// The forward ops: a value, and on request the solver's record.
class Kiln_TransportOp<string mnemonic, string summaryText, string text>
    : Kiln_LayerOp<mnemonic> {
  let summary = summaryText;
  let description = text # [{

    Attributes (OTT-JAX's defaults): `cost` "sqeuclidean" (||x - y||^2) or "euclidean";
    `epsilon` 0.05 with `epsilon_mode` "std" (epsilon = 0.05 x the standard deviation of
    the cost matrix; "mean" scales the mean, "absolute" takes epsilon as it is; the statistic
    is a constant for the gradient); Sinkhorn in the log domain until the L1 marginal error
    is below `threshold` 1e-3 (checked every 10 iterations) or `max_iterations` 2000. The
    optional second result is the record [epsilon, iterations, error, converged (1 or 0)],
    the worst over the solves, so a program can report a solve that did not converge; the
    value is then that of the last potentials, as in OTT. Gradients follow from the envelope
    theorem (no unrolled iterations): kiln-autodiff differentiates it into the op's `_grad`
    twin, and convert-kiln-to-linalg fuses the two into one solve. The cost matrix is stored
    up to 4M entries and recomputed in tiles above, so memory stays O((n + m) d).
  }];
  let results = (outs Kiln_FloatTensor:$value, Optional<Kiln_FloatTensor>:$stats);
  let assemblyFormat = [{
    $x `,` $y attr-dict `:` type($x) `,` type($y) `->` type($value) (`,` type($stats)^)?
  }];
  let hasVerifier = 1;
}

def Kiln_MongeGapOp : Kiln_TransportOp<"monge_gap",
    "The entropic Monge gap of the map x_i -> y_i (Uscidda & Cuturi, 2023)", [{
    `mean_i c(x_i, y_i) - W_eps(x, y)`: how far the map taking each row of x [n, d] to the
    same row of y [n, d] is from an optimal transport map, with W_eps the entropic OT cost
    <P, C> - eps H(P) between the uniform measures on the two clouds (OTT's
    monge_gap_from_samples). As a regularizer, y is a network's image of x. It is not 0 for
    an optimal map (about eps log n at small eps): use it as a penalty, not as a test.

    ```mlir
    %gap = kiln.monge_gap %x, %tx {epsilon = 0.01 : f64, epsilon_mode = "mean"}
        : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<f32>
    %gap2, %record = kiln.monge_gap %x, %tx
        : tensor<256x2xf32>, tensor<256x2xf32> -> tensor<f32>, tensor<4xf32>
    ```
  }]> {
  let arguments = !con((ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$y), Kiln_TransportAttrs);
}

def Kiln_SinkhornDivergenceOp : Kiln_TransportOp<"sinkhorn_divergence",
    "The debiased Sinkhorn divergence between two point clouds", [{
    `OT_eps(x, y) - OT_eps(x, x) / 2 - OT_eps(y, y) / 2` between the uniform measures on the
    rows of x [n, d] and y [m, d], with OT_eps = <P, C> + eps KL(P || a b^T) (OTT's
    sinkhorn_divergence; Feydy et al., 2019): 0 when the clouds coincide, positive
    otherwise, a fitting loss between a model's samples and data. The three problems share
    the epsilon of (x, y).

    ```mlir
    %loss = kiln.sinkhorn_divergence %tx, %target {epsilon = 0.1 : f64, epsilon_mode = "mean"}
        : tensor<256x2xf32>, tensor<512x2xf32> -> tensor<f32>
    ```
  }]> {
  let arguments = !con((ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$y), Kiln_TransportAttrs);
}

/// The VJPs: the gradients of the value with respect to both clouds, times the cotangent.
class Kiln_TransportGradOp<string mnemonic, string forward, string example>
    : Kiln_BackwardOp<mnemonic, [AllTypesMatch<["x", "x_grad"]>, AllTypesMatch<["y", "y_grad"]>]> {
  let summary = "The VJP of kiln." # forward;
  let description = [{
    `x_grad = value_grad * d value / d x` and likewise for y, by the envelope theorem:
    sum_j P_ij d c(x_i, y_j) / d x_i at the optimal plan (and the displacement's own term
    for the Monge gap). On its own it solves the problem again; convert-kiln-to-linalg fuses
    it with a forward op of the same operands and attributes into one solve.
  }] # example;
  let arguments = !con((ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$y,
                            Kiln_FloatTensor:$value_grad), Kiln_TransportAttrs);
  let results = (outs Kiln_FloatTensor:$x_grad, Kiln_FloatTensor:$y_grad);
  let assemblyFormat = [{
    $x `,` $y `,` $value_grad attr-dict `:` type($x) `,` type($y) `,` type($value_grad)
  }];
  let hasVerifier = 1;
}

def Kiln_MongeGapGradOp : Kiln_TransportGradOp<"monge_gap_grad", "monge_gap", [{

    ```mlir
    %dx, %dy = kiln.monge_gap_grad %x, %tx, %dvalue
        : tensor<256x2xf32>, tensor<256x2xf32>, tensor<f32>
    ```
  }]>;
def Kiln_SinkhornDivergenceGradOp
    : Kiln_TransportGradOp<"sinkhorn_divergence_grad", "sinkhorn_divergence", [{

    ```mlir
    %dx, %dy = kiln.sinkhorn_divergence_grad %tx, %target, %dvalue {epsilon = 0.1 : f64}
        : tensor<256x2xf32>, tensor<512x2xf32>, tensor<f32>
    ```
  }]>;

#endif // KILN_IR_REGULARIZERS_TD
