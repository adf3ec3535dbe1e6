# Rewrites the metadata of a Kiln checkpoint (safetensors) and recomputes its checksum, so
# that tests can hand kiln-run well-formed files with bad metadata:
#   set-checkpoint-metadata.py IN OUT KEY=VALUE... (KEY= with nothing after it removes KEY;
#   tensor:OLD=NEW renames a tensor, as checkpoints of another naming would have it)
import json
import struct
import sys


def fnv1a(data, h=0xcbf29ce484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def dump(header):
    # nlohmann::json's dump: keys sorted, no spaces.
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


raw = open(sys.argv[1], "rb").read()
(length,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + length])
data = raw[8 + length:]
meta = header["__metadata__"]
meta.pop("kiln_checksum", None)
for arg in sys.argv[3:]:
    key, _, value = arg.partition("=")
    if key.startswith("tensor:"):
        header[value] = header.pop(key[len("tensor:"):])
    elif value:
        meta[key] = value
    else:
        meta.pop(key, None)
h = fnv1a(dump(header).encode())
entries = sorted((e["data_offsets"][0], n) for n, e in header.items() if n != "__metadata__")
for begin, name in entries:
    end = header[name]["data_offsets"][1]
    h = fnv1a(data[begin:end], h)
meta["kiln_checksum"] = "%016x" % h
text = dump(header)
text += " " * ((8 - (8 + len(text)) % 8) % 8)
with open(sys.argv[2], "wb") as out:
    out.write(struct.pack("<Q", len(text)) + text.encode() + data)
