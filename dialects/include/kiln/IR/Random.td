// SPDX-License-Identifier: Apache-2.0
// Random tensors from an explicit counter-based key (Philox4x32-10): parameter initializers
// that an @init entry point computes in compiled code. Each op returns the tensor and the
// next key (key + 1), so a program threads one key through all of its initializers.
#ifndef KILN_IR_RANDOM_TD
#define KILN_IR_RANDOM_TD

include "kiln/IR/Layers.td"

class Kiln_RandomOp<string mnemonic> : Kiln_Op<mnemonic, [Pure,
    AllTypesMatch<["key", "next_key"]>]> {
  let results = (outs Kiln_FloatTensor:$result, Kiln_StepTensor:$next_key);
  let assemblyFormat = "$key attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Kiln_RandomUniformOp : Kiln_RandomOp<"random_uniform"> {
  let summary = "Uniform samples in [low, high) from a Philox key";
  let description = [{
    The same numbers as the runtime's `kiln::rt::fillUniform(tensor, key, low, high)`
    (Random.h), bit for bit: element i (row-major) takes word i % 4 of Philox4x32-10 block
    i / 4 (f32: its top 24 bits; f64: two words per element, 53 bits) in counter stream 1.
    So a program initialised in compiled code matches one initialised by a driver.

    ```mlir
    %b, %k1 = kiln.random_uniform %k0 {low = -0.0625 : f64, high = 0.0625 : f64} : tensor<256xf32>
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$key, Kiln_FiniteF64Attr:$low, Kiln_FiniteF64Attr:$high);
}

def Kiln_RandomNormalOp : Kiln_RandomOp<"random_normal"> {
  let summary = "Normal samples N(mean, stddev^2) from a Philox key (Box-Muller)";
  let description = [{
    The same numbers as `kiln::rt::fillNormal` (Random.h): Box-Muller pairs from Philox
    blocks in counter stream 2 (f32: two pairs per block; f64: one pair from 53-bit
    uniforms). It lowers to a call of the runtime's `normal` kernel, fillNormal itself, so
    the two agree bit for bit; the runtime computes the logarithms and the trigonometry on
    glibc's vector math library.

    ```mlir
    %w, %k1 = kiln.random_normal %k0 {stddev = 0.02 : f64} : tensor<784x256xf32>
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$key, DefaultValuedAttr<Kiln_FiniteF64Attr, "0.0">:$mean,
                       DefaultValuedAttr<Kiln_NonNegF64Attr, "1.0">:$stddev);
}

def Kiln_VarianceScalingOp : Kiln_RandomOp<"variance_scaling"> {
  let summary = "Kaiming/He, Xavier/Glorot and LeCun initialization (jax.nn.initializers.variance_scaling)";
  let description = [{
    Samples with variance `scale / n`, where n is the fan-in, the fan-out or their mean
    (`mode` = "fan_in", "fan_out", "fan_avg"): uniform in [-sqrt(3 scale / n),
    sqrt(3 scale / n)) or normal with stddev sqrt(scale / n) (`distribution`). The fans are
    read from the shape as JAX does: the extent of `in_axis` (default -2) and `out_axis`
    (default -1) times the product of the other dimensions (the receptive field). Kiln's
    linear weights are [in, out], so the defaults fit them; for an [O, C, KH, KW]
    convolution filter use in_axis = 1, out_axis = 0.

    | PyTorch / JAX initializer | scale | mode | distribution |
    |---|---|---|---|
    | kaiming_uniform_ (relu) / he_uniform | 2 | fan_in | uniform |
    | kaiming_normal_ (relu) / he_normal | 2 | fan_in | normal |
    | xavier_uniform_ / glorot_uniform | 1 | fan_avg | uniform |
    | xavier_normal_ / glorot_normal | 1 | fan_avg | normal |
    | nn.Linear, nn.Conv2d default weights (kaiming_uniform_, a = sqrt(5)) | 1/3 | fan_in | uniform |

    ```mlir
    %w, %k1 = kiln.variance_scaling %k0 {scale = 2.0 : f64, mode = "fan_in",
                                         distribution = "uniform"} : tensor<784x256xf32>
    %c, %k2 = kiln.variance_scaling %k1 {scale = 2.0 : f64, mode = "fan_in",
        distribution = "normal", in_axis = 1 : i64, out_axis = 0 : i64} : tensor<32x1x3x3xf32>
    ```
  }];
  let arguments = (ins Kiln_StepTensor:$key, Kiln_FiniteF64Attr:$scale,
                       Kiln_StrEnumAttr<Kiln_FanMode>:$mode,
                       Kiln_StrEnumAttr<Kiln_InitDistribution>:$distribution,
                       DefaultValuedAttr<I64Attr, "-2">:$in_axis,
                       DefaultValuedAttr<I64Attr, "-1">:$out_axis);
  let extraClassDeclaration = [{
    /// The uniform bound or the normal standard deviation, valid once the op verifies.
    double getSpread();
  }];
}

#endif // KILN_IR_RANDOM_TD
