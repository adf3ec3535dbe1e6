// SPDX-License-Identifier: Apache-2.0
// Learning-rate schedules: functions of the step counter giving a rank-0 f32 tensor, to feed
// an optimizer's lr(...) operand or kiln.scale.
#ifndef KILN_IR_SCHEDULES_TD
#define KILN_IR_SCHEDULES_TD

include "kiln/IR/KilnDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_PositiveI64Attr : ConfinedAttr<I64Attr, [IntPositive]>;
def Kiln_NonNegI64Attr : ConfinedAttr<I64Attr, [IntNonNegative]>;

class Kiln_ScheduleOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [Pure]> {
  let results = (outs Kiln_ScalarF32Tensor:$value);
  let assemblyFormat = "$count attr-dict";
}

def Kiln_LinearScheduleOp : Kiln_ScheduleOp<"linear_schedule"> {
  let summary = "Linear ramp from init_value to end_value (optax.linear_schedule)";
  let description = [{
    At count c (the value of the operand, as Optax's schedule(count)):

        k = clip(c - transition_begin, 0, transition_steps)
        value = init_value + (end_value - init_value) * k / transition_steps

    A linear warm-up is `init_value = 0`.

    ```mlir
    %lr = kiln.linear_schedule %t {init_value = 0.0 : f64, end_value = 1.0e-3 : f64,
                                   transition_steps = 1000 : i64}
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$count, Kiln_FiniteF64Attr:$init_value, Kiln_FiniteF64Attr:$end_value,
                       Kiln_PositiveI64Attr:$transition_steps,
                       DefaultValuedAttr<Kiln_NonNegI64Attr, "0">:$transition_begin);
}

def Kiln_CosineDecayScheduleOp : Kiln_ScheduleOp<"cosine_decay_schedule"> {
  let summary = "Cosine decay (optax.cosine_decay_schedule)";
  let description = [{
        k = min(c, decay_steps)
        value = init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * k / decay_steps)))^exponent + alpha)

    ```mlir
    %lr = kiln.cosine_decay_schedule %t {init_value = 0.025 : f64, decay_steps = 50000 : i64,
                                         alpha = 0.04 : f64}
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$count, Kiln_FiniteF64Attr:$init_value,
                       Kiln_PositiveI64Attr:$decay_steps,
                       DefaultValuedAttr<Kiln_FiniteF64Attr, "0.0">:$alpha,
                       DefaultValuedAttr<Kiln_FiniteF64Attr, "1.0">:$exponent);
}

def Kiln_WarmupCosineDecayScheduleOp : Kiln_ScheduleOp<"warmup_cosine_decay_schedule"> {
  let summary = "Linear warm-up then cosine decay (optax.warmup_cosine_decay_schedule)";
  let description = [{
    For c < warmup_steps a linear ramp from init_value to peak_value; after it a cosine decay
    from peak_value to end_value over the remaining decay_steps - warmup_steps steps.

    ```mlir
    %lr = kiln.warmup_cosine_decay_schedule %t {init_value = 0.0 : f64, peak_value = 1.0e-3 : f64,
        warmup_steps = 100 : i64, decay_steps = 1000 : i64, end_value = 1.0e-5 : f64}
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$count, Kiln_FiniteF64Attr:$init_value, Kiln_FiniteF64Attr:$peak_value,
                       Kiln_NonNegI64Attr:$warmup_steps, Kiln_PositiveI64Attr:$decay_steps,
                       DefaultValuedAttr<Kiln_FiniteF64Attr, "0.0">:$end_value,
                       DefaultValuedAttr<Kiln_FiniteF64Attr, "1.0">:$exponent);
  let hasVerifier = 1;
}

def Kiln_StepDecayScheduleOp : Kiln_ScheduleOp<"step_decay_schedule"> {
  let summary = "Multiply by gamma every step_size steps (torch.optim.lr_scheduler.StepLR)";
  let description = [{
        value = init_value * gamma^floor(c / step_size)

    ```mlir
    %lr = kiln.step_decay_schedule %t {init_value = 0.1 : f64, step_size = 30 : i64,
                                       gamma = 0.1 : f64}
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$count, Kiln_FiniteF64Attr:$init_value,
                       Kiln_PositiveI64Attr:$step_size, Kiln_NonNegF64Attr:$gamma);
}

def Kiln_UbaScheduleOp : Kiln_ScheduleOp<"uba_schedule"> {
  let summary = "Unified budget-aware schedule (UBA, docs/algorithms.md §7.4)";
  let description = [{
    Tang et al. 2025, as in the third-party implementation that docs/algorithms.md §7.4 quotes
    (the paper's own formula is unverified). Linear warm-up from 0 to max_value over
    warmup_steps, then with p = clip((c - warmup_steps) / (total_steps - warmup_steps), 0, 1)
    and s = 1 + cos(pi p):

        value = min_value + (max_value - min_value) * 2 s / (2 phi + (2 - phi) s)

    phi > 0: 2 is cosine annealing; a smaller phi keeps the rate high longer.

    ```mlir
    %lr = kiln.uba_schedule %t {max_value = 0.1 : f64, min_value = 0.0 : f64,
                                total_steps = 1000 : i64, phi = 1.0 : f64}
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$count, Kiln_FiniteF64Attr:$max_value, Kiln_FiniteF64Attr:$min_value,
                       Kiln_PositiveI64Attr:$total_steps, Kiln_NonNegF64Attr:$phi,
                       DefaultValuedAttr<Kiln_NonNegI64Attr, "0">:$warmup_steps);
  let hasVerifier = 1;
}

#endif // KILN_IR_SCHEDULES_TD
