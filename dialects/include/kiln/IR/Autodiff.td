// SPDX-License-Identifier: Apache-2.0
// Reverse-mode differentiation of a function with respect to chosen arguments.
#ifndef KILN_IR_AUTODIFF_TD
#define KILN_IR_AUTODIFF_TD

include "kiln/IR/KilnDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/CallInterfaces.td"

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

#endif // KILN_IR_AUTODIFF_TD
