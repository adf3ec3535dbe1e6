// SPDX-License-Identifier: Apache-2.0
// The enumerations of the kiln dialect's attributes, which the kiln_rt dialect shares where
// they reach the runtime (FRUGAL's configuration, the dataset fields of the entry-point
// contract): one definition each, as C++ enums with stringify/symbolize functions
// (-gen-enum-decls).
#ifndef KILN_ENUMS_KILNENUMS_TD
#define KILN_ENUMS_KILNENUMS_TD

include "mlir/IR/EnumAttr.td"

class Kiln_Enum<string name, string summary, list<I32EnumCase> cases>
    : I32Enum<name, summary, cases> {
  let cppNamespace = "::kiln";
}

// FRUGAL (docs/algorithms.md §2). The values are the runtime kernels' (Abi.h).
def Kiln_FrugalProjection : Kiln_Enum<"FrugalProjection",
    "a FRUGAL projection: columns, rows, coordinates or svd", [
  I32EnumCase<"Columns", 0, "columns">,
  I32EnumCase<"Rows", 1, "rows">,
  I32EnumCase<"Coordinates", 2, "coordinates">,
  I32EnumCase<"Svd", 3, "svd">]>;

def Kiln_FrugalStateFull : Kiln_Enum<"FrugalStateFull",
    "a state-full FRUGAL rule: adamw or momentum", [
  I32EnumCase<"AdamW", 0, "adamw">,
  I32EnumCase<"Momentum", 1, "momentum">]>;

def Kiln_FrugalStateFree : Kiln_Enum<"FrugalStateFree",
    "a state-free FRUGAL rule: sign_sgd or sgd", [
  I32EnumCase<"SignSgd", 0, "sign_sgd">,
  I32EnumCase<"Sgd", 1, "sgd">]>;

def Kiln_FrugalBlockOrder : Kiln_Enum<"FrugalBlockOrder",
    "an order of blockwise FRUGAL: ascending, descending or random (the "
    "reference's mirror is not supported)", [
  I32EnumCase<"Ascending", 0, "ascending">,
  I32EnumCase<"Descending", 1, "descending">,
  I32EnumCase<"Random", 2, "random">]>;

// The dataset field a training driver feeds an entry-point input (`kiln.data`); "val_*" is
// the second batch of a bilevel search step, from the other half of the training data.
def Kiln_DataField : Kiln_Enum<"DataField",
    "a dataset field: images, labels, val_images, val_labels or weights", [
  I32EnumCase<"Images", 0, "images">,
  I32EnumCase<"Labels", 1, "labels">,
  I32EnumCase<"ValImages", 2, "val_images">,
  I32EnumCase<"ValLabels", 3, "val_labels">,
  // Per-example weights of a batch: 1 for an example of a Poisson-sampled lot, 0 for padding.
  I32EnumCase<"Weights", 4, "weights">]>;

// kiln.train_step's differential privacy (docs/algorithms.md §4).
def Kiln_TrainPrivacy : Kiln_Enum<"TrainPrivacy", "a private training method: none, dp_sgd or dice_sgd", [
  I32EnumCase<"None", 0, "none">,
  I32EnumCase<"DpSgd", 1, "dp_sgd">,
  I32EnumCase<"DiceSgd", 2, "dice_sgd">]>;

// The collectives' reduction (kiln.all_reduce); the values are Abi.h's
// kiln_collective_config.reduction.
def Kiln_Reduction : Kiln_Enum<"Reduction", "a reduction over the ranks: sum or mean", [
  I32EnumCase<"Sum", 0, "sum">,
  I32EnumCase<"Mean", 1, "mean">]>;

// How kiln.train_step's gradients travel between the processes of a data-parallel run:
// none (one process, or each on its own); the mean of the gradients over the ranks, dense
// (kiln.exchange_gradients); or compressed (kiln.compressed_exchange), without feedback or
// with the error control of EF14, EF21 or EControl (docs/algorithms.md §3).
def Kiln_GradientExchange : Kiln_Enum<"GradientExchange",
    "a gradient exchange between processes: none, mean, compressed, ef14, ef21 or econtrol", [
  I32EnumCase<"None", 0, "none">,
  I32EnumCase<"Mean", 1, "mean">,
  I32EnumCase<"Compressed", 2, "compressed">,
  I32EnumCase<"Ef14", 3, "ef14">,
  I32EnumCase<"Ef21", 4, "ef21">,
  I32EnumCase<"EControl", 5, "econtrol">]>;

// The compressors of a compressed exchange; the values are the runtime's CompressorKind
// (kiln/runtime/distributed/Compression.h).
def Kiln_Compressor : Kiln_Enum<"Compressor",
    "a gradient compressor: top_k, top_k_threshold, rand_k, scaled_sign, bf16 or fp16", [
  I32EnumCase<"TopK", 0, "top_k">,
  I32EnumCase<"TopKThreshold", 1, "top_k_threshold">,
  I32EnumCase<"RandK", 2, "rand_k">,
  I32EnumCase<"ScaledSign", 3, "scaled_sign">,
  I32EnumCase<"Bf16", 4, "bf16">,
  I32EnumCase<"Fp16", 5, "fp16">]>;

