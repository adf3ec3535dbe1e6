// SPDX-License-Identifier: Apache-2.0
// Optimizer-update ops: the exact update equations of ALGORITHMS.md / PyTorch, on one tensor.
#ifndef KILN_IR_OPTIMIZERS_TD
#define KILN_IR_OPTIMIZERS_TD

include "kiln/IR/KilnDialect.td"
include "kiln/IR/KilnInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Kiln_OptimizerOp<string mnemonic, list<string> typedValues, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [Pure, AllTypesMatch<typedValues>,
        Kiln_OptimizerUpdateOpInterface]>;

def Kiln_SgdOp : Kiln_OptimizerOp<"sgd", ["param", "grad", "new_param"]> {
  let summary = "Plain stochastic gradient descent step with optional L2 weight decay";
  let description = [{
    Updates one parameter tensor with PyTorch's `torch.optim.SGD` rule without momentum:

        g' = g + weight_decay * p
        p  = p - lr * g'

    The learning rate is the `lr` attribute, or the rank-0 tensor operand after the `lr`
    keyword when it changes from step to step (a schedule). Exactly one must be given.

    Example:

    ```mlir
    %p1 = kiln.sgd %p, %g {lr = 0.1 : f64} : tensor<128x64xf32>
    %p2 = kiln.sgd %p, %g lr(%lr) {weight_decay = 1.0e-4 : f64} : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad,
                       Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay);
  let results = (outs Kiln_ParamTensor:$new_param);
  let assemblyFormat = [{
    $param `,` $grad (`lr` `(` $dynamic_lr^ `)`)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 0); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_MomentumOp : Kiln_OptimizerOp<"momentum",
    ["param", "grad", "buf", "new_param", "new_buf"]> {
  let summary = "SGD with heavy-ball or Nesterov momentum (torch.optim.SGD semantics)";
  let description = [{
    Updates a parameter and its momentum buffer with PyTorch's `torch.optim.SGD` rule
    (dampening 0):

        g'  = g + weight_decay * p
        buf = momentum * buf + g'
        d   = nesterov ? g' + momentum * buf : buf
        p   = p - lr * d

    The buffer starts at zero. PyTorch initialises it to `g'` on the first step instead,
    which is the same value because `momentum * 0 + g' = g'`. `nesterov` requires a
    positive momentum, as in PyTorch.

    Example:

    ```mlir
    %p1, %b1 = kiln.momentum %p, %g, %b {lr = 0.025 : f64, momentum = 0.9 : f64,
                                          nesterov} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad, Kiln_ParamTensor:$buf,
                       Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$momentum,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       UnitAttr:$nesterov);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_buf);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $param `,` $grad `,` $buf (`lr` `(` $dynamic_lr^ `)`)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 1); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

// Adam and AdamW differ only in where weight decay enters and in its default.
class Kiln_AdamFamilyOp<string mnemonic, string defaultWeightDecay>
    : Kiln_OptimizerOp<mnemonic, ["param", "grad", "m", "v", "new_param", "new_m", "new_v"]> {
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad,
                       Kiln_ParamTensor:$m, Kiln_ParamTensor:$v, Kiln_StepTensor:$step,
                       Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, defaultWeightDecay>:$weight_decay);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_m,
                      Kiln_ParamTensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `step` `(` $step `)` (`lr` `(` $dynamic_lr^ `)`)?
    attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 2); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_AdamOp : Kiln_AdamFamilyOp<"adam", "0.0"> {
  let summary = "Adam step with bias correction and L2 weight decay (torch.optim.Adam)";
  let description = [{
    Updates a parameter and its first and second moments with PyTorch's `torch.optim.Adam`
    rule (`amsgrad=False`). `step` is the 1-based index t of this step, PyTorch's
    `state["step"]` after its increment; the caller increments it once per step and shares it
    between all parameters:

        g' = g + weight_decay * p                      (L2 decay folded into the gradient)
        m  = beta1 * m + (1 - beta1) * g'
        v  = beta2 * v + (1 - beta2) * g'^2
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps      (eps after bias-correcting sqrt(v))
        p  = p - (lr / (1 - beta1^t)) * m / denom

    The bias corrections are computed once per step in double precision, as PyTorch does
    with Python floats; the element-wise work is f32.

    Example:

    ```mlir
    %p1, %m1, %v1 = kiln.adam %p, %g, %m, %v step(%t) {lr = 1.0e-3 : f64}
        : tensor<256x784xf32>
    ```
  }];
}

def Kiln_AdamWOp : Kiln_AdamFamilyOp<"adamw", "1.0e-2"> {
  let summary = "AdamW step with decoupled weight decay (torch.optim.AdamW)";
  let description = [{
    Like `kiln.adam`, but weight decay is decoupled from the gradient, as in
    `torch.optim.AdamW` (default weight_decay 0.01):

        p  = p * (1 - lr * weight_decay)
        m  = beta1 * m + (1 - beta1) * g
        v  = beta2 * v + (1 - beta2) * g^2
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        p  = p - (lr / (1 - beta1^t)) * m / denom

    Example:

    ```mlir
    %p1, %m1, %v1 = kiln.adamw %p, %g, %m, %v step(%t) lr(%lr) {weight_decay = 0.1 : f64}
        : tensor<10xf32>
    ```
  }];
}

#endif // KILN_IR_OPTIMIZERS_TD
