#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of the fuzz targets (test/fuzz/corpus/<target>/): small valid files
of each format and near-valid ones (a byte off, truncated, a field too many), so that every
run starts next to the paths that matter instead of having to discover the formats. The
program targets (parse, pipeline) get copies of small programs of the test suite, the onnx
target the ONNX models of test/onnx/Inputs (encoded by protoc, from protobuf-compiler) and
truncated and bit-flipped copies. Rerun it after changing it; the output is deterministic.
Needs only the Python standard library and protoc."""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "test", "fuzz", "corpus")


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def npy(descr, shape, payload, version=1, fortran=False):
    shape_text = "(" + (f"{shape[0]}," if len(shape) == 1 else ", ".join(map(str, shape))) + ")"
    header = (f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_text}, }}")
    prefix = 10 if version == 1 else 12
    pad = (64 - (prefix + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + payload


def make_npy():
    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    write("npy", "f4-2x3.npy", npy("<f4", (2, 3), f32))
    write("npy", "f8-scalar.npy", npy("<f8", (), struct.pack("<d", 3.5)))
    write("npy", "i8-vector.npy", npy("<i8", (3,), struct.pack("<3q", -1, 0, 7)))
    write("npy", "i4-empty.npy", npy("<i4", (0, 4), b""))
    write("npy", "f2-v2.npy", npy("<f2", (2,), b"\x00\x3c\x00\xc0", version=2))
    write("npy", "i1-v3.npy", npy("|i1", (4,), b"\x01\xff\x02\x80", version=3))
    write("npy", "b1.npy", npy("|b1", (2, 2), b"\x01\x00\x00\x01"))
    # Near-valid: truncated data, trailing bytes, big-endian, fortran order, bad magic.
    write("npy", "truncated.npy", npy("<f4", (2, 3), f32[:-2]))
    write("npy", "trailing.npy", npy("<f4", (2,), struct.pack("<3f", 1, 2, 3)))
    write("npy", "big-endian.npy", npy(">f4", (1,), b"\x3f\x80\x00\x00"))
    write("npy", "fortran.npy", npy("<f4", (1, 1), b"\x00\x00\x80\x3f", fortran=True))
    write("npy", "huge-shape.npy", npy("<f4", (1 << 62, 4), b""))
    write("npy", "bad-magic.npy", b"\x93NUMPZ\x01\x00" + npy("<f4", (1,), b"\0\0\0\0")[8:])


def idx(type_code, shape, payload):
    return bytes([0, 0, type_code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + payload


def make_idx():
    images = idx(0x08, (2, 2, 2), bytes(range(0, 256, 32)))
    write("idx", "ubyte-images.idx", images)
    write("idx", "ubyte-images.idx.gz", gzip.compress(images, mtime=0))
    write("idx", "labels.idx", idx(0x08, (4,), bytes([0, 9, 3, 1])))
    write("idx", "sbyte.idx", idx(0x09, (3,), bytes([0x80, 0x7F, 0xFF])))
    write("idx", "short.idx", idx(0x0B, (2,), struct.pack(">2h", -2, 300)))
    write("idx", "int.idx", idx(0x0C, (2,), struct.pack(">2i", -70000, 5)))
    write("idx", "float.idx", idx(0x0D, (1, 2), struct.pack(">2f", 0.5, -1.25)))
    write("idx", "double.idx", idx(0x0E, (1,), struct.pack(">d", 2.0)))
    write("idx", "scalar.idx", idx(0x08, (), b"\x07"))
    write("idx", "truncated.idx", images[:-3])
    write("idx", "trailing.idx", images + b"\0")
    write("idx", "bad-type.idx", idx(0x0A, (1,), b"\0"))
    write("idx", "huge-shape.idx", idx(0x0E, (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), b""))
    write("idx", "corrupt.idx.gz", gzip.compress(images, mtime=0)[:-6] + b"\xde\xad\xbe\xef\0\0")


def make_csv():
    rows = "".join(f"{i % 2},{(i % 7) * 0.25:.2f},{(i % 5) * -0.5:.2f}\n" for i in range(8))
    write("csv", "header.csv", "label,a,b\n" + rows)
    write("csv", "no-header.csv", rows)
    write("csv", "label-last.csv", "a,b,label\n0.90,-0.80,1\n0.1,0.2,0\n")
    write("csv", "crlf-bom.csv", "\ufefflabel,x\r\n1,2.5\r\n\r\n0,1e-3\r\n")
    write("csv", "quoted.csv", '"label","a,b","say ""hi"""\n"1", 2 ,"3.5"\n0,1,2\n')
    write("csv", "semicolon.csv", "1;2;3\n0;4;5\n")
    write("csv", "float-label.csv", "3.0,1\n2.5,1\n")
    write("csv", "ragged.csv", "0,1,2\n1,2\n")
    write("csv", "not-a-number.csv", "0,1,x\n1,nan,2\n")
    write("csv", "unterminated.csv", '0,"1\n')
    write("csv", "big-label.csv", "99999999999999999999,1\n-1,2\n")
    write("csv", "header-only.csv", "label,a\n")
    write("csv", "empty.csv", "")


