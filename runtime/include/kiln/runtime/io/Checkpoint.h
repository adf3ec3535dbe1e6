// SPDX-License-Identifier: Apache-2.0
// Checkpoints: named tensors plus string metadata, in the safetensors layout (readable by
// the safetensors library and anything that reads it), written atomically with a checksum.
#ifndef KILN_RUNTIME_IO_CHECKPOINT_H
#define KILN_RUNTIME_IO_CHECKPOINT_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace kiln::rt {

struct Checkpoint {
  std::vector<std::pair<std::string, Tensor>> tensors; ///< in file order
  std::map<std::string, std::string> metadata;
};

/// Writes `tensors` and `metadata` to `path` as a safetensors file: an 8-byte little-endian
/// header length, a JSON header (dtype, shape and byte range per tensor, and
/// "__metadata__"), then the raw data. The metadata gains "kiln_checksum", an FNV-1a
/// 64-bit hash of the header and the data, checked on load. The file is replaced atomically: an existing
/// checkpoint at `path` survives any failure whole.
Status saveCheckpoint(const std::string &path,
                      const std::vector<std::pair<std::string, TensorView>> &tensors,
                      const std::map<std::string, std::string> &metadata);

/// Reads a checkpoint written by saveCheckpoint. Errors name the path: kNotFound, or
/// kDataLoss for a truncated file, a malformed header or a checksum mismatch.
StatusOr<Checkpoint> loadCheckpoint(const std::string &path);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_CHECKPOINT_H
