// SPDX-License-Identifier: Apache-2.0
// Checkpoints in the safetensors layout, with a checksum in the metadata.
#include "kiln/runtime/io/Checkpoint.h"

#include "Files.h"
#include "core/SysError.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

namespace kiln::rt {
namespace {

using json = nlohmann::json;

// safetensors' dtype names.
const char *safetensorsName(DType d) {
  switch (d) {
  case DType::F32: return "F32";
  case DType::F64: return "F64";
  case DType::F16: return "F16";
  case DType::BF16: return "BF16";
  case DType::I1: return "BOOL";
  case DType::I8: return "I8";
  case DType::I32: return "I32";
  case DType::I64: return "I64";
  }
  return "";
}

StatusOr<DType> fromSafetensorsName(const std::string &name) {
  for (DType d : {DType::F32, DType::F64, DType::F16, DType::BF16, DType::I1, DType::I8,
                  DType::I32, DType::I64})
    if (name == safetensorsName(d))
      return d;
  return Status::error(StatusCode::kDataLoss, "unknown dtype " + quoteForMessage(name));
}

/// FNV-1a, 64 bits: cheap, and any corruption of the file is all but certain to change it.
uint64_t fnv1a(const unsigned char *data, size_t size, uint64_t hash = 0xcbf29ce484222325ull) {
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ data[i]) * 0x100000001b3ull;
  return hash;
}

std::string hex(uint64_t v) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
  return buffer;
}

} // namespace

// This file is compiled with hidden visibility (it instantiates nlohmann templates that must
// not leak into host applications); its two entry points are the runtime's API.
__attribute__((visibility("default"))) Status saveCheckpoint(const std::string &path,
                      const std::vector<std::pair<std::string, TensorView>> &tensors,
                      const std::map<std::string, std::string> &metadata) {
  const std::string context = "cannot save checkpoint " + quoteForMessage(path, 4096);
  json header = json::object();
  uint64_t offset = 0;
  std::vector<std::pair<const void *, size_t>> chunks;
  for (const auto &[name, view] : tensors) {
    KILN_ASSIGN_OR_RETURN(size_t bytes, checkedByteSize(view.dtype, view.shape));
    if (name == "__metadata__" || header.contains(name))
      return Status::error(StatusCode::kInvalidArgument, context + ": duplicate or reserved tensor name " + quoteForMessage(name));
    header[name] = {{"dtype", safetensorsName(view.dtype)},
                    {"shape", view.shape},
                    {"data_offsets", {offset, offset + bytes}}};
    chunks.push_back({view.data, bytes});
    offset += bytes;
  }
  // The checksum covers the header (names, shapes, metadata) and then the data.
  header["__metadata__"] = metadata;
  std::string canonical = header.dump();
  uint64_t hash = fnv1a(reinterpret_cast<const unsigned char *>(canonical.data()), canonical.size());
  for (const auto &[data, size] : chunks)
    hash = fnv1a(static_cast<const unsigned char *>(data), size, hash);
  header["__metadata__"]["kiln_checksum"] = hex(hash);
  std::string text = header.dump();
  // safetensors pads the header with spaces so the data starts 8-byte aligned.
  text.append((8 - (8 + text.size()) % 8) % 8, ' ');
  uint64_t length = text.size();
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i)
    prefix[i] = static_cast<unsigned char>(length >> (8 * i));
  chunks.insert(chunks.begin(), {{prefix, 8}, {text.data(), text.size()}});
  return detail::writeFileAtomically(path, context, chunks);
}

