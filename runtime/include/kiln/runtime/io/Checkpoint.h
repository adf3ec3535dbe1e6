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
  std::string path; ///< the file it was loaded from, for messages
};

/// Writes `tensors` and `metadata` to `path` as a safetensors file: an 8-byte little-endian
/// header length, a JSON header (dtype, shape and byte range per tensor, and
/// "__metadata__"), then the raw data. The metadata gains "kiln_checksum", an FNV-1a
/// 64-bit hash of the header and the data, checked on load. The file is replaced atomically: an existing
/// checkpoint at `path` survives any failure whole.
Status saveCheckpoint(const std::string &path,
                      const std::vector<std::pair<std::string, TensorView>> &tensors,
                      const std::map<std::string, std::string> &metadata);

/// Reads a checkpoint written by saveCheckpoint. Errors name the path: kNotFound;
/// kInvalidArgument for a directory or another file that is not a regular one; kDataLoss for
/// a truncated file, a malformed header, tensors whose byte ranges do not tile the data
/// exactly (a gap, an overlap, a range that disagrees with the dtype and shape or runs past
/// the end, bytes after the last tensor) or a checksum mismatch.
StatusOr<Checkpoint> loadCheckpoint(const std::string &path);

/// The metadata value `key`; kDataLoss "checkpoint 'PATH' has no metadata 'KEY'" when absent.
StatusOr<std::string> checkpointMetadata(const Checkpoint &checkpoint, const std::string &key);

/// The metadata value `key` as a decimal integer in [min, max]: digits only, after an
/// optional '-' ("abc", "+5", " 5", "1e23", "5.0" and values outside the range are refused).
/// kDataLoss naming the checkpoint, the key and the value otherwise.
StatusOr<int64_t> checkpointInteger(const Checkpoint &checkpoint, const std::string &key,
                                    int64_t min, int64_t max);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_CHECKPOINT_H
