// SPDX-License-Identifier: Apache-2.0
// Checkpoints in the safetensors layout, with a checksum in the metadata.
#include "kiln/runtime/io/Checkpoint.h"

#include "Files.h"
#include "core/SysError.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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
  return Status::error(StatusCode::kDataLoss, "unknown dtype '" + name + "'");
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
  const std::string context = "cannot save checkpoint '" + path + "'";
  json header = json::object();
  uint64_t offset = 0;
  std::vector<std::pair<const void *, size_t>> chunks;
  for (const auto &[name, view] : tensors) {
    KILN_ASSIGN_OR_RETURN(size_t bytes, checkedByteSize(view.dtype, view.shape));
    if (name == "__metadata__" || header.contains(name))
      return Status::error(StatusCode::kInvalidArgument, context + ": duplicate or reserved tensor name '" + name + "'");
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
  const std::string context = "cannot load checkpoint '" + path + "'";
  detail::FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0)
    return detail::sysError(errno, context);
  struct stat info;
  if (::fstat(file.get(), &info) != 0)
    return detail::sysError(errno, context);
  uint64_t size = static_cast<uint64_t>(info.st_size);
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
  for (auto &[key, value] : header["__metadata__"].items()) {
    if (!value.is_string())
      return Status::error(StatusCode::kDataLoss, context + ": metadata '" + key + "' is not a string");
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
      return Status::error(StatusCode::kDataLoss, context + ": malformed entry '" + name + "'");
    order.push_back({entry["data_offsets"][0].get<uint64_t>(), name});
  }
  std::sort(order.begin(), order.end());
  for (const auto &[begin, name] : order) {
    const json &entry = header[name];
    if (!entry.contains("dtype") || !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array() || !entry["data_offsets"][1].is_number_unsigned())
      return Status::error(StatusCode::kDataLoss, context + ": malformed entry '" + name + "'");
    StatusOr<DType> dtype = fromSafetensorsName(entry["dtype"].get<std::string>());
    if (!dtype.ok())
      return Status::error(StatusCode::kDataLoss, context + ": " + std::string(dtype.status().message()));
    std::vector<int64_t> shape;
    for (const json &d : entry["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        return Status::error(StatusCode::kDataLoss, context + ": bad shape of '" + name + "'");
      shape.push_back(d.get<int64_t>());
    }
    uint64_t end = entry["data_offsets"][1].get<uint64_t>();
    StatusOr<size_t> bytes = checkedByteSize(*dtype, shape);
    if (!bytes.ok() || end < begin || end - begin != *bytes || end > dataSize)
      return Status::error(StatusCode::kDataLoss, context + ": the data of '" + name + "' does not fit the file");
    KILN_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(*dtype, shape));
    if (::pread(file.get(), tensor.data(), *bytes, static_cast<off_t>(8 + length + begin)) !=
        static_cast<ssize_t>(*bytes))
      return Status::error(StatusCode::kDataLoss, context + ": truncated data of '" + name + "'");
    hash = fnv1a(static_cast<const unsigned char *>(tensor.data()), *bytes, hash);
    checkpoint.tensors.push_back({name, std::move(tensor)});
  }
  auto stored = checkpoint.metadata.find("kiln_checksum");
  if (stored == checkpoint.metadata.end() || stored->second != hex(hash))
    return Status::error(StatusCode::kDataLoss, context + ": checksum mismatch (the file is corrupt)");
  return checkpoint;
}

} // namespace kiln::rt
