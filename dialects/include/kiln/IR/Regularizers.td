// SPDX-License-Identifier: Apache-2.0
// Regularizers that are runtime library ops: entropic optimal transport between point clouds
// (the Monge gap and the Sinkhorn divergence). They lower to kiln_rt.kernel_call of the
// runtime's solver (kiln/runtime/regularizers/OptimalTransport.h), which C++ applications can
// also call directly; docs/algorithms.md §6 has the rules and defaults.
#ifndef KILN_IR_REGULARIZERS_TD
#define KILN_IR_REGULARIZERS_TD

include "kiln/IR/Layers.td"
include "mlir/IR/SymbolInterfaces.td"

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

//===-- The empirical neural tangent kernel -----------------------------------------------===//

def Kiln_NtkOp : Kiln_Op<"ntk", [DeclareOpInterfaceMethods<SymbolUserOpInterface>,
    DeclareOpInterfaceMethods<Kiln_DifferentiableOpInterface>]> {
  let summary = "The empirical neural tangent kernel of a model on a batch";
  let description = [{
    `Theta = J J^T` with `J = d f(operands) / d theta`, where `callee` is the model: it
    returns the logits [N, K] of a batch, and theta is the arguments listed in `wrt` (the
    parameters; their gradients are flattened and concatenated in `wrt` order). The
    Jacobian is of the batched function, as neural-tangents' `empirical_ntk_fn` computes it.
    `logits` says what happens to the logit axis:

    - "trace" (default, neural-tangents' `trace_axes=(-1,)`): `(1/K) sum_k J_k J_k^T`, [N, N];
    - "sum" (TE-NAS): the NTK of `sum_k f_k`, [N, N];
    - "full": every pair of logits, [N, K, N, K].

    kiln-expand-ntk writes it as loops of VJPs (kiln.grad of `sum(f * c)` with a unit
    cotangent c: N K of them for "trace" and "full", N for "sum"), each filling one row of
    the Jacobian, and the runtime's BLAS Gram product (in double); one logit's rows [N, P]
    are held at a time ("full": all N K rows). The result's element type is the Gram
    product's: f64 from f32 gradients keeps a small eigenvalue exact enough for a condition
    number. Differentiable (kiln.ntk_grad, with respect to the parameters and the batch), so
    the kernel can sit inside a loss as a regularizer. docs/algorithms.md §5.

    ```mlir
    %theta = kiln.ntk @forward(%w, %b, %x) wrt [0, 1] {logits = "sum"}
        : (tensor<784x10xf32>, tensor<10xf32>, tensor<32x784xf32>) -> tensor<32x32xf64>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$operands,
                       DenseI64ArrayAttr:$wrt,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_NtkLogits>,
                                         "::kiln::NtkLogits::Trace">:$logits);
  let results = (outs Kiln_FloatTensor:$kernel);
  let assemblyFormat = [{
    $callee `(` $operands `)` `wrt` $wrt attr-dict `:` functional-type($operands, $kernel)
  }];
}

def Kiln_NtkVectorProductOp : Kiln_Op<"ntk_vector_product",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "The empirical NTK times a vector, without forming the kernel";
  let description = [{
    `Theta v` for kiln.ntk's kernel of the same `callee`, `wrt` and `logits`, computed as
    `J (J^T v)`: one VJP (reverse mode, kiln.grad) and one JVP (forward mode, kiln.jvp)
    of the batched model, so memory is that of one gradient and the cost that of about
    three forward passes, whatever N and K are (the kernel itself takes N K VJPs and
    N^2 K^2 entries). `vector` is [N, K] with logits = "full" (the kernel read as
    [N K, N K]), [N] otherwise; "trace" takes K such pairs (one per logit), "sum" one.
    The result has the vector's type. For Krylov methods on kernels too large to store
    (eigenvalues by Lanczos, kernel regression by conjugate gradients). Not differentiable.
    docs/algorithms.md §5.

    ```mlir
    %tv = kiln.ntk_vector_product @forward(%w, %b, %x) wrt [0, 1], %v {logits = "full"}
        : (tensor<784x10xf32>, tensor<10xf32>, tensor<32x784xf32>), tensor<32x10xf32>
        -> tensor<32x10xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args,
                       Kiln_FloatTensor:$vector, DenseI64ArrayAttr:$wrt,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_NtkLogits>,
                                         "::kiln::NtkLogits::Trace">:$logits);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $callee `(` $args `)` `wrt` $wrt `,` $vector attr-dict `:` `(` type($args) `)`
    `,` type($vector) `->` type($result)
  }];
}