// Entropic optimal transport (kiln.monge_gap, kiln.sinkhorn_divergence). The values are the
// runtime's (kiln/runtime/regularizers/OptimalTransport.h, Abi.h's kiln_transport_config).
def Kiln_TransportCost : Kiln_Enum<"TransportCost",
    "a ground cost: sqeuclidean (||x - y||^2) or euclidean (||x - y||)", [
  I32EnumCase<"SqEuclidean", 0, "sqeuclidean">,
  I32EnumCase<"Euclidean", 1, "euclidean">]>;

def Kiln_EpsilonMode : Kiln_Enum<"EpsilonMode",
    "how epsilon is read: absolute, or times the std or the mean of the cost matrix", [
  I32EnumCase<"Absolute", 0, "absolute">,
  I32EnumCase<"Std", 1, "std">,
  I32EnumCase<"Mean", 2, "mean">]>;

// kiln.ntk: what happens to the model's logit axis.
def Kiln_NtkLogits : Kiln_Enum<"NtkLogits",
    "an NTK logit contraction: trace, sum or full", [
  I32EnumCase<"Trace", 0, "trace">,
  I32EnumCase<"Sum", 1, "sum">,
  I32EnumCase<"Full", 2, "full">]>;

// Losses (kiln.mse, kiln.softmax_cross_entropy).
def Kiln_LossReduction : Kiln_Enum<"LossReduction", "a loss reduction: mean or sum", [
  I32EnumCase<"Mean", 0, "mean">,
  I32EnumCase<"Sum", 1, "sum">]>;

// kiln.variance_scaling (jax.nn.initializers.variance_scaling).
def Kiln_FanMode : Kiln_Enum<"FanMode", "a fan mode: fan_in, fan_out or fan_avg", [
  I32EnumCase<"FanIn", 0, "fan_in">,
  I32EnumCase<"FanOut", 1, "fan_out">,
  I32EnumCase<"FanAvg", 2, "fan_avg">]>;

def Kiln_InitDistribution : Kiln_Enum<"InitDistribution",
    "an initializer distribution: uniform or normal", [
  I32EnumCase<"Uniform", 0, "uniform">,
  I32EnumCase<"Normal", 1, "normal">]>;

// kiln.search_step (docs/algorithms.md §1).
def Kiln_SearchMethod : Kiln_Enum<"SearchMethod",
    "a search method: darts1, darts2, rarts or rarts_jacobi", [
  I32EnumCase<"Darts1", 0, "darts1">,
  I32EnumCase<"Darts2", 1, "darts2">,
  I32EnumCase<"Rarts", 2, "rarts">,
  I32EnumCase<"RartsJacobi", 3, "rarts_jacobi">]>;

def Kiln_ArchOptimizer : Kiln_Enum<"ArchOptimizer",
    "an architecture optimizer: adam or sgd", [
  I32EnumCase<"Adam", 0, "adam">,
  I32EnumCase<"Sgd", 1, "sgd">]>;

// kiln.train_step: the optimizers and schedules a generated step can use, by their ops' names.
def Kiln_TrainOptimizer : Kiln_Enum<"TrainOptimizer",
    "an optimizer: sgd, momentum, adam, adamw, amsgrad, adagrad, rmsprop, lion or sign_sgd", [
  I32EnumCase<"Sgd", 0, "sgd">,
  I32EnumCase<"Momentum", 1, "momentum">,
  I32EnumCase<"Adam", 2, "adam">,
  I32EnumCase<"AdamW", 3, "adamw">,
  I32EnumCase<"Amsgrad", 4, "amsgrad">,
  I32EnumCase<"Adagrad", 5, "adagrad">,
  I32EnumCase<"Rmsprop", 6, "rmsprop">,
  I32EnumCase<"Lion", 7, "lion">,
  I32EnumCase<"SignSgd", 8, "sign_sgd">]>;

def Kiln_TrainSchedule : Kiln_Enum<"TrainSchedule",
    "a learning-rate schedule: constant, linear, cosine_decay, warmup_cosine_decay, "
    "step_decay or uba", [
  I32EnumCase<"Constant", 0, "constant">,
  I32EnumCase<"Linear", 1, "linear">,
  I32EnumCase<"CosineDecay", 2, "cosine_decay">,
  I32EnumCase<"WarmupCosineDecay", 3, "warmup_cosine_decay">,
  I32EnumCase<"StepDecay", 4, "step_decay">,
  I32EnumCase<"Uba", 5, "uba">]>;

#endif // KILN_ENUMS_KILNENUMS_TD
