# Writes a float32 .npy file of [nan, 1, -inf] to stdout, for kiln-run's --check-finite test.
import struct
import sys

header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
header += " " * (117 - len(header)) + "\n"
sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() +
                        struct.pack("<3f", float("nan"), 1.0, float("-inf")))
