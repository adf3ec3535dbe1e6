// SPDX-License-Identifier: Apache-2.0
// IDX reader: big-endian header, then the elements; zlib reads plain and gzip files alike.
#include "kiln/runtime/io/Idx.h"

#include "Files.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

namespace kiln::rt {
namespace {

std::string context(const std::string &path) { return "IDX file " + quoteForMessage(path, 4096); }

Status error(StatusCode code, const std::string &path, const std::string &what) {
  return Status::error(code, context(path) + ": " + what);
}

/// Reads the whole (decompressed) file; gzread passes uncompressed files through.
StatusOr<std::vector<unsigned char>> readAll(const std::string &path) {
  // zlib would open a FIFO and wait for a writer; only a regular file gets that far.
  KILN_ASSIGN_OR_RETURN(detail::RegularFile regular, detail::openRegularFile(path, context(path)));
  gzFile file = gzdopen(regular.fd.get(), "rb");
  if (!file)
    return error(StatusCode::kResourceExhausted, path, "cannot set up decompression");
  regular.fd.release(); // gzclose closes it now
  std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(file, gzclose);
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  while (true) {
    int n = gzread(file, chunk, sizeof chunk);
    if (n < 0) {
      int code;
      const char *message = gzerror(file, &code);
      return error(StatusCode::kDataLoss, path, std::string("corrupt compressed data: ") + message);
    }
    if (n == 0)
      break;
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  return bytes;
}

uint32_t bigEndian32(const unsigned char *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/// Element `i` of the payload as a double, for the IDX type code.
double element(const unsigned char *data, int type, int64_t i) {
  switch (type) {
  case 0x08: return data[i];
  case 0x09: return static_cast<int8_t>(data[i]);
  case 0x0B: return static_cast<int16_t>(uint16_t(data[2 * i]) << 8 | data[2 * i + 1]);
  case 0x0C: return static_cast<int32_t>(bigEndian32(data + 4 * i));
  case 0x0D: {
    uint32_t u = bigEndian32(data + 4 * i);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  default: { // 0x0E, f64
    uint64_t u = uint64_t(bigEndian32(data + 8 * i)) << 32 | bigEndian32(data + 8 * i + 4);
    double d;
    std::memcpy(&d, &u, 8);
    return d;
  }
  }
}

int elementSize(int type) {
  switch (type) {
  case 0x08: case 0x09: return 1;
  case 0x0B: return 2;
  case 0x0C: case 0x0D: return 4;
  case 0x0E: return 8;
  default: return 0;
  }
}

/// Converts the payload into `out`; false (with `bad` the offending index) when an element
/// read as an integer type is not a number or out of its range, where the cast is undefined.
template <class T>
bool convert(Tensor &out, const unsigned char *data, int type, double scale, int64_t &bad) {
  T *dst = out.data<T>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    double value = element(data, type, i) * scale;
    if constexpr (std::is_integral_v<T>) {
      // Both bounds are exact doubles (-2^k and 2^k); NaN fails the comparison.
      if (!(value >= double(std::numeric_limits<T>::min()) &&
            value < -double(std::numeric_limits<T>::min()))) {
        bad = i;
        return false;
      }
    }
    dst[i] = static_cast<T>(value);
  }
  return true;
}

} // namespace

StatusOr<Tensor> loadIdx(const std::string &path, DType as, double scale) {
  if (as != DType::F32 && as != DType::F64 && as != DType::I32 && as != DType::I64)
    return error(StatusCode::kInvalidArgument, path,
                 "can be read as f32, f64, i32 or i64, not " + std::string(dtypeName(as)));
  KILN_ASSIGN_OR_RETURN(std::vector<unsigned char> bytes, readAll(path));
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    return error(StatusCode::kInvalidArgument, path, "not an IDX file (bad magic number)");
  int type = bytes[2], rank = bytes[3];
  if (!elementSize(type))
    return error(StatusCode::kInvalidArgument, path,
                 "unknown element type code 0x" + std::to_string(type));
  size_t headerSize = 4 + 4 * size_t(rank);
  if (bytes.size() < headerSize)
    return error(StatusCode::kDataLoss, path, "truncated header");
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d)
    shape.push_back(bigEndian32(bytes.data() + 4 + 4 * d));
  KILN_ASSIGN_OR_RETURN(size_t count, checkedByteSize(DType::I8, shape));
  size_t expected = headerSize + count * size_t(elementSize(type));
  if (bytes.size() != expected)
    return error(StatusCode::kDataLoss, path,
                 (bytes.size() < expected ? "truncated: " : "trailing bytes: ") +
                     std::to_string(bytes.size()) + " bytes, the header declares " +
                     std::to_string(expected));
  KILN_ASSIGN_OR_RETURN(Tensor out, Tensor::allocate(as, shape));
  const unsigned char *data = bytes.data() + headerSize;
  int64_t bad = 0;
  bool converted = as == DType::F32   ? convert<float>(out, data, type, scale, bad)
                   : as == DType::F64 ? convert<double>(out, data, type, scale, bad)
                   : as == DType::I32 ? convert<int32_t>(out, data, type, scale, bad)
                                      : convert<int64_t>(out, data, type, scale, bad);
  if (!converted)
    return error(StatusCode::kInvalidArgument, path,
                 "element " + std::to_string(bad) + " (" +
                     std::to_string(element(data, type, bad) * scale) + ") does not fit in " +
                     std::string(dtypeName(as)));
  return out;
}

} // namespace kiln::rt
