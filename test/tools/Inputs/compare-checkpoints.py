# SPDX-License-Identifier: Apache-2.0
"""Compares the f32 tensors two Kiln checkpoints (safetensors) hold under the given names
(standard library only):
    compare-checkpoints.py A B TOLERANCE NAME...
prints each name's largest difference relative to max(1, |B|), and exits 1 if one exceeds
TOLERANCE or a name is missing. A name written zero:NAME checks instead that NAME holds only
zeros in both."""
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        begin, end = entry["data_offsets"]
        raw = data[8 + length + begin:8 + length + end]
        out[name] = struct.unpack(f"<{len(raw) // 4}f", raw)
    return out


def main():
    a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
    tolerance, failed = float(sys.argv[3]), 0
    for name in sys.argv[4:]:
        if name.startswith("zero:"):
            name = name[len("zero:"):]
            ok = name in a and name in b and not any(a[name]) and not any(b[name])
            failed += not ok
            print(f"{'PASS' if ok else 'FAIL'} {name} is zero")
            continue
        if name not in a or name not in b:
            print(f"FAIL {name}: missing")
            failed += 1
            continue
        error = max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a[name], b[name]))
        ok = len(a[name]) == len(b[name]) and error <= tolerance
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name}: {error:.3g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
