// SPDX-License-Identifier: Apache-2.0
// Convolution and pooling over NCHW tensors (torch.nn.functional conventions). The heavy
// work lowers to the runtime's window kernels (kiln_rt.kernel_call, Abi.h): oneDNN for f32
// convolutions, plain loops for pooling and for the f64 reference.
#ifndef KILN_IR_CONVOLUTION_TD
#define KILN_IR_CONVOLUTION_TD

include "kiln/IR/Layers.td"

/// Two non-negative (padding) or positive (stride, dilation, kernel) spatial sizes.
def Kiln_Pair : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;

defvar Kiln_ConvAttrs = (ins DefaultValuedAttr<Kiln_Pair, "{1, 1}">:$stride,
                             DefaultValuedAttr<Kiln_Pair, "{0, 0}">:$padding,
                             DefaultValuedAttr<Kiln_Pair, "{1, 1}">:$dilation,
                             DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive]>, "1">:$groups);

/// Window geometry shared by verifier and lowering (Convolution.cpp).
defvar Kiln_GeometryDecl = [{
    /// The window geometry, valid once the op verifies.
    ::kiln::WindowGeometry getGeometry();
  }];

def Kiln_Conv2dOp : Kiln_LayerOp<"conv2d", [
    DeclareOpInterfaceMethods<Kiln_PerSampleGradientOpInterface>]> {
  let summary = "2-D convolution of NCHW images (torch.nn.functional.conv2d, no bias)";
  let description = [{
    `y[n, o, i, j] = sum_{c, p, q} x[n, g*C/G + c, i*s0 - p0 + p*d0, j*s1 - p1 + q*d1]
    * filter[o, c, p, q]` over the C/G input channels of output channel o's group g,
    with zero padding. Filters are [O, C/groups, KH, KW] as in PyTorch, so weights move
    between the two unchanged; depthwise convolution is groups = C, and a separable one is
    a depthwise followed by a 1x1 convolution. Add a bias with `kiln.channel_bias`.
    Backward: dx = kiln.conv2d_grad_input(dy, filter) and
    dfilter = kiln.conv2d_grad_filter(x, dy), oneDNN's backward-data and backward-weights.
    Per sample (kiln.clipped_value_and_grad), each sample's filter gradient is one group
    of a grouped backward-weights over the batch folded into channels.

    ```mlir
    %y = kiln.conv2d %x, %w {padding = array<i64: 1, 1>}
        : tensor<128x1x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<128x32x28x28xf32>
    ```
  }];
  let arguments = !con((ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$filter),
                       Kiln_ConvAttrs);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $filter attr-dict `:` type($input) `,` type($filter) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl;
}

