// SPDX-License-Identifier: Apache-2.0
// Optimizer-update ops: the exact update equations of docs/algorithms.md §8 / PyTorch, on one tensor.
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

def Kiln_AmsgradOp : Kiln_OptimizerOp<"amsgrad",
    ["param", "grad", "m", "v", "vmax", "new_param", "new_m", "new_v", "new_vmax"]> {
  let summary = "Adam or AdamW with the AMSGrad maximum of second moments";
  let description = [{
    `torch.optim.Adam(amsgrad=True)`, or `torch.optim.AdamW(amsgrad=True)` with
    `decoupled_weight_decay`. The denominator uses the running maximum of the second moment:

        vmax  = max(vmax, v)
        denom = sqrt(vmax) / sqrt(1 - beta2^t) + eps

    otherwise exactly as `kiln.adam` (or `kiln.adamw` when decoupled).

    Example:

    ```mlir
    %p1, %m1, %v1, %x1 = kiln.amsgrad %p, %g, %m, %v, %x step(%t)
        {lr = 1.0e-3 : f64, weight_decay = 0.01 : f64, decoupled_weight_decay} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad,
                       Kiln_ParamTensor:$m, Kiln_ParamTensor:$v, Kiln_ParamTensor:$vmax,
                       Kiln_StepTensor:$step, Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       UnitAttr:$decoupled_weight_decay);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_m,
                      Kiln_ParamTensor:$new_v, Kiln_ParamTensor:$new_vmax);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $vmax `step` `(` $step `)` (`lr` `(` $dynamic_lr^ `)`)?
    attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 3); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_AdagradOp : Kiln_OptimizerOp<"adagrad", ["param", "grad", "sum", "new_param", "new_sum"],
                                      [AttrSizedOperandSegments]> {
  let summary = "Adagrad step (torch.optim.Adagrad)";
  let description = [{
    `torch.optim.Adagrad`: with t the 1-based step (needed only when `lr_decay` is set),

        clr = lr / (1 + (t - 1) * lr_decay)
        g'  = g + weight_decay * p
        sum = sum + g'^2
        p   = p - clr * g' / (sqrt(sum) + eps)

    The accumulator starts at PyTorch's `initial_accumulator_value` (0 by default): fill the
    state tensor with it.

    Example:

    ```mlir
    %p1, %s1 = kiln.adagrad %p, %g, %s {lr = 0.01 : f64} : tensor<64xf32>
    %p2, %s2 = kiln.adagrad %p, %g, %s step(%t) {lr = 0.01 : f64, lr_decay = 1.0e-4 : f64}
        : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad, Kiln_ParamTensor:$sum,
                       Optional<Kiln_StepTensor>:$step, Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$lr_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-10">:$eps);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_sum);
  let hasVerifier = 1;
  let assemblyFormat = [{
    $param `,` $grad `,` $sum (`step` `(` $step^ `)`)? (`lr` `(` $dynamic_lr^ `)`)?
    attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 1); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_RmspropOp : Kiln_OptimizerOp<"rmsprop",
    ["param", "grad", "square_avg", "new_param", "new_square_avg"]> {
  let summary = "RMSprop step (torch.optim.RMSprop, not centered, no momentum)";
  let description = [{
    `torch.optim.RMSprop(centered=False, momentum=0)`:

        g'  = g + weight_decay * p
        sq  = alpha * sq + (1 - alpha) * g'^2
        p   = p - lr * g' / (sqrt(sq) + eps)

    Example:

    ```mlir
    %p1, %s1 = kiln.rmsprop %p, %g, %s {lr = 0.01 : f64, alpha = 0.99 : f64} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad,
                       Kiln_ParamTensor:$square_avg, Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.99">:$alpha,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_square_avg);
  let assemblyFormat = [{
    $param `,` $grad `,` $square_avg (`lr` `(` $dynamic_lr^ `)`)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 1); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_LionOp : Kiln_OptimizerOp<"lion", ["param", "grad", "m", "new_param", "new_m"]> {
  let summary = "Lion step (Chen et al. 2023; optax.lion)";
  let description = [{
    The sign of an interpolation of momentum and gradient, with decoupled weight decay:

        u = sign(beta1 * m + (1 - beta1) * g)          (sign(0) = 0)
        p = p * (1 - lr * weight_decay) - lr * u
        m = beta2 * m + (1 - beta2) * g

    Defaults are the paper's and Optax's: beta1 0.9, beta2 0.99.

    Example:

    ```mlir
    %p1, %m1 = kiln.lion %p, %g, %m {lr = 1.0e-4 : f64, weight_decay = 0.1 : f64}
        : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad, Kiln_ParamTensor:$m,
                       Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.99">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay);
  let results = (outs Kiln_ParamTensor:$new_param, Kiln_ParamTensor:$new_m);
  let assemblyFormat = [{
    $param `,` $grad `,` $m (`lr` `(` $dynamic_lr^ `)`)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 1); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

def Kiln_SignSgdOp : Kiln_OptimizerOp<"sign_sgd", ["param", "grad", "new_param"]> {
  let summary = "signSGD step, optionally scaled by the mean absolute gradient";
  let description = [{
    signSGD (Bernstein et al. 2018), the state-free rule of FRUGAL:

        p = p - lr * sign(g)                     (sign(0) = 0, as torch.sign)

    With `scaled`, the step is scaled by the mean absolute gradient of the tensor, the
    "scaled sign" compressor of Karimireddy et al. (2019), which keeps the step's L1 norm:

        p = p - lr * (|g|_1 / numel) * sign(g)

    That needs one reduction over g before the update. `weight_decay` is decoupled, applied
    first: p = p * (1 - lr * weight_decay).

    Example:

    ```mlir
    %p1 = kiln.sign_sgd %p, %g {lr = 1.0e-3 : f64, scaled} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$param, Kiln_ParamTensor:$grad,
                       Optional<Kiln_ScalarF32Tensor>:$dynamic_lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$lr,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$weight_decay,
                       UnitAttr:$scaled);
  let results = (outs Kiln_ParamTensor:$new_param);
  let assemblyFormat = [{
    $param `,` $grad (`lr` `(` $dynamic_lr^ `)`)? attr-dict `:` type($param)
  }];
  let extraClassDeclaration = [{
    ::mlir::OperandRange getState() { return getOperation()->getOperands().slice(2, 0); }
    ::mlir::ResultRange getNewState() { return getOperation()->getResults().drop_front(); }
  }];
}

#endif // KILN_IR_OPTIMIZERS_TD
