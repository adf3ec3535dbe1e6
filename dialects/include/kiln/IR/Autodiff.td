// SPDX-License-Identifier: Apache-2.0
// Reverse-mode differentiation of a function with respect to chosen arguments.
#ifndef KILN_IR_AUTODIFF_TD
#define KILN_IR_AUTODIFF_TD

include "kiln/IR/KilnDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"
include "kiln/Enums/KilnEnums.td"

class Kiln_GradientOp<string mnemonic, string summaryText, string extra>
    : Kiln_Op<mnemonic, [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = summaryText;
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$operands,
                       DenseI64ArrayAttr:$wrt);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $callee `(` $operands `)` `wrt` $wrt attr-dict `:` functional-type($operands, $results)
  }];
  let description = !strconcat([{
    Differentiates the function `callee`, which must return one rank-0 floating-point tensor
    (a loss), with respect to its arguments listed in `wrt`, at `operands`. kiln-autodiff
    replaces the op by a call to a synthesized function that runs the forward computation
    and then the backward one, built from the VJP rules of each op
    (DifferentiableOpInterface). A value used by several ops receives the sum of their
    cotangents; an argument that does not influence the loss gets a zero gradient; an op
    without a rule on the path to the loss is an error.
  }], extra);
}

def Kiln_ValueAndGradOp : Kiln_GradientOp<"value_and_grad",
    "The value of a loss function and its gradients (jax.value_and_grad)", [{

    Results: the loss, then one gradient per `wrt` entry, shaped like that argument.

    ```mlir
    %loss, %gw, %gb = kiln.value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1]
        : (tensor<784x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>)
        -> (tensor<f32>, tensor<784x10xf32>, tensor<10xf32>)
    ```
  }]>;

def Kiln_GradOp : Kiln_GradientOp<"grad",
    "The gradients of a loss function (jax.grad)", [{

    Results: one gradient per `wrt` entry, shaped like that argument.

    ```mlir
    %gw = kiln.grad @loss(%w, %x) wrt [0] : (tensor<4x3xf32>, tensor<8x4xf32>) -> tensor<4x3xf32>
    ```
  }]>;

def Kiln_ClippedValueAndGradOp : Kiln_Op<"clipped_value_and_grad", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A loss, its per-sample gradient norms and the per-sample-clipped gradient sum";
  let description = [{
    DP-SGD's gradient without per-sample gradients (Abadi et al. 2016; Opacus semantics).
    `callee` is a loss over a batch whose leading dimension indexes samples, reduced by
    `loss_reduction` ("mean": loss = (1/B) sum_i l_i, as Opacus' default; "sum"). With g_i
    the gradient of l_i with respect to the `wrt` arguments (all of them together):

        norms[i]  = ||g_i||                                   (the flat norm over all wrt)
        c_i       = min(1, max_norm / (norms[i] + 1e-6)) * w_i   (Opacus' clip factor)
        clipped_p = sum_i c_i g_i,p                            (one per wrt argument)
        summed_p  = sum_i w_i g_i,p                            (with `unclipped`; DiceSGD)

    where w are the optional `weights` (1 without them; 0 drops a padding row of a
    Poisson-sampled lot). The results are the loss, the norms [B], the clipped sums, then,
    with `unclipped`, the plain sums: sums, not means, so that the noise added next is
    calibrated to the sensitivity max_norm (kiln.dp_aggregate divides by the expected batch
    size after adding it).

    kiln-autodiff computes this in one backward pass: every op that consumes a `wrt`
    argument must implement PerSampleGradientOpInterface (linear layers and biases: the
    ghost-norm identity, then a second weighted contraction; over sequences of T rows per
    sample, the Gram form or the materialized per-sample gradient; layer norms; convolutions
    and channel biases: per-sample filter gradients from one grouped backward-weights), each
    argument may feed one
    such op, and ops that mix samples (batch_norm in training mode) are errors, as in
    Opacus. Other ops are assumed to act on each sample separately.

    ```mlir
    %loss, %norms, %gw, %gb = kiln.clipped_value_and_grad @loss(%w, %b, %x, %y) wrt [0, 1]
        weights %mask : tensor<128xf32> {max_norm = 1.0 : f64}
        : (tensor<784x10xf32>, tensor<10xf32>, tensor<128x784xf32>, tensor<128xi64>)
        -> (tensor<f32>, tensor<128xf32>, tensor<784x10xf32>, tensor<10xf32>)
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args,
                       Optional<RankedTensorOf<[F32, F64]>>:$weights,
                       DenseI64ArrayAttr:$wrt, Kiln_PositiveF64Attr:$max_norm,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_LossReduction>,
                                         "::kiln::LossReduction::Mean">:$loss_reduction,
                       UnitAttr:$unclipped);
  let results = (outs AnyRankedTensor:$loss, RankedTensorOf<[F32, F64]>:$norms,
                      Variadic<AnyRankedTensor>:$gradients);
  let assemblyFormat = [{
    $callee `(` $args `)` `wrt` $wrt (`weights` $weights^ `:` type($weights))? attr-dict
    `:` functional-type($args, results)
  }];
  let extraClassDeclaration = [{
    /// The clipped sums, one per `wrt` entry.
    ::mlir::ValueRange getClippedGradients() {
      return getGradients().take_front(getWrt().size());
    }
    /// The plain sums (empty without `unclipped`).
    ::mlir::ValueRange getUnclippedGradients() {
      return getGradients().drop_front(getWrt().size());
    }
  }];
}

def Kiln_JvpOp : Kiln_Op<"jvp", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A function's value and its derivative along tangents (jax.jvp)";
  let description = [{
    Forward mode: `callee` returns one floating-point tensor y(operands); with the
    arguments listed in `wrt` moved along `tangents` (one per entry, shaped like its
    argument), the results are y and its directional derivative `sum_i dy/dx_i . t_i`
    (a Jacobian-vector product, one forward pass). The other arguments are held fixed.

    kiln-autodiff expands it in place, before any reverse-mode request: the callee's body
    is copied at the op, each op followed by its JVP rule (ForwardDifferentiableOpInterface;
    an op on the tangents' path without one is an error located at it). Every op a rule
    builds has a VJP rule of its own, so a kiln.grad can differentiate a function that
    contains a kiln.jvp: reverse over forward, which kiln.ntk's VJP uses.

    ```mlir
    %y, %dy = kiln.jvp @forward(%w, %b, %x) wrt [0, 1] tangents(%tw, %tb : tensor<784x10xf32>, tensor<10xf32>)
        : (tensor<784x10xf32>, tensor<10xf32>, tensor<32x784xf32>) -> (tensor<32x10xf32>, tensor<32x10xf32>)
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$callee, Variadic<AnyType>:$args,
                       Variadic<RankedTensorOf<[F32, F64]>>:$tangents, DenseI64ArrayAttr:$wrt);
  let results = (outs RankedTensorOf<[F32, F64]>:$value, RankedTensorOf<[F32, F64]>:$tangent);
  let assemblyFormat = [{
    $callee `(` $args `)` `wrt` $wrt `tangents` `(` $tangents `:` type($tangents) `)` attr-dict
    `:` functional-type($args, results)
  }];
}

#endif // KILN_IR_AUTODIFF_TD