__attribute__((visibility("default"))) StatusOr<Checkpoint>
loadCheckpoint(const std::string &path) {
  const std::string context = "cannot load checkpoint " + quoteForMessage(path, 4096);
  KILN_ASSIGN_OR_RETURN(detail::RegularFile opened, detail::openRegularFile(path, context));
  const detail::FileDescriptor &file = opened.fd;
  uint64_t size = opened.size;
  unsigned char prefix[8];
  if (size < 8 || detail::readFully(file.get(), prefix, 8) != 8)
    return Status::error(StatusCode::kDataLoss, context + ": truncated (no header length)");
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= uint64_t(prefix[i]) << (8 * i);
  if (length > size - 8)
    return Status::error(StatusCode::kDataLoss, context + ": the header length runs past the end of the file");
  std::string text(length, '\0');
  if (detail::readFully(file.get(), text.data(), length) != static_cast<ssize_t>(length))
    return Status::error(StatusCode::kDataLoss, context + ": truncated header");
  json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains("__metadata__") ||
      !header["__metadata__"].is_object())
    return Status::error(StatusCode::kDataLoss, context + ": malformed header");

  Checkpoint checkpoint;
  checkpoint.path = path;
  for (auto &[key, value] : header["__metadata__"].items()) {
    if (!value.is_string())
      return Status::error(StatusCode::kDataLoss, context + ": metadata " + quoteForMessage(key) + " is not a string");
    checkpoint.metadata[key] = value.get<std::string>();
  }
  // The header as saveCheckpoint hashed it: without its checksum (nlohmann serialises
  // objects with sorted keys, so the dump is canonical).
  json unsigned_ = header;
  unsigned_["__metadata__"].erase("kiln_checksum");
  std::string canonical = unsigned_.dump();
  uint64_t dataSize = size - 8 - length;
  uint64_t hash = fnv1a(reinterpret_cast<const unsigned char *>(canonical.data()), canonical.size());
  // Tensors in order of their data, which is the order they were saved in.
  std::vector<std::pair<uint64_t, std::string>> order;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__")
      continue;
    if (!entry.is_object() || !entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2 || !entry["data_offsets"][0].is_number_unsigned())
      return Status::error(StatusCode::kDataLoss, context + ": malformed entry " + quoteForMessage(name));
    order.push_back({entry["data_offsets"][0].get<uint64_t>(), name});
  }
  std::sort(order.begin(), order.end());
  // The tensors' byte ranges must tile the data exactly, as safetensors requires: a gap or
  // an overlap means a header that does not describe this file's data.
  uint64_t expectedBegin = 0;
  auto layoutError = [&](const std::string &name, const std::string &what) {
    return Status::error(StatusCode::kDataLoss,
                         context + ": the data of " + quoteForMessage(name) + " " + what);
  };
  for (const auto &[begin, name] : order) {
    const json &entry = header[name];
    if (!entry.contains("dtype") || !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array() || !entry["data_offsets"][1].is_number_unsigned())
      return Status::error(StatusCode::kDataLoss, context + ": malformed entry " + quoteForMessage(name));
    StatusOr<DType> dtype = fromSafetensorsName(entry["dtype"].get<std::string>());
    if (!dtype.ok())
      return Status::error(StatusCode::kDataLoss, context + ": " + std::string(dtype.status().message()));
    std::vector<int64_t> shape;
    for (const json &d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        return Status::error(StatusCode::kDataLoss, context + ": bad shape of " + quoteForMessage(name));
      shape.push_back(d.get<int64_t>());
    }
    uint64_t end = entry["data_offsets"][1].get<uint64_t>();
    StatusOr<size_t> bytes = checkedByteSize(*dtype, shape);
    if (!bytes.ok())
      return layoutError(name, "has no valid size: " + std::string(bytes.status().message()));
    if (begin != expectedBegin)
      return layoutError(name, "starts at byte " + std::to_string(begin) + ", " +
                                   (begin < expectedBegin
                                        ? "inside the previous tensor's data (which ends at byte " +
                                              std::to_string(expectedBegin) + ")"
                                        : "leaving bytes [" + std::to_string(expectedBegin) +
                                              ", " + std::to_string(begin) + ") unused"));
    if (end < begin || end - begin != *bytes)
      return layoutError(name, "spans bytes [" + std::to_string(begin) + ", " +
                                   std::to_string(end) + ") but " + safetensorsName(*dtype) +
                                   shapeToString(shape) + " takes " + std::to_string(*bytes) +
                                   " bytes");
    if (end > dataSize)
      return layoutError(name, "ends at byte " + std::to_string(end) + ", past the " +
                                   std::to_string(dataSize) + " bytes of data in the file");
    expectedBegin = end;
    KILN_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(*dtype, shape));
    if (::pread(file.get(), tensor.data(), *bytes, static_cast<off_t>(8 + length + begin)) !=
        static_cast<ssize_t>(*bytes))
      return Status::error(StatusCode::kDataLoss, context + ": truncated data of " + quoteForMessage(name));
    hash = fnv1a(static_cast<const unsigned char *>(tensor.data()), *bytes, hash);
    checkpoint.tensors.push_back({name, std::move(tensor)});
  }
  if (expectedBegin != dataSize)
    return Status::error(StatusCode::kDataLoss,
                         context + ": " + std::to_string(dataSize - expectedBegin) +
                             " bytes after the last tensor's data");
  auto stored = checkpoint.metadata.find("kiln_checksum");
  if (stored == checkpoint.metadata.end() || stored->second != hex(hash))
    return Status::error(StatusCode::kDataLoss, context + ": checksum mismatch (the file is corrupt)");
  return checkpoint;
}

__attribute__((visibility("default"))) StatusOr<std::string>
checkpointMetadata(const Checkpoint &checkpoint, const std::string &key) {
  auto it = checkpoint.metadata.find(key);
  if (it == checkpoint.metadata.end())
    return Status::error(StatusCode::kDataLoss, "checkpoint " + quoteForMessage(checkpoint.path, 4096) +
                                                    " has no metadata " + quoteForMessage(key));
  return it->second;
}

__attribute__((visibility("default"))) StatusOr<int64_t>
checkpointInteger(const Checkpoint &checkpoint, const std::string &key, int64_t min,
                  int64_t max) {
  KILN_ASSIGN_OR_RETURN(std::string text, checkpointMetadata(checkpoint, key));
  // from_chars alone would take a prefix ("5abc") and set no error for it.
  int64_t value = 0;
  const char *end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  bool digits = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos;
  if (!digits || ec != std::errc() || stop != end || value < min || value > max)
    return Status::error(StatusCode::kDataLoss,
                         "checkpoint " + quoteForMessage(checkpoint.path, 4096) + ": metadata " +
                             quoteForMessage(key) + " is " + quoteForMessage(text) +
                             ", not an integer in [" + std::to_string(min) + ", " +
                             std::to_string(max) + "]");
  return value;
}

} // namespace kiln::rt
