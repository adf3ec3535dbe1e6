# SPDX-License-Identifier: Apache-2.0
"""The .npy reading and writing the golden-replay scripts share (standard library only, so
tests need no numpy): little-endian f4, f8 and i8 arrays, C order."""
import ast
import struct

FORMATS = {"<f4": "f", "<f8": "d", "<i8": "q"}


def flatten(value):
    """A nested list as (flat values, shape)."""
    if isinstance(value, list):
        out, shape = [], [len(value)]
        inner = None
        for v in value:
            flat, inner = flatten(v)
            out.extend(flat)
        return out, shape + (inner or [])
    return [value], []


def write_npy(path, values, shape, descr="<f8"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join(f"{d}, " for d in shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    code = FORMATS[descr]
    cast = int if code == "q" else float
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack(f"<{len(values)}{code}", *[cast(v) for v in values]))


def read_npy(path):
    """(flat values, shape) of an f4, f8 or i8 .npy file."""
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + length].decode())
    code = FORMATS[header["descr"]]
    count = 1
    for d in header["shape"]:
        count *= d
    size = struct.calcsize(code)
    start = 10 + length
    return list(struct.unpack(f"<{count}{code}", data[start:start + size * count])), list(
        header["shape"])
