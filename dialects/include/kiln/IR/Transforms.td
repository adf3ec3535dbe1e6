// SPDX-License-Identifier: Apache-2.0
// Composable gradient transforms in the style of Optax: each maps updates to updates, and
// kiln-fuse turns a chain of them and the final apply into a single loop.
#ifndef KILN_IR_TRANSFORMS_TD
#define KILN_IR_TRANSFORMS_TD

include "kiln/IR/KilnDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_ClipOp : Kiln_Op<"clip", [Pure, AllTypesMatch<["updates", "result"]>]> {
  let summary = "Clip every update element to [-max_delta, max_delta] (optax.clip)";
  let description = [{
    Element-wise `min(max(u, -max_delta), max_delta)`, PyTorch's `clip_grad_value_`.

    ```mlir
    %c = kiln.clip %g {max_delta = 1.0 : f64} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$updates, Kiln_NonNegF64Attr:$max_delta);
  let results = (outs Kiln_ParamTensor:$result);
  let assemblyFormat = "$updates attr-dict `:` type($updates)";
}

def Kiln_ClipByGlobalNormOp : Kiln_Op<"clip_by_global_norm", [Pure, AllTypesMatch<["updates", "results"]>]> {
  let summary = "Scale all updates so their joint L2 norm is at most max_norm";
  let description = [{
    PyTorch's `clip_grad_norm_` over the concatenation of every operand (the gradients of all
    parameters of a step):

        norm = sqrt(sum_i |g_i|^2)
        coef = min(1, max_norm / (norm + 1e-6))
        g_i  = g_i * coef

    Optax's `clip_by_global_norm` is the same without the 1e-6. Lowered to one reduction pass
    over the gradients, then a scale that fuses into whatever consumes the results.

    ```mlir
    %c:2 = kiln.clip_by_global_norm %gw, %gb {max_norm = 5.0 : f64}
        : tensor<256x784xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_ParamTensor>:$updates, Kiln_NonNegF64Attr:$max_norm);
  let results = (outs Variadic<Kiln_ParamTensor>:$results);
  let assemblyFormat = "$updates attr-dict `:` type($updates)";
  let hasVerifier = 1;
}

def Kiln_ScaleByAdamOp : Kiln_Op<"scale_by_adam",
    [Pure, AllTypesMatch<["updates", "m", "v", "result", "new_m", "new_v"]>]> {
  let summary = "Adam's direction without the learning rate (optax.scale_by_adam)";
  let description = [{
    With t the 1-based step:

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        u = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

    Chain it with `kiln.add_decayed_weights`, `kiln.scale` and `kiln.apply_updates` to build
    AdamW as Optax does; kiln-fuse makes the chain one loop.

    ```mlir
    %u, %m1, %v1 = kiln.scale_by_adam %g, %m, %v step(%t) : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$updates, Kiln_ParamTensor:$m, Kiln_ParamTensor:$v,
                       Kiln_StepTensor:$step,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.9">:$beta1,
                       DefaultValuedAttr<Kiln_UnitIntervalF64Attr, "0.999">:$beta2,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-8">:$eps);
  let results = (outs Kiln_ParamTensor:$result, Kiln_ParamTensor:$new_m,
                      Kiln_ParamTensor:$new_v);
  let assemblyFormat = [{
    $updates `,` $m `,` $v `step` `(` $step `)` attr-dict `:` type($updates)
  }];
}

def Kiln_AddDecayedWeightsOp : Kiln_Op<"add_decayed_weights",
    [Pure, AllTypesMatch<["updates", "params", "result"]>]> {
  let summary = "Add weight_decay * params to the updates (optax.add_decayed_weights)";
  let description = [{
    `u + weight_decay * p`.

    ```mlir
    %u1 = kiln.add_decayed_weights %u, %p {weight_decay = 1.0e-4 : f64} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$updates, Kiln_ParamTensor:$params,
                       Kiln_NonNegF64Attr:$weight_decay);
  let results = (outs Kiln_ParamTensor:$result);
  let assemblyFormat = "$updates `,` $params attr-dict `:` type($updates)";
}

def Kiln_ScaleOp : Kiln_Op<"scale", [Pure, AllTypesMatch<["updates", "result"]>]> {
  let summary = "Multiply updates by a constant and optionally a per-step scalar";
  let description = [{
    `u * factor`, or `u * factor * s` with `by(%s)` a rank-0 tensor such as a learning-rate
    schedule. `optax.scale_by_learning_rate(lr)` is `kiln.scale %u by(%lr) {factor = -1.0}`.

    ```mlir
    %step = kiln.scale %u by(%lr) {factor = -1.0 : f64} : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$updates, Optional<Kiln_ScalarF32Tensor>:$scalar,
                       Kiln_FiniteF64Attr:$factor);
  let results = (outs Kiln_ParamTensor:$result);
  let assemblyFormat = "$updates (`by` `(` $scalar^ `)`)? attr-dict `:` type($updates)";
}

def Kiln_ApplyUpdatesOp : Kiln_Op<"apply_updates",
    [Pure, AllTypesMatch<["params", "updates", "new_params"]>]> {
  let summary = "params + updates (optax.apply_updates), written in place of the params";
  let description = [{
    ```mlir
    %p1 = kiln.apply_updates %p, %u : tensor<64xf32>
    ```
  }];
  let arguments = (ins Kiln_ParamTensor:$params, Kiln_ParamTensor:$updates);
  let results = (outs Kiln_ParamTensor:$new_params);
  let assemblyFormat = "$params `,` $updates attr-dict `:` type($params)";
}

#endif // KILN_IR_TRANSFORMS_TD
