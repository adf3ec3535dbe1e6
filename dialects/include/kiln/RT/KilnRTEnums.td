// SPDX-License-Identifier: Apache-2.0
// The enumerations of the kiln_rt dialect alone (the shared ones are kiln/Enums/KilnEnums.td).
#ifndef KILN_RT_KILNRTENUMS_TD
#define KILN_RT_KILNRTENUMS_TD

include "mlir/IR/EnumAttr.td"

/// The runtime's library kernels (Abi.h, KILN_ABI_KERNELS); the symbol of a call is
/// kiln_<kernel>_<f32|f64>.
def KilnRT_Kernel : I32Enum<"Kernel", "a runtime library kernel", [
  I32EnumCase<"Conv2d", 0, "conv2d">,
  I32EnumCase<"Conv2dGradInput", 1, "conv2d_grad_input">,
  I32EnumCase<"Conv2dGradFilter", 2, "conv2d_grad_filter">,
  I32EnumCase<"MaxPool2d", 3, "max_pool2d">,
  I32EnumCase<"MaxPool2dGrad", 4, "max_pool2d_grad">,
  I32EnumCase<"AvgPool2d", 5, "avg_pool2d">,
  I32EnumCase<"AvgPool2dGrad", 6, "avg_pool2d_grad">,
  I32EnumCase<"Frugal", 7, "frugal">,
  I32EnumCase<"FrugalBlocks", 8, "frugal_blocks">,
  I32EnumCase<"MongeGap", 9, "monge_gap">,
  I32EnumCase<"SinkhornDivergence", 10, "sinkhorn_divergence">,
  I32EnumCase<"Spectrum", 11, "spectrum">,
  I32EnumCase<"Gram", 12, "gram">,
  I32EnumCase<"AllReduce", 13, "all_reduce">,
  I32EnumCase<"Broadcast", 14, "broadcast">,
  I32EnumCase<"AllGather", 15, "all_gather">,
  I32EnumCase<"CompressedExchange", 16, "compressed_exchange">,
  I32EnumCase<"Normal", 17, "normal">,
  I32EnumCase<"AllReduceStart", 18, "all_reduce_start">,
  I32EnumCase<"AllReduceWait", 19, "all_reduce_wait">]> {
  let cppNamespace = "::kiln::krt";
}

/// How the optimizer ops of a step use an entry-point input, for memory accounting (and,
/// for architecture parameters, a search's diagnostics). "rank_state" is state that differs
/// between the ranks of a data-parallel run (a compressed exchange's error and estimate),
/// which a checkpoint keeps once per rank.
def KilnRT_Role : I32Enum<"Role",
    "an input's role: parameter, optimizer_state, architecture or rank_state", [
  I32EnumCase<"Parameter", 0, "parameter">,
  I32EnumCase<"OptimizerState", 1, "optimizer_state">,
  I32EnumCase<"Architecture", 2, "architecture">,
  I32EnumCase<"RankState", 3, "rank_state">]> {
  let cppNamespace = "::kiln::krt";
}

#endif // KILN_RT_KILNRTENUMS_TD