def Kiln_NtkGradOp : Kiln_Op<"ntk_grad", [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "The VJP of kiln.ntk";
  let description = [{
    Built by kiln.ntk's VJP rule. With G the cotangent of the kernel (its shape) and
    rows a = (sample, logit) of the Jacobian J (with respect to the `wrt` operands), the
    gradient with respect to any operand z is `sum_a d(J_a . W_a)/dz` with
    `W = (G + G^T) J` held fixed ("trace": per logit, divided by K; "sum": one row per
    sample). Each term is the derivative of a JVP along W_a: kiln-expand-ntk writes it as
    a loop of kiln.grad over a function that contains a kiln.jvp (reverse over forward),
    so second derivatives come from the same first-order rules. The results are one
    gradient per floating-point tensor operand, in operand order: the parameters and the
    batch (a batch computed from parameters passes its gradient on); kiln-expand-ntk
    computes only those that are used. docs/algorithms.md §5.

    ```mlir
    %gw, %gb, %gx = kiln.ntk_grad @forward(%w, %b, %x) wrt [0, 1], %dtheta {logits = "sum"}
        : (tensor<4x3xf64>, tensor<3xf64>, tensor<5x4xf64>), tensor<5x5xf64>
        -> (tensor<4x3xf64>, tensor<3xf64>, tensor<5x4xf64>)
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args,
                       Kiln_FloatTensor:$cotangent, DenseI64ArrayAttr:$wrt,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_NtkLogits>,
                                         "::kiln::NtkLogits::Trace">:$logits);
  let results = (outs Variadic<Kiln_FloatTensor>:$gradients);
  let assemblyFormat = [{
    $callee `(` $args `)` `wrt` $wrt `,` $cotangent attr-dict `:` `(` type($args) `)`
    `,` type($cotangent) `->` `(` type($gradients) `)`
  }];
}

def Kiln_NtkSpectrumOp : Kiln_Op<"ntk_spectrum", [Pure]> {
  let summary = "The eigenvalues, trace and condition number of a kernel matrix";
  let description = [{
    For a symmetric kernel [M, M] (or kiln.ntk's full [N, K, N, K], read as [N K, N K]):
    its eigenvalues in ascending order (LAPACK `syevd` in double, through the runtime), its
    trace, and the condition number `lambda_max / lambda_min` that TE-NAS ranks
    architectures by (lower trains better), with TE-NAS' sentinel 1e5 when
    `lambda_min <= 0`. A kernel that is not finite or not symmetric (to 1e-9 relative)
    makes every result NaN.

    ```mlir
    %eigenvalues, %trace, %cond = kiln.ntk_spectrum %theta
        : tensor<32x32xf64> -> tensor<32xf64>, tensor<f64>, tensor<f64>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$kernel);
  let results = (outs Kiln_FloatTensor:$eigenvalues, Kiln_FloatTensor:$trace,
                      Kiln_FloatTensor:$condition_number);
  let assemblyFormat = [{
    $kernel attr-dict `:` type($kernel) `->` type($eigenvalues) `,` type($trace) `,`
    type($condition_number)
  }];
  let hasVerifier = 1;
}

#endif // KILN_IR_REGULARIZERS_TD
