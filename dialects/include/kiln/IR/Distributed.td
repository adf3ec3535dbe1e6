// SPDX-License-Identifier: Apache-2.0
// Data-parallel training: collectives between the processes that run one program, and the
// gradient exchange that kiln-data-parallel writes with them. docs/algorithms.md §3.
#ifndef KILN_IR_DISTRIBUTED_TD
#define KILN_IR_DISTRIBUTED_TD

include "kiln/IR/KilnDialect.td"
include "kiln/Enums/KilnEnums.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A collective reads and writes the process group: it is never erased, merged with another
// or moved across one, because every rank must make the same collectives in the same order.
class Kiln_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [MemoryEffects<[MemRead, MemWrite]>]>;

def Kiln_AllReduceOp : Kiln_CollectiveOp<"all_reduce", [AllTypesMatch<["inputs", "results"]>]> {
  let summary = "The sum or mean of tensors over the ranks of a data-parallel run";
  let description = [{
    Every rank passes tensors of the same types and receives, for each, the element-wise
    sum over the ranks (`reduction = "sum"`) or that sum divided by the rank count
    (`"mean"`, the default); every rank gets the same bits. The tensors of one op travel
    as one message (a bucket). A process started without a launcher is one rank: the
    results are the inputs. The runtime counts the bytes each rank sends
    (kiln/runtime/distributed/Communicator.h).

    ```mlir
    %gw, %gb = kiln.all_reduce %w, %b {reduction = "mean"} : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<RankedTensorOf<[F32, F64]>>:$inputs,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_Reduction>,
                                         "::kiln::Reduction::Mean">:$reduction);
  let results = (outs Variadic<RankedTensorOf<[F32, F64]>>:$results);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
  let hasVerifier = 1;
}

def Kiln_BroadcastFromOp : Kiln_CollectiveOp<"broadcast_from", [AllTypesMatch<["inputs", "results"]>]> {
  let summary = "Rank `root`'s tensors on every rank";
  let description = [{
    Every rank passes tensors of the same types; each result is `root`'s value of the
    operand (default rank 0): how ranks that initialised their parameters apart start
    from one model.

    ```mlir
    %w0 = kiln.broadcast_from %w {root = 0} : tensor<784x10xf32>
    ```
  }];
  let arguments = (ins Variadic<RankedTensorOf<[F32, F64]>>:$inputs,
                       DefaultValuedAttr<ConfinedAttr<I64Attr, [IntNonNegative]>, "0">:$root);
  let results = (outs Variadic<RankedTensorOf<[F32, F64]>>:$results);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs)";
  let hasVerifier = 1;
}

def Kiln_AllGatherOp : Kiln_CollectiveOp<"all_gather"> {
  let summary = "Every rank's tensor, stacked in rank order";
  let description = [{
    `result[r] = input on rank r` for a run of `ranks` processes: the result's leading
    dimension is the rank count the program is compiled for, and the runtime refuses (a
    located error, every rank exits) to run it on another number. Compressed messages
    (indices and values) travel this way.

    ```mlir
    %all = kiln.all_gather %msg {ranks = 4} : tensor<128xf32> -> tensor<4x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F64]>:$input,
                       ConfinedAttr<I64Attr, [IntPositive]>:$ranks);
  let results = (outs RankedTensorOf<[F32, F64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_ExchangeGradientsOp : Kiln_CollectiveOp<"exchange_gradients",
    [AllTypesMatch<["gradients", "results"]>]> {
  let summary = "The gradients of one step, exchanged between the ranks of a data-parallel run";
  let description = [{
    What every rank should apply instead of its own gradients: with `method = "mean"`,
    their mean over the ranks (DDP's all-reduce; with every rank on its own shard of the
    batch, the gradient of the whole batch). kiln-train-step writes it between a
    generated step's backward pass and its clipping and updates (kiln.train_step's
    `exchange`); kiln-data-parallel decides how it travels: small tensors share a bucket,
    one kiln.all_reduce each, at most its `bucket-bytes` option per bucket.

    ```mlir
    %gw, %gb = kiln.exchange_gradients %dw, %db {method = "mean"}
        : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<RankedTensorOf<[F32, F64]>>:$gradients,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_GradientExchange>,
                                         "::kiln::GradientExchange::Mean">:$method);
  let results = (outs Variadic<RankedTensorOf<[F32, F64]>>:$results);
  let assemblyFormat = "$gradients attr-dict `:` type($gradients)";
  let hasVerifier = 1;
}

def Kiln_CompressedExchangeOp : Kiln_CollectiveOp<"compressed_exchange", [
    AttrSizedOperandSegments, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "The gradients of one step, compressed with error control and exchanged";
  let description = [{
    The gradients, taken as one vector x in R^d (d their total size), are compressed and
    exchanged as `method` says (docs/algorithms.md §3), and each rank applies the
    `directions` instead of its gradients:

    - "compressed": the mean of every rank's C(g), no feedback;
    - "ef14": p = e + g, send C(p), e = p - C(p); the direction is the mean of the C(p);
    - "ef21": send C(g - h), h += C(g - h), h-bar += their mean; the direction is h-bar;
    - "econtrol": send D = C(`eta` e + g - h), e += g - h - D, h += D, h-bar += the mean
      of the D; the direction is h-bar.

    EF21 and EControl start with one uncompressed round (`step` = 1: h = g, h-bar = the
    mean of g). The state is ordinary training state, one tensor per gradient and kind, in
    this order: e (ef14, econtrol), h, h-bar (ef21, econtrol); zeros before the first step.
    `compressor` is "top_k" (the `k` largest magnitudes over all gradients, ties to the
    lowest index; k indices and k values travel), "top_k_threshold" (those above a
    sampled quantile, at most k), "rand_k" (k coordinates drawn from `key` and the step,
    the same on every rank: only k values travel), "scaled_sign" (1 bit per coordinate and
    one scale) or "bf16"/"fp16" (16 bits per coordinate). The runtime counts the bytes.
    One step, one message per rank: the whole selection, residual and state update run in
    one runtime kernel (kiln/runtime/distributed/Compression.h).

    ```mlir
    %dw, %db, %ew, %eb, %hw, %hb, %sw, %sb = kiln.compressed_exchange %gw, %gb
        state(%e0, %e1, %h0, %h1, %s0, %s1 : tensor<784x10xf32>, tensor<10xf32>,
              tensor<784x10xf32>, tensor<10xf32>, tensor<784x10xf32>, tensor<10xf32>)
        step(%t) {method = "econtrol", compressor = "top_k", k = 79, eta = 0.5 : f64}
        : tensor<784x10xf32>, tensor<10xf32>
    ```
  }];
  let arguments = (ins Variadic<RankedTensorOf<[F32, F64]>>:$gradients,
                       Variadic<RankedTensorOf<[F32, F64]>>:$state, Kiln_StepTensor:$step,
                       Kiln_StrEnumAttr<Kiln_GradientExchange>:$method,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_Compressor>,
                                         "::kiln::Compressor::TopK">:$compressor,
                       DefaultValuedAttr<I64Attr, "1">:$k,
                       DefaultValuedAttr<F64Attr, "1.0">:$eta,
                       DefaultValuedAttr<I64Attr, "0">:$key);
  // The directions (typed as the gradients), then the new state (as the state).
  let results = (outs Variadic<RankedTensorOf<[F32, F64]>>:$results);
  let assemblyFormat = [{
    $gradients (`state` `(` $state^ `:` type($state) `)`)? `step` `(` $step `)` attr-dict
    `:` type($gradients)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The kinds of state `method` keeps, one tensor per gradient each: ["e"], ["h",
    /// "hbar"] or ["e", "h", "hbar"].
    static ::llvm::SmallVector<::llvm::StringRef> getStateKinds(::kiln::GradientExchange);
    /// The total number of coordinates of the gradients.
    int64_t getCoordinates();
    ::mlir::ResultRange getDirections() {
      return getResults().take_front(getGradients().size());
    }
    ::mlir::ResultRange getNewState() { return getResults().drop_front(getGradients().size()); }
  }];
}

#endif // KILN_IR_DISTRIBUTED_TD
