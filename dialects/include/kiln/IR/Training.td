// SPDX-License-Identifier: Apache-2.0
// Training steps generated from a loss: the parameters, optimizer state, counter, schedule,
// clipping and updates written once instead of once per parameter.
#ifndef KILN_IR_TRAINING_TD
#define KILN_IR_TRAINING_TD

include "kiln/IR/KilnDialect.td"
include "kiln/Enums/KilnEnums.td"
include "mlir/IR/SymbolInterfaces.td"

def Kiln_TrainStepOp : Kiln_Op<"train_step", [Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "A training step generated from a loss: gradients, clipping, schedule, updates";
  let description = [{
    Declares the step function `sym_name` that trains the parameters of `@loss` with one
    optimizer; kiln-train-step expands it into that function (as TVM Relax's SetupTrainer
    or ONNX Runtime's training artifacts do), out of the same ops a hand-written step uses:

        loss, g = kiln.value_and_grad @loss(params, batch)
        g       = kiln.clip_by_global_norm g {max_norm = clip_global_norm}   (if > 0)
        lr      = the schedule at the counter (Optax's count: 0 on the first step)
        t       = counter + 1
        params, state = the optimizer on each parameter, with step t

    `@loss` takes the parameters and the batch (arguments with `kiln.data` "images" /
    "labels") in any order and returns one `tensor<f32>`; every parameter carries its
    `kiln.init`. The step takes the parameters in the loss's order, then the optimizer
    state (all of the first kind, then all of the second, ...; zeros), then the counter
    (`tensor<i64>`, zeros), then the batch; it returns the updated parameters, state and
    counter, and the loss: kiln-run's training convention. Arguments are named after the
    loss's (`w1`) and the state after its optimizer, kind and parameter (`adam.m.w1`), so
    checkpoints and errors say which tensor is which.

    `optimizer` names one of the optimizer ops (`kiln.adamw`, ...) and `options` holds its
    other attributes (`{beta2 = 0.95 : f64}`), checked against the op; `weight_decay` is
    that op's own (L2 for adam, decoupled for adamw and lion). With `schedule` other than
    "constant", `lr` is the schedule's peak (`init_value` of linear's end, cosine_decay,
    step_decay; `peak_value` of warmup_cosine_decay; `max_value` of uba) and
    `schedule_options` its other attributes. A length may be given in epochs instead of
    steps (`decay_epochs = 10` for `decay_steps`, `step_size_epochs` for `step_size`, an
    integer or a float): kiln-train-step multiplies it by the steps per epoch, which the
    driver knows from the data set and the batch (kiln-run; kiln-compile --train-examples).
    A loss written for any batch size (`tensor<?x784xf32>`) is compiled for `batch`
    unless the driver is given another (`--batch N`, kiln-specialize-batch).
    With `forward`, a function of the parameters
    and the images returning logits, the pass also writes `@eval_step`: the same
    parameters and batch in, the loss and the number of correct rows out.

    With `exchange = "mean"` the step is data-parallel: every process (rank) of the run
    computes the gradients of its own shard of the batch, and kiln.exchange_gradients
    replaces them by their mean over the ranks (the gradient of the whole batch, as
    PyTorch's DDP) before the clipping and the updates; kiln-data-parallel writes the
    exchange as bucketed collectives. Run alone, the step is the plain one. With `exchange`
    = "compressed", "ef14", "ef21" or "econtrol" the gradients travel compressed instead
    (kiln.compressed_exchange; docs/algorithms.md §3): `compressor` (default "top_k") keeps
    `compression_ratio` of the coordinates (default 0.01, at least one) for top-k and
    rand-k, EControl's `eta` must be given, and the error-control state is per parameter:
    `<exchange>.e.<param>`, `<exchange>.h.<param>`, `<exchange>.hbar.<param>` (zeros).
    Other passes that change the gradients find them as the results of the step's
    kiln.value_and_grad and slot in there too.

    With `privacy` = "dp_sgd" or "dice_sgd" the gradients are private instead
    (docs/algorithms.md §4): kiln.clipped_value_and_grad clips each example's gradient to
    `max_grad_norm` (C; DiceSGD's C1) on a batch of static size B whose examples carry
    weights (an argument with `kiln.data = "weights"`: 1 for an example of the lot, 0 for
    padding), and kiln.dp_aggregate (or kiln.dice_feedback, with `error_max_norm` = C2,
    default C1, and the error state `dice.e.<param>`) adds the noise and divides by the
    expected lot. The noise multiplier and the expected lot size are inputs of the step
    (`dp.noise_multiplier`, initialised to `noise_multiplier`, default 1.0, and `dp.lot`,
    `expected_batch_size`, default B), the noise key is `dp.key` (initialised from the
    driver's seed), and the clipped sums accumulate in `dp.acc.<param>` (and the plain sums
    of DiceSGD in `dp.acc_sum.<param>`): `@<sym_name>_accumulate`, with the same signature,
    only adds a physical batch's sums, so that a lot larger than B is processed in several
    calls before the step itself adds the last, the noise and the update (Opacus'
    BatchMemoryManager). `clip_global_norm` does not combine with `privacy`.

    ```mlir
    kiln.train_step @train_step(@loss) {optimizer = "adamw", lr = 1.0e-3 : f64,
        weight_decay = 1.0e-2 : f64, clip_global_norm = 1.0 : f64,
        schedule = "warmup_cosine_decay",
        schedule_options = {warmup_epochs = 1, decay_epochs = 10},
        forward = @forward, batch = 128}
    kiln.train_step @ddp_step(@loss) {optimizer = "adam", lr = 1.0e-3 : f64,
        exchange = "mean", batch = 64}
    kiln.train_step @econtrol_step(@loss) {optimizer = "sgd", lr = 0.1 : f64,
        exchange = "econtrol", compressor = "top_k", compression_ratio = 0.01 : f64,
        eta = 0.2 : f64, batch = 64}
    kiln.train_step @private_step(@loss) {optimizer = "sgd", lr = 0.5 : f64,
        privacy = "dp_sgd", max_grad_norm = 1.0 : f64, noise_multiplier = 1.1 : f64,
        expected_batch_size = 256, batch = 320}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$loss,
                       Kiln_StrEnumAttr<Kiln_TrainOptimizer>:$optimizer,
                       Kiln_NonNegF64Attr:$lr,
                       OptionalAttr<Kiln_NonNegF64Attr>:$weight_decay,
                       OptionalAttr<DictionaryAttr>:$options,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_TrainSchedule>,
                                         "::kiln::TrainSchedule::Constant">:$schedule,
                       OptionalAttr<DictionaryAttr>:$schedule_options,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.0">:$clip_global_norm,
                       OptionalAttr<FlatSymbolRefAttr>:$forward,
                       OptionalAttr<Kiln_PositiveI64Attr>:$batch,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_GradientExchange>,
                                         "::kiln::GradientExchange::None">:$exchange,
                       OptionalAttr<Kiln_StrEnumAttr<Kiln_Compressor>>:$compressor,
                       OptionalAttr<Kiln_PositiveF64Attr>:$compression_ratio,
                       OptionalAttr<Kiln_PositiveF64Attr>:$eta,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_TrainPrivacy>,
                                         "::kiln::TrainPrivacy::None">:$privacy,
                       OptionalAttr<Kiln_PositiveF64Attr>:$max_grad_norm,
                       OptionalAttr<Kiln_NonNegF64Attr>:$noise_multiplier,
                       OptionalAttr<Kiln_PositiveF64Attr>:$error_max_norm,
                       OptionalAttr<Kiln_PositiveI64Attr>:$expected_batch_size);
  let assemblyFormat = "$sym_name `(` $loss `)` attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The name of the function the op writes besides its step: "eval_step".
    static ::llvm::StringRef getEvalStepName() { return "eval_step"; }
    /// With privacy: the entry point that only accumulates a physical batch's sums.
    std::string getAccumulateName() { return (getSymName() + "_accumulate").str(); }
    /// The optimizer op ("kiln.adamw") and the kinds of state it keeps per parameter, in
    /// its operand order ("m", "v").
    ::mlir::OperationName getOptimizerOpName();
    static ::llvm::ArrayRef<::llvm::StringLiteral> getStateKinds(::kiln::TrainOptimizer);
    /// Whether the optimizer takes the 1-based step (bias corrections, lr decay).
    static bool takesStep(::kiln::TrainOptimizer);
    /// The schedule op ("kiln.cosine_decay_schedule") and the attribute `lr` sets in it;
    /// none for "constant".
    std::optional<::mlir::OperationName> getScheduleOpName();
    static ::llvm::StringRef getScheduleRateAttrName(::kiln::TrainSchedule);
    /// The schedule attribute in steps that a `schedule_options` entry in epochs stands
    /// for ("decay_epochs" -> "decay_steps", "step_size_epochs" -> "step_size"); empty
    /// when `name` is not a length in epochs.
    static ::std::string getStepsOptionName(::llvm::StringRef name);
  }];
}

#endif // KILN_IR_TRAINING_TD
