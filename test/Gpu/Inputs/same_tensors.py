#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whether two Kiln checkpoints (safetensors files) hold the same tensors, bit for bit.

    same_tensors.py A.st B.st      prints "same N tensors" or the first that differs
"""
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    header.pop("__metadata__", None)
    return {name: data[spec["data_offsets"][0]:spec["data_offsets"][1]]
            for name, spec in header.items()}


a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"different tensors: {sorted(a)} and {sorted(b)}")
for name in sorted(a):
    if a[name] != b[name]:
        sys.exit(f"tensor {name} differs")
print(f"same {len(a)} tensors")
