// SPDX-License-Identifier: Apache-2.0
// Interfaces that let passes treat op families (optimizers, ...) uniformly.
#ifndef KILN_IR_KILNINTERFACES_TD
#define KILN_IR_KILNINTERFACES_TD

include "mlir/IR/OpBase.td"

def Kiln_OptimizerUpdateOpInterface : OpInterface<"OptimizerUpdateOpInterface"> {
  let cppNamespace = "::kiln";
  let description = [{
    An op that consumes one parameter tensor, its gradient and optimizer state shaped like the
    parameter, and produces the updated parameter and state. Fusion, FRUGAL and memory
    accounting dispatch on this interface instead of on op lists. The learning rate is either
    a static attribute or a rank-0 tensor operand that may change from step to step; exactly
    one of the two is present.
  }];
  let methods = [
    InterfaceMethod<"Returns the parameter being updated.", "::mlir::Value", "getParam">,
    InterfaceMethod<"Returns the gradient of the loss with respect to the parameter.",
                    "::mlir::Value", "getGrad">,
    InterfaceMethod<"Returns the optimizer state operands (moments, buffers), each shaped like "
                    "the parameter.", "::mlir::OperandRange", "getState">,
    InterfaceMethod<"Returns the updated parameter.", "::mlir::Value", "getNewParam">,
    InterfaceMethod<"Returns the updated state, in the order of getState().",
                    "::mlir::ResultRange", "getNewState">,
    InterfaceMethod<"Returns the static learning rate, if the op has one.",
                    "::std::optional<double>", "getStaticLearningRate", (ins), [{
      if (auto lr = $_op.getLr()) return lr->convertToDouble();
      return std::nullopt;
    }]>,
    InterfaceMethod<"Returns the per-step learning-rate operand, or null.",
                    "::mlir::Value", "getDynamicLearningRate", (ins), [{
      return $_op.getDynamicLr();
    }]>,
  ];
  let verify = [{ return ::kiln::detail::verifyOptimizerUpdateOp($_op); }];
}

def Kiln_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::kiln";
  let description = [{
    An op that kiln-autodiff can differentiate in reverse mode. Given the cotangents of its
    results, `buildVJP` builds the vector-Jacobian products for its operands at the
    builder's insertion point, which is after the op: the op's operands and results are
    available. Kiln's model ops implement it; upstream ops (arith, math) get it through
    external models registered with the dialect.
  }];
  let methods = [
    InterfaceMethod<[{
        Returns one cotangent per operand, a null Value for an operand that is not
        differentiable (integer labels, a step counter). Every floating-point entry of
        `resultCotangents` is non-null (the caller materializes zeros for results that
        received none); entries for integer results (an RNG key) are null.
      }],
      "::llvm::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultCotangents)>,
  ];
}

def Kiln_ForwardDifferentiableOpInterface : OpInterface<"ForwardDifferentiableOpInterface"> {
  let cppNamespace = "::kiln";
  let description = [{
    An op that kiln-autodiff can differentiate in forward mode (kiln.jvp). Given tangents
    of its operands, `buildJVP` builds the Jacobian-vector products of its results at the
    builder's insertion point, after the op. The rules live in one place
    (dialects/lib/IR/ForwardMode.cpp) and are attached as external models: most are
    structural (a linear op applied to the tangents, a multilinear one once per varying
    operand, an element-wise one by its own VJP rule, whose Jacobian is diagonal).
  }];
  let methods = [
    InterfaceMethod<[{
        Returns one tangent per result, a null Value for results that are not
        floating-point. `operandTangents` has one entry per operand, null where the operand
        does not vary (a constant, the batch, an integer key); at least one is non-null.
      }],
      "::llvm::FailureOr<::llvm::SmallVector<::mlir::Value>>", "buildJVP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$operandTangents)>,
  ];
}

def Kiln_PerSampleGradientOpInterface : OpInterface<"PerSampleGradientOpInterface"> {
  let cppNamespace = "::kiln";
  let description = [{
    An op whose parameter operands can be differentiated one sample at a time without
    a second backward pass: what kiln.clipped_value_and_grad needs from every op that
    consumes a parameter. The op's batched operands and results lead with rows: one row per
    sample, or T consecutive rows per sample (a sequence of T tokens flattened to [B T, ...]),
    so row r belongs to sample r / T. Given the cotangents of the op's results, the op
    builds, at the builder's insertion point, the squared norm of each sample's contribution
    to the gradient of a parameter operand (the ghost-norm identity where it holds:
    ||a_i||^2 ||d_i||^2 for a linear layer; the Gram form or the materialized per-sample
    gradient, whichever costs less, for sequences and convolutions), and the sum of those
    contributions weighted per sample (the "book-keeping" second contraction:
    a^T diag(w) d).
  }];
  let methods = [
    InterfaceMethod<[{
        Whether the operand can be differentiated per sample here, with `samples` samples
        in the batch; when it cannot, `reason` says why (for a located error).
      }],
      "bool", "supportsPerSampleGradient",
      (ins "unsigned":$operand, "int64_t":$samples, "::std::string &":$reason)>,
    InterfaceMethod<[{
        Returns a [samples] tensor: for each sample i, the squared L2 norm of its
        contribution to the gradient of `operand`.
      }],
      "::llvm::FailureOr<::mlir::Value>", "buildPerSampleSquaredNorms",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultCotangents,
           "unsigned":$operand, "int64_t":$samples)>,
    InterfaceMethod<[{
        Returns sum_i weights[i] * (sample i's contribution to the gradient of `operand`),
        shaped like the operand; `weights` is a [samples] tensor.
      }],
      "::llvm::FailureOr<::mlir::Value>", "buildWeightedGradient",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultCotangents,
           "unsigned":$operand, "::mlir::Value":$weights)>,
  ];
}

#endif // KILN_IR_KILNINTERFACES_TD
