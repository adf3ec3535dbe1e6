// SPDX-License-Identifier: Apache-2.0
// Model ops: the layers and losses a training step differentiates. Each implements
// DifferentiableOpInterface, so kiln-autodiff can build its backward computation.
#ifndef KILN_IR_LAYERS_TD
#define KILN_IR_LAYERS_TD

include "kiln/IR/KilnDialect.td"
include "kiln/IR/KilnInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// Activations and weights: f32 for training, f64 for gradient checks.
def Kiln_FloatTensor : RankedTensorOf<[F32, F64]>;
def Kiln_LabelTensor : RankedTensorOf<[I32, I64]>;

class Kiln_LayerOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [Pure,
        DeclareOpInterfaceMethods<Kiln_DifferentiableOpInterface>]>;

def Kiln_MatmulOp : Kiln_LayerOp<"matmul", [
    DeclareOpInterfaceMethods<Kiln_PerSampleGradientOpInterface>]> {
  let summary = "Matrix product of a [M, K] and a [K, N] tensor";
  let description = [{
    `c[i, j] = sum_k a[i, k] * b[k, j]`. With x a batch of rows, `kiln.matmul %x, %w` is
    the weight part of a linear layer. Backward: da = dc * b^T, db = a^T * dc.

    ```mlir
    %h = kiln.matmul %x, %w : tensor<128x784xf32>, tensor<784x256xf32> -> tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_BiasAddOp : Kiln_LayerOp<"bias_add", [AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Kiln_PerSampleGradientOpInterface>]> {
  let summary = "Add a vector to every row (the last dimension) of a tensor";
  let description = [{
    `y[..., j] = x[..., j] + b[j]`. Backward: dx = dy, db = dy summed over every dimension
    but the last.

    ```mlir
    %y = kiln.bias_add %h, %b : tensor<128x256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$bias);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `,` $bias attr-dict `:` type($input) `,` type($bias)";
  let hasVerifier = 1;
}

def Kiln_ReluOp : Kiln_LayerOp<"relu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Rectified linear unit, max(x, 0)";
  let description = [{
    Backward: dx = dy where x > 0, else 0 (the subgradient 0 at x = 0, as PyTorch).

    ```mlir
    %a = kiln.relu %h : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_SigmoidOp : Kiln_LayerOp<"sigmoid", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Logistic function 1 / (1 + exp(-x))";
  let description = [{
    Backward: dx = dy * s * (1 - s) with s the result.

    ```mlir
    %s = kiln.sigmoid %h : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_GeluOp : Kiln_LayerOp<"gelu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Gaussian error linear unit, exact (torch.nn.GELU(approximate='none'))";
  let description = [{
    `x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))`. Backward:
    dx = dy * (Phi(x) + x * phi(x)), phi the standard normal density.

    ```mlir
    %g = kiln.gelu %h : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_LeakyReluOp : Kiln_LayerOp<"leaky_relu", [AllTypesMatch<["input", "result"]>]> {
  let summary = "max(x, 0) + alpha * min(x, 0) (torch.nn.LeakyReLU, alpha 0.01)";
  let description = [{
    Backward: dx = dy where x > 0, alpha * dy elsewhere.

    ```mlir
    %a = kiln.leaky_relu %h {alpha = 0.2 : f64} : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "0.01">:$alpha);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Kiln_LogSoftmaxOp : Kiln_LayerOp<"log_softmax", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Logarithm of the softmax of each row of a [N, C] tensor";
  let description = [{
    `y[i, j] = x[i, j] - logsumexp(x[i, :])`, computed stably. Backward:
    dx = dy - exp(y) * sum_j dy[i, j].

    ```mlir
    %lp = kiln.log_softmax %logits : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Kiln_DropoutOp : Kiln_LayerOp<"dropout", [AllTypesMatch<["input", "result"]>,
                                               AllTypesMatch<["key", "next_key"]>]> {
  let summary = "Inverted dropout with an explicit counter-based RNG key";
  let description = [{
    torch.nn.functional.dropout in training mode: each element is kept with probability
    1 - rate and scaled by 1 / (1 - rate), or zeroed. The mask is not stored: element i is
    kept when the first word of Philox4x32-10(counter {i, i >> 32, 0x44524F50, 0},
    key {key, key >> 32}) is at least rate * 2^32, so it costs no memory traffic and the
    backward pass recomputes it from the same key (its VJP is the same dropout of the
    cotangent). `next_key` is key + 1, written in place of the key: thread it through the
    training state so every step draws a fresh mask.

    ```mlir
    %y, %k1 = kiln.dropout %h key(%k) {rate = 0.5 : f64} : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_StepTensor:$key,
                       Kiln_UnitIntervalF64Attr:$rate);
  let results = (outs Kiln_FloatTensor:$result, Kiln_StepTensor:$next_key);
  let assemblyFormat = "$input `key` `(` $key `)` attr-dict `:` type($input)";
}

def Kiln_LayerNormOp : Kiln_LayerOp<"layer_norm", [AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["gamma", "beta"]>,
    DeclareOpInterfaceMethods<Kiln_PerSampleGradientOpInterface>]> {
  let summary = "Layer normalization over the last dimension of [N, D] rows (torch.nn.LayerNorm)";
  let description = [{
    `y = (x - mean) / sqrt(var + eps) * gamma + beta`, mean and (biased) variance per row.

    ```mlir
    %y = kiln.layer_norm %x, %gamma, %beta {eps = 1.0e-5 : f64}
        : tensor<128x256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$gamma, Kiln_FloatTensor:$beta,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-5">:$eps);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)";
  let hasVerifier = 1;
}

def Kiln_SumOp : Kiln_LayerOp<"sum"> {
  let summary = "Sum of every element, as a rank-0 tensor";
  let description = [{
    Backward: dx = dy broadcast to x's shape.

    ```mlir
    %s = kiln.sum %x : tensor<4x3xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_MseOp : Kiln_LayerOp<"mse", [AllTypesMatch<["prediction", "target"]>]> {
  let summary = "Mean squared error, torch.nn.functional.mse_loss (reduction mean)";
  let description = [{
    `mean((prediction - target)^2)` over every element. Backward:
    d prediction = 2 (prediction - target) / numel * dy, d target = its negation.

    ```mlir
    %l = kiln.mse %pred, %y : tensor<128x1xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$prediction, Kiln_FloatTensor:$target);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$prediction `,` $target attr-dict `:` type($prediction) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_SoftmaxCrossEntropyOp : Kiln_LayerOp<"softmax_cross_entropy"> {
  let summary = "Cross-entropy of softmax(logits) against integer labels";
  let description = [{
    torch.nn.functional.cross_entropy on [N, C] logits and N class indices:

        loss_i = logsumexp(logits[i, :]) - logits[i, label_i]
        loss   = mean_i loss_i   (reduction "mean", the default) or sum_i loss_i ("sum")

    computed stably (the row maximum is subtracted before exp). Backward:
    d logits[i, :] = (softmax(logits[i, :]) - onehot(label_i)) * dy (/ N for "mean"); the
    labels get no gradient. A label outside [0, C) is undefined behaviour in the compiled
    step: drivers check labels when they load data.

    ```mlir
    %l = kiln.softmax_cross_entropy %logits, %labels : tensor<128x10xf32>, tensor<128xi64> -> tensor<f32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$logits, Kiln_LabelTensor:$labels,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_LossReduction>,
                                         "::kiln::LossReduction::Mean">:$reduction);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Kiln_TransposeOp : Kiln_LayerOp<"transpose"> {
  let summary = "Transpose of a matrix, or of each matrix of a batch (the last two dims)";
  let description = [{
    `y[..., j, i] = x[..., i, j]` (torch.transpose(x, -2, -1)): a matrix transpose for rank
    2, a transpose of each matrix for rank 3 and more. Its own VJP is a transpose.

    ```mlir
    %t = kiln.transpose %w : tensor<784x256xf32> -> tensor<256x784xf32>
    %bt = kiln.transpose %k : tensor<8x16x32xf32> -> tensor<8x32x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_SoftmaxOp : Kiln_LayerOp<"softmax", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Softmax of each row of a [N, C] tensor (torch.softmax(x, dim=-1))";
  let description = [{
    `y[i, j] = exp(x[i, j] - m_i) / sum_k exp(x[i, k] - m_i)` with m_i the row maximum, so
    large logits cannot overflow. Backward (kiln.softmax_grad, from the result):
    dx = y * (dy - sum_j dy[i, j] * y[i, j]). For a classification loss prefer
    kiln.softmax_cross_entropy or kiln.log_softmax, which never take the log of a rounded
    probability.

    ```mlir
    %p = kiln.softmax %logits : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

/// Element-wise binary ops with NumPy/PyTorch broadcasting (verifyBroadcasting in Layers.cpp).
class Kiln_BroadcastingOp<string mnemonic, string summaryText, string text>
    : Kiln_LayerOp<mnemonic> {
  let summary = summaryText;
  let description = text;
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_AddOp : Kiln_BroadcastingOp<"add", "Element-wise sum with NumPy broadcasting", [{
    `z = x + y` after both operands are broadcast to a common shape, as in NumPy and
    PyTorch: the shapes are aligned at their last dimensions, and a dimension of size 1,
    or one missing from the shorter shape, repeats to match the other. Both shapes are
    static and the result type is their broadcast shape. It lowers to one element-wise
    loop that reads each operand in place (no broadcast copy). Backward: dz summed back to
    each operand's shape over the dimensions it was broadcast along (kiln.reduce_to_shape;
    nothing for an operand that was not broadcast).

    ```mlir
    %z = kiln.add %h, %b : tensor<128x1x64xf32>, tensor<10x1xf32> -> tensor<128x10x64xf32>
    ```
  }]>;

def Kiln_MulOp : Kiln_BroadcastingOp<"mul", "Element-wise product with NumPy broadcasting", [{
    `z = x * y` with the broadcasting of kiln.add. Backward: dx = dz * y and dy = dz * x,
    each summed back to its operand's shape (kiln.reduce_to_shape).

    ```mlir
    %z = kiln.mul %a, %scale : tensor<128x32x7x7xf32>, tensor<32x1x1xf32> -> tensor<128x32x7x7xf32>
    ```
  }]>;

def Kiln_BatchMatmulOp : Kiln_LayerOp<"batch_matmul"> {
  let summary = "Batched matrix product of [B, M, K] and [B, K, N] tensors (torch.bmm)";
  let description = [{
    `c[n, i, j] = sum_k a[n, i, k] * b[n, k, j]`: one independent matmul per batch index.
    Backward: da = dc * b^T and db = a^T * dc per batch, with kiln.transpose of the last
    two dimensions.

    ```mlir
    %s = kiln.batch_matmul %q, %kt : tensor<8x16x32xf32>, tensor<8x32x16xf32> -> tensor<8x16x16xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$lhs, Kiln_FloatTensor:$rhs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_BatchNormOp : Kiln_LayerOp<"batch_norm", [
    AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["gamma", "beta", "running_mean", "running_var", "new_running_mean",
                   "new_running_var"]>]> {
  let summary = "Batch normalization over channel dim 1 (torch.nn.BatchNorm1d/2d/3d)";
  let description = [{
    Normalizes each channel c (dimension 1) of an [N, C] or [N, C, ...] tensor (NCHW for
    images) over the other M = N * H * W elements, as torch.nn.BatchNorm2d with
    affine = True and track_running_stats = True:

        y = (x - mean[c]) / sqrt(var[c] + eps) * gamma[c] + beta[c]

    With `training = true` mean and var are the batch's (the biased variance, divided by
    M), and the running statistics come back updated with the unbiased variance:

        new_running_mean = (1 - momentum) * running_mean + momentum * mean
        new_running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)

    With `training = false` (evaluation) mean and var are the running statistics, which
    come back unchanged. Running statistics are state, like an optimizer's: thread them
    through the step (each is written in place of its input); they get no gradient.
    (PyTorch's momentum = None, a cumulative average, is not supported.) Backward
    (kiln.batch_norm_grad): gradients of x, gamma and beta, through the batch statistics
    in training mode.

    ```mlir
    %y, %rm1, %rv1 = kiln.batch_norm %x, %gamma, %beta, %rm, %rv
        {momentum = 0.1 : f64, eps = 1.0e-5 : f64, training = true}
        : tensor<128x32x28x28xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$gamma, Kiln_FloatTensor:$beta,
                       Kiln_FloatTensor:$running_mean, Kiln_FloatTensor:$running_var,
                       DefaultValuedAttr<Kiln_ClosedUnitIntervalF64Attr, "0.1">:$momentum,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-5">:$eps,
                       BoolAttr:$training);
  let results = (outs Kiln_FloatTensor:$result, Kiln_FloatTensor:$new_running_mean,
                      Kiln_FloatTensor:$new_running_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $running_mean `,` $running_var attr-dict `:` type($input)
    `,` type($gamma)
  }];
  let hasVerifier = 1;
}

def Kiln_CountCorrectOp : Kiln_Op<"count_correct", [Pure]> {
  let summary = "How many rows' largest logit is at their label (for accuracy)";
  let description = [{
    The number of rows i with argmax(logits[i, :]) == labels[i] (the first maximum on
    ties, as torch.argmax). Not differentiable: use it in evaluation steps.

    ```mlir
    %c = kiln.count_correct %logits, %labels : tensor<128x10xf32>, tensor<128xi64>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$logits, Kiln_LabelTensor:$labels);
  let results = (outs Kiln_StepTensor:$count);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels)";
  let hasVerifier = 1;
}

//===-- Backward building blocks: emitted by VJP rules, differentiated again only where noted ===//

class Kiln_BackwardOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, traits # [Pure]>;

def Kiln_BroadcastOp : Kiln_BackwardOp<"broadcast"> {
  let summary = "A rank-0 tensor repeated to a shape";
  let description = [{
    The backward of a full reduction (kiln.sum, kiln.mse): the cotangent of the scalar loss,
    repeated to the shape of the reduced tensor, which must be static.

    ```mlir
    %g = kiln.broadcast %dy : tensor<f32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_SumLeadingOp : Kiln_BackwardOp<"sum_leading"> {
  let summary = "Sum over every dimension but the last (the bias gradient)";
  let description = [{
    ```mlir
    %db = kiln.sum_leading %dy : tensor<128x256xf32> -> tensor<256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_ReluGradOp : Kiln_BackwardOp<"relu_grad",
    [AllTypesMatch<["input", "result_grad", "input_grad"]>,
     DeclareOpInterfaceMethods<Kiln_DifferentiableOpInterface>]> {
  let summary = "The VJP of kiln.relu: the cotangent where the input is positive";
  let description = [{
    Also kiln.relu's JVP (its Jacobian is diagonal), so it is differentiated again when a
    gradient goes through a forward-mode derivative (kiln.ntk's VJP): linear in
    `result_grad`, constant in `input` almost everywhere.

    ```mlir
    %dx = kiln.relu_grad %x, %dy : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$result_grad);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$input `,` $result_grad attr-dict `:` type($input)";
}

def Kiln_LogSoftmaxGradOp : Kiln_BackwardOp<"log_softmax_grad",
    [AllTypesMatch<["output", "output_grad", "input_grad"]>]> {
  let summary = "The VJP of kiln.log_softmax, from its result";
  let description = [{
    ```mlir
    %dx = kiln.log_softmax_grad %y, %dy : tensor<128x10xf32>
    ```
  }];
  // The forward op's output, not named "result": that would shadow Op::getResult().
  let arguments = (ins Kiln_FloatTensor:$output, Kiln_FloatTensor:$output_grad);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($output)";
}

def Kiln_LayerNormGradOp : Kiln_BackwardOp<"layer_norm_grad",
    [AllTypesMatch<["input", "output_grad", "input_grad"]>,
     AllTypesMatch<["gamma", "gamma_grad", "beta_grad"]>]> {
  let summary = "The VJP of kiln.layer_norm: gradients of input, gamma and beta";
  let description = [{
    With xhat the normalized rows and rstd = 1 / sqrt(var + eps):
    d beta = sum over rows of dy, d gamma = sum over rows of dy * xhat, and
    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma.

    ```mlir
    %dx, %dg, %db = kiln.layer_norm_grad %x, %gamma, %dy {eps = 1.0e-5 : f64}
        : tensor<128x256xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$gamma,
                       Kiln_FloatTensor:$output_grad, Kiln_NonNegF64Attr:$eps);
  let results = (outs Kiln_FloatTensor:$input_grad, Kiln_FloatTensor:$gamma_grad,
                      Kiln_FloatTensor:$beta_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $output_grad attr-dict `:` type($input) `,` type($gamma)
  }];
}

def Kiln_SoftmaxCrossEntropyGradOp : Kiln_BackwardOp<"softmax_cross_entropy_grad",
    [AllTypesMatch<["logits", "logits_grad"]>]> {
  let summary = "The VJP of kiln.softmax_cross_entropy with respect to the logits";
  let description = [{
    `(softmax(logits) - onehot(labels)) * dy`, divided by N for reduction "mean".

    ```mlir
    %dl = kiln.softmax_cross_entropy_grad %logits, %labels, %dy
        : tensor<128x10xf32>, tensor<128xi64>, tensor<f32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$logits, Kiln_LabelTensor:$labels,
                       Kiln_FloatTensor:$loss_grad,
                       DefaultValuedAttr<Kiln_StrEnumAttr<Kiln_LossReduction>,
                                         "::kiln::LossReduction::Mean">:$reduction);
  let results = (outs Kiln_FloatTensor:$logits_grad);
  let assemblyFormat = [{
    $logits `,` $labels `,` $loss_grad attr-dict `:` type($logits) `,` type($labels) `,`
    type($loss_grad)
  }];
}

def Kiln_SoftmaxGradOp : Kiln_BackwardOp<"softmax_grad",
    [AllTypesMatch<["output", "output_grad", "input_grad"]>]> {
  let summary = "The VJP of kiln.softmax, from its result";
  let description = [{
    `dx = y * (dy - sum_j dy[i, j] * y[i, j])` per row.

    ```mlir
    %dx = kiln.softmax_grad %y, %dy : tensor<128x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$output, Kiln_FloatTensor:$output_grad);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$output `,` $output_grad attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Kiln_ReduceToShapeOp : Kiln_BackwardOp<"reduce_to_shape",
    [AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Sum a tensor down to a shape that broadcasts to it (the VJP of broadcasting)";
  let description = [{
    The result type is the target: its shape must broadcast to the input's (NumPy rules,
    as kiln.add). The input is summed over its leading dimensions that the target lacks
    and over the dimensions where the target has size 1.

    ```mlir
    %db = kiln.reduce_to_shape %dz : tensor<128x10x64xf32> -> tensor<10x1xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_BatchNormGradOp : Kiln_BackwardOp<"batch_norm_grad",
    [AllTypesMatch<["input", "output_grad", "input_grad"]>,
     AllTypesMatch<["gamma", "running_mean", "running_var", "gamma_grad", "beta_grad"]>]> {
  let summary = "The VJP of kiln.batch_norm: gradients of input, gamma and beta";
  let description = [{
    Per channel, with xhat the normalized input, rstd = 1 / sqrt(var + eps), g = dy * gamma
    and sums over the M elements of the channel: d beta = sum dy, d gamma = sum dy * xhat,
    and

        training: dx = rstd / M * (M * g - sum g - xhat * sum g * xhat)
        eval:     dx = g * rstd

    In training mode the statistics are the batch's, recomputed from x (the running
    statistics are not read); in eval mode they are the running ones.

    ```mlir
    %dx, %dg, %db = kiln.batch_norm_grad %x, %gamma, %rm, %rv, %dy
        {eps = 1.0e-5 : f64, training = true} : tensor<128x32x28x28xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$gamma,
                       Kiln_FloatTensor:$running_mean, Kiln_FloatTensor:$running_var,
                       Kiln_FloatTensor:$output_grad,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0e-5">:$eps,
                       BoolAttr:$training);
  let results = (outs Kiln_FloatTensor:$input_grad, Kiln_FloatTensor:$gamma_grad,
                      Kiln_FloatTensor:$beta_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $running_mean `,` $running_var `,` $output_grad attr-dict `:`
    type($input) `,` type($gamma)
  }];
  let hasVerifier = 1;
}

#endif // KILN_IR_LAYERS_TD