def safetensors(tensors, metadata, checksum=True, corrupt=False):
    """The layout saveCheckpoint writes, with its FNV-1a checksum (Checkpoint.cpp)."""
    header, data, offset = {}, b"", 0
    for name, dtype, shape, payload in tensors:
        header[name] = {"data_offsets": [offset, offset + len(payload)], "dtype": dtype,
                        "shape": list(shape)}
        data += payload
        offset += len(payload)
    header["__metadata__"] = dict(metadata)

    def dump(h):
        return json.dumps(h, sort_keys=True, separators=(",", ":"))

    if checksum:
        h = 0xCBF29CE484222325
        for byte in dump(header).encode() + data:
            h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        header["__metadata__"]["kiln_checksum"] = f"{h:016x}"
    text = dump(header)
    text += " " * ((8 - (8 + len(text)) % 8) % 8)
    if corrupt:
        data = bytes([data[0] ^ 1]) + data[1:]
    return struct.pack("<Q", len(text)) + text.encode() + data


def make_checkpoint():
    w = ("input0", "F32", (2, 2), struct.pack("<4f", 1, 2, 3, 4))
    b = ("input1", "F64", (1,), struct.pack("<d", -1))
    n = ("step", "I64", (), struct.pack("<q", 3))
    e = ("empty", "BF16", (0, 3), b"")
    write("checkpoint", "valid.safetensors", safetensors([w, b, n, e], {"epoch": "2"}))
    write("checkpoint", "one-tensor.safetensors", safetensors([w], {}))
    write("checkpoint", "bool-i8-f16.safetensors", safetensors(
        [("m", "BOOL", (3,), b"\1\0\1"), ("q", "I8", (2,), b"\x80\x7f"),
         ("h", "F16", (1,), b"\x00\x3c"), ("i", "I32", (1,), b"\1\0\0\0")], {}))
    write("checkpoint", "bad-checksum.safetensors", safetensors([w, b], {}, corrupt=True))
    write("checkpoint", "no-checksum.safetensors", safetensors([w], {}, checksum=False))
    write("checkpoint", "truncated.safetensors", safetensors([w, b], {})[:-5])
    write("checkpoint", "unknown-dtype.safetensors",
          safetensors([("x", "U8", (1,), b"\1")], {}))
    write("checkpoint", "length-past-end.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    write("checkpoint", "not-json.safetensors", struct.pack("<Q", 4) + b"{x:1")


def make_programs():
    sources = [
        "test/tools/Inputs/sgd4.mlir", "test/tools/Inputs/linear2.mlir",
        "test/tools/Inputs/five-classes.mlir", "test/tools/Inputs/malformed.mlir",
        "test/tools/Inputs/bad-init.mlir", "test/tools/Inputs/negative-lr.mlir",
        "test/tools/Inputs/counter-out-of-place.mlir", "test/fuzz/Inputs/session.mlir",
        "examples/optimizer-step/adam.mlir",
    ]
    for target in ("parse", "pipeline"):
        for source in sources:
            path = os.path.join(ROOT, source)
            if os.path.exists(path):
                name = source.replace("/", "_")
                os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
                shutil.copyfile(path, os.path.join(CORPUS, target, name))


def make_session():
    # Byte 0 picks the entry point (sgd, loss, adam in signature order), byte 1 the argument
    # counts; then per argument its dtype, rank and extents; then placement; the rest is data.
    for entry in range(3):
        for counts in (0x00, 0x01, 0x20):
            write("session", f"entry{entry}-counts{counts:02x}",
                  bytes([entry, counts]) + bytes([200] * 48) + bytes(range(64)))


def make_onnx():
    inputs = os.path.join(ROOT, "test", "onnx", "Inputs")
    for name in sorted(os.listdir(inputs)):
        if not name.endswith(".textproto"):
            continue
        with open(os.path.join(inputs, name), "rb") as f:
            model = subprocess.run(
                ["protoc", "--encode=onnx.ModelProto", "-I/usr/include/onnx", "onnx.proto"],
                input=f.read(), check=True, stdout=subprocess.PIPE).stdout
        stem = name[:-len(".textproto")]
        write("onnx", stem + ".onnx", model)
        write("onnx", stem + "-truncated.onnx", model[:len(model) * 2 // 3])
        flipped = bytearray(model)
        for i in range(7, len(flipped), 61):
            flipped[i] ^= 0x10
        write("onnx", stem + "-flipped.onnx", bytes(flipped))


if __name__ == "__main__":
    if os.path.isdir(CORPUS) and "--keep" not in sys.argv:
        shutil.rmtree(CORPUS)
    make_npy()
    make_idx()
    make_csv()
    make_checkpoint()
    make_programs()
    make_session()
    make_onnx()