def Kiln_ChannelBiasOp : Kiln_LayerOp<"channel_bias", [AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Kiln_PerSampleGradientOpInterface>]> {
  let summary = "Add one value per channel to an NCHW tensor (a convolution's bias)";
  let description = [{
    `y[n, c, h, w] = x[n, c, h, w] + b[c]`. Backward: dx = dy, db = dy summed over n, h
    and w. It lowers to an element-wise loop that fuses with the activation after it.

    ```mlir
    %y = kiln.channel_bias %conv, %b : tensor<128x32x28x28xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$bias);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input `,` $bias attr-dict `:` type($input) `,` type($bias)";
  let hasVerifier = 1;
}

class Kiln_PoolOp<string mnemonic, string summaryText, string text>
    : Kiln_LayerOp<mnemonic, [AllElementTypesMatch<["input", "result"]>]> {
  let summary = summaryText;
  let description = text;
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl # [{
    /// The stride, which defaults to the window (as in PyTorch).
    ::llvm::ArrayRef<int64_t> getEffectiveStride() {
      return getStride() ? *getStride() : getKernel();
    }
  }];
}

def Kiln_MaxPool2dOp : Kiln_PoolOp<"max_pool2d",
    "2-D max pooling of NCHW images (torch.nn.functional.max_pool2d)", [{
    The maximum of each window; padding never wins (it counts as -infinity) and must be at
    most half the window, as PyTorch requires. `stride` defaults to the window. Backward:
    dx = kiln.max_pool2d_grad(x, dy), which routes each dy to the first maximum of its
    window (PyTorch's choice on ties), recomputed from x rather than stored.

    ```mlir
    %p = kiln.max_pool2d %a {kernel = array<i64: 2, 2>}
        : tensor<128x32x28x28xf32> -> tensor<128x32x14x14xf32>
    ```
  }]> {
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_Pair:$kernel,
                       OptionalAttr<Kiln_Pair>:$stride,
                       DefaultValuedAttr<Kiln_Pair, "{0, 0}">:$padding,
                       DefaultValuedAttr<Kiln_Pair, "{1, 1}">:$dilation);
}

def Kiln_AvgPool2dOp : Kiln_PoolOp<"avg_pool2d",
    "2-D average pooling of NCHW images (torch.nn.functional.avg_pool2d)", [{
    The mean of each window, zero padding included in the count (PyTorch's default
    count_include_pad = True). `stride` defaults to the window. Backward:
    dx = kiln.avg_pool2d_grad(dy), each dy spread evenly over its window.

    ```mlir
    %p = kiln.avg_pool2d %a {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>,
                             padding = array<i64: 1, 1>}
        : tensor<128x32x14x14xf32> -> tensor<128x32x14x14xf32>
    ```
  }]> {
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_Pair:$kernel,
                       OptionalAttr<Kiln_Pair>:$stride,
                       DefaultValuedAttr<Kiln_Pair, "{0, 0}">:$padding);
}

def Kiln_GlobalAvgPoolOp : Kiln_LayerOp<"global_avg_pool", [AllElementTypesMatch<["input", "result"]>]> {
  let summary = "The mean of each channel's image: [N, C, H, W] -> [N, C]";
  let description = [{
    torch.nn.AdaptiveAvgPool2d(1) followed by a flatten. Backward: dy / (H * W) broadcast
    over each image (kiln.global_avg_pool_grad).

    ```mlir
    %f = kiln.global_avg_pool %a : tensor<128x64x7x7xf32> -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===-- Backward building blocks ----------------------------------------------------------===//

def Kiln_Conv2dGradInputOp : Kiln_BackwardOp<"conv2d_grad_input"> {
  let summary = "The VJP of kiln.conv2d with respect to its input";
  let description = [{
    A transposed convolution of the output cotangent with the filter; the result type gives
    the input's shape.

    ```mlir
    %dx = kiln.conv2d_grad_input %dy, %w {padding = array<i64: 1, 1>}
        : tensor<128x32x28x28xf32>, tensor<32x1x3x3xf32> -> tensor<128x1x28x28xf32>
    ```
  }];
  let arguments = !con((ins Kiln_FloatTensor:$output_grad, Kiln_FloatTensor:$filter),
                       Kiln_ConvAttrs);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = [{
    $output_grad `,` $filter attr-dict `:` type($output_grad) `,` type($filter) `->`
    type($input_grad)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl;
}

def Kiln_Conv2dGradFilterOp : Kiln_BackwardOp<"conv2d_grad_filter"> {
  let summary = "The VJP of kiln.conv2d with respect to its filter";
  let description = [{
    The correlation of the input with the output cotangent, summed over the batch.

    ```mlir
    %dw = kiln.conv2d_grad_filter %x, %dy {padding = array<i64: 1, 1>}
        : tensor<128x1x28x28xf32>, tensor<128x32x28x28xf32> -> tensor<32x1x3x3xf32>
    ```
  }];
  let arguments = !con((ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$output_grad),
                       Kiln_ConvAttrs);
  let results = (outs Kiln_FloatTensor:$filter_grad);
  let assemblyFormat = [{
    $input `,` $output_grad attr-dict `:` type($input) `,` type($output_grad) `->`
    type($filter_grad)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl;
}

def Kiln_MaxPool2dGradOp : Kiln_BackwardOp<"max_pool2d_grad", [AllTypesMatch<["input", "input_grad"]>]> {
  let summary = "The VJP of kiln.max_pool2d, recomputing each window's maximum from x";
  let description = [{
    ```mlir
    %dx = kiln.max_pool2d_grad %a, %dy {kernel = array<i64: 2, 2>}
        : tensor<128x32x28x28xf32>, tensor<128x32x14x14xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$output_grad,
                       Kiln_Pair:$kernel, OptionalAttr<Kiln_Pair>:$stride,
                       DefaultValuedAttr<Kiln_Pair, "{0, 0}">:$padding,
                       DefaultValuedAttr<Kiln_Pair, "{1, 1}">:$dilation);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$input `,` $output_grad attr-dict `:` type($input) `,` type($output_grad)";
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl;
}

def Kiln_AvgPool2dGradOp : Kiln_BackwardOp<"avg_pool2d_grad"> {
  let summary = "The VJP of kiln.avg_pool2d; the result type gives the input's shape";
  let description = [{
    ```mlir
    %dx = kiln.avg_pool2d_grad %dy {kernel = array<i64: 2, 2>}
        : tensor<128x32x14x14xf32> -> tensor<128x32x28x28xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$output_grad, Kiln_Pair:$kernel,
                       OptionalAttr<Kiln_Pair>:$stride,
                       DefaultValuedAttr<Kiln_Pair, "{0, 0}">:$padding);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$output_grad attr-dict `:` type($output_grad) `->` type($input_grad)";
  let hasVerifier = 1;
  let extraClassDeclaration = Kiln_GeometryDecl;
}

def Kiln_ChannelSumOp : Kiln_BackwardOp<"channel_sum", [AllElementTypesMatch<["input", "result"]>]> {
  let summary = "Sum of an NCHW tensor over n, h and w: the gradient of kiln.channel_bias";
  let description = [{
    ```mlir
    %db = kiln.channel_sum %dy : tensor<128x32x28x28xf32> -> tensor<32xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Kiln_GlobalAvgPoolGradOp : Kiln_BackwardOp<"global_avg_pool_grad"> {
  let summary = "The VJP of kiln.global_avg_pool: dy / (H * W) over each image";
  let description = [{
    ```mlir
    %dx = kiln.global_avg_pool_grad %dy : tensor<128x64xf32> -> tensor<128x64x7x7xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$output_grad);
  let results = (outs Kiln_FloatTensor:$input_grad);
  let assemblyFormat = "$output_grad attr-dict `:` type($output_grad) `->` type($input_grad)";
  let hasVerifier = 1;
}

#endif // KILN_IR_CONVOLUTION_TD
