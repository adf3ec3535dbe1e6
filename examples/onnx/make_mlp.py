#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a small Fashion-MNIST classifier as an ONNX model in protobuf text format.

The graph is what torch.onnx.export writes for
    nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
with a dynamic batch dimension: Flatten, Gemm with transB = 1 (PyTorch keeps Linear weights
[out, in]), Relu, Gemm; initializers named after the module's parameters, initialised as
PyTorch does (uniform with bound 1/sqrt(fan-in)) from a fixed seed. No ONNX or PyTorch
package is needed: protoc encodes the text with ONNX's own schema (libonnx-dev's
onnx.proto):

    python3 examples/onnx/make_mlp.py |
        protoc --encode=onnx.ModelProto -I/usr/include/onnx onnx.proto > mlp.onnx
"""
import math
import random
import sys


def tensor(name, dims, values):
    out = [f'  initializer {{\n    name: "{name}"\n    data_type: 1']
    out += [f"    dims: {d}" for d in dims]
    out += ["    float_data: " + " float_data: ".join(f"{v:.9g}" for v in values)]
    out.append("  }")
    return "\n".join(out)


def value_info(kind, name, dims):
    shape = "".join(
        f' dim {{ dim_param: "{d}" }}' if isinstance(d, str) else f" dim {{ dim_value: {d} }}"
        for d in dims)
    return (f'  {kind} {{ name: "{name}" type {{ tensor_type {{ elem_type: 1 shape {{{shape} }}'
            " } } }")


def node(op, name, inputs, outputs, attrs=""):
    ins = "".join(f' input: "{i}"' for i in inputs)
    outs = "".join(f' output: "{o}"' for o in outputs)
    return f'  node {{{ins}{outs} name: "{name}" op_type: "{op}"{attrs} }}'


def main():
    rng = random.Random(0)
    hidden = 64

    def linear(name, fan_in, fan_out):
        bound = 1 / math.sqrt(fan_in)
        w = [rng.uniform(-bound, bound) for _ in range(fan_out * fan_in)]
        b = [rng.uniform(-bound, bound) for _ in range(fan_out)]
        return [tensor(f"{name}.weight", [fan_out, fan_in], w), tensor(f"{name}.bias", [fan_out], b)]

    trans_b = ' attribute { name: "transB" i: 1 type: INT }'
    graph = [
        node("Flatten", "/flatten/Flatten", ["input"], ["/flatten/Flatten_output_0"],
             ' attribute { name: "axis" i: 1 type: INT }'),
        node("Gemm", "/fc1/Gemm", ["/flatten/Flatten_output_0", "fc1.weight", "fc1.bias"],
             ["/fc1/Gemm_output_0"], trans_b),
        node("Relu", "/relu/Relu", ["/fc1/Gemm_output_0"], ["/relu/Relu_output_0"]),
        node("Gemm", "/fc2/Gemm", ["/relu/Relu_output_0", "fc2.weight", "fc2.bias"], ["logits"],
             trans_b),
        '  name: "main_graph"',
        *linear("fc1", 784, hidden),
        *linear("fc2", hidden, 10),
        value_info("input", "input", ["batch_size", 1, 28, 28]),
        value_info("output", "logits", ["batch_size", 10]),
    ]
    sys.stdout.write('ir_version: 8\nproducer_name: "kiln examples/onnx/make_mlp.py"\n'
                     'opset_import { domain: "" version: 17 }\n'
                     "graph {\n" + "\n".join(graph) + "\n}\n")


if __name__ == "__main__":
    main()
