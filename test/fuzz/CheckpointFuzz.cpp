// SPDX-License-Identifier: Apache-2.0
// Fuzz target: loadCheckpoint on arbitrary bytes. The checksum is checked last, so every
// header and every tensor of a corrupt file is parsed before it is refused; what loads must
// save and load again unchanged.
#include "FuzzInput.h"
#include "kiln/runtime/io/Checkpoint.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const kiln::fuzz::ScratchFile input(".safetensors"), copy(".safetensors");
  auto loaded = kiln::rt::loadCheckpoint(input.write(data, size));
  if (!loaded.ok())
    return 0;
  std::vector<std::pair<std::string, kiln::rt::TensorView>> views;
  for (const auto &[name, tensor] : loaded->tensors)
    views.push_back({name, tensor.view()});
  std::map<std::string, std::string> metadata = loaded->metadata;
  metadata.erase("kiln_checksum"); // saveCheckpoint computes it afresh
  kiln::rt::Status saved = kiln::rt::saveCheckpoint(copy.path(), views, metadata);
  if (!saved.ok()) {
    std::fprintf(stderr, "saveCheckpoint refused what loadCheckpoint accepted: %s\n",
                 saved.toString().c_str());
    std::abort();
  }
  auto again = kiln::rt::loadCheckpoint(copy.path());
  // By name: zero-byte tensors share offsets, so the file order of a re-saved checkpoint
  // may legitimately differ from the original's.
  auto byName = [](const kiln::rt::Checkpoint &c) {
    std::map<std::string, const kiln::rt::Tensor *> m;
    for (const auto &[name, tensor] : c.tensors)
      m[name] = &tensor;
    return m;
  };
  // The checksum covers the header as written, which a re-save normalises (offsets, unknown
  // keys), so only the rest of the metadata must match.
  bool same = again.ok();
  if (same) {
    std::map<std::string, std::string> reread = again->metadata;
    reread.erase("kiln_checksum");
    same = reread == metadata;
  }
  if (same) {
    auto a = byName(*loaded), b = byName(*again);
    same = a.size() == b.size() && a.size() == loaded->tensors.size();
    for (auto i = a.begin(), j = b.begin(); same && i != a.end(); ++i, ++j)
      same = i->first == j->first && i->second->dtype() == j->second->dtype() &&
             i->second->shape() == j->second->shape() &&
             std::memcmp(i->second->data(), j->second->data(), i->second->nbytes()) == 0;
  }
  if (!same) {
    std::fprintf(stderr, "a checkpoint does not read back as it was written\n");
    std::abort();
  }
  return 0;
}
