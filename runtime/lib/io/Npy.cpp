// SPDX-License-Identifier: Apache-2.0
// NumPy .npy reading and atomic writing for single tensors.
#include "kiln/runtime/io/Npy.h"

#include "Files.h"
#include "core/SysError.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::rt {
namespace {

using detail::FileDescriptor;
using detail::readFully;
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy I/O copies raw bytes and supports only little-endian hosts");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// The data offset is padded to this, as NumPy does, so the data can be mapped aligned.
constexpr size_t kHeaderAlignment = 64;

struct NpyType {
  std::string_view descr;
  DType dtype;
};
// What NumPy writes for our dtypes; bf16 has no type code.
constexpr NpyType kNpyTypes[] = {
    {"<f4", DType::F32}, {"<f8", DType::F64}, {"<f2", DType::F16}, {"<i4", DType::I32},
    {"<i8", DType::I64}, {"|i1", DType::I8},  {"|b1", DType::I1},
};


struct Header {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), }. This accepts exactly the literals NumPy writes for it.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  StatusOr<Header> parse() {
    Header header;
    bool seenDescr = false, seenOrder = false, seenShape = false;
    KILN_RETURN_IF_ERROR(expect('{'));
    while (!peek('}')) {
      KILN_ASSIGN_OR_RETURN(std::string key, parseString());
      KILN_RETURN_IF_ERROR(expect(':'));
      if (key == "descr" && !seenDescr) {
        KILN_ASSIGN_OR_RETURN(header.descr, parseString());
        seenDescr = true;
      } else if (key == "fortran_order" && !seenOrder) {
        KILN_ASSIGN_OR_RETURN(header.fortranOrder, parseBool());
        seenOrder = true;
      } else if (key == "shape" && !seenShape) {
        KILN_ASSIGN_OR_RETURN(header.shape, parseShape());
        seenShape = true;
      } else {
        return error("unexpected or repeated key " + quoteForMessage(key));
      }
      if (!peek('}'))
        KILN_RETURN_IF_ERROR(expect(','));
    }
    KILN_RETURN_IF_ERROR(expect('}'));
    skipSpace();
    if (pos_ != text_.size())
      return error("unexpected text after the closing brace");
    if (!seenDescr || !seenOrder || !seenShape)
      return error("the header must have the keys 'descr', 'fortran_order' and 'shape'");
    return header;
  }

private:
  Status error(const std::string &what) const {
    return Status::error(StatusCode::kInvalidArgument,
                         "malformed header (" + what + " at offset " + std::to_string(pos_) +
                             " of " + quoteForMessage(text_) + ")");
  }

  void skipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  Status expect(char c) {
    if (!peek(c))
      return error(std::string("expected '") + c + "'");
    ++pos_;
    return Status();
  }

  StatusOr<std::string> parseString() {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      return error("expected a quoted string");
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos)
      return error("unterminated string");
    std::string value(text_.substr(pos_, end - pos_));
    if (value.find('\\') != std::string::npos)
      return error("escape sequences are not supported");
    pos_ = end + 1;
    return value;
  }

  StatusOr<bool> parseBool() {
    skipSpace();
    for (auto [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}})
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    return error("expected True or False");
  }

  StatusOr<std::vector<int64_t>> parseShape() {
    std::vector<int64_t> shape;
    KILN_RETURN_IF_ERROR(expect('('));
    while (!peek(')')) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
        return error("expected a non-negative integer extent");
      int64_t extent = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
        if (__builtin_mul_overflow(extent, int64_t{10}, &extent) ||
            __builtin_add_overflow(extent, int64_t{text_[pos_++] - '0'}, &extent))
          return error("extent does not fit in int64");
      shape.push_back(extent);
      if (!peek(')'))
        KILN_RETURN_IF_ERROR(expect(','));
    }
    KILN_RETURN_IF_ERROR(expect(')'));
    return shape;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

StatusOr<DType> dtypeForDescr(const std::string &descr) {
  for (const NpyType &type : kNpyTypes)
    if (type.descr == descr)
      return type.dtype;
  if (!descr.empty() && descr[0] == '>')
    return Status::error(StatusCode::kUnimplemented,
                         "big-endian data (" + quoteForMessage(descr) + ") is not supported");
  return Status::error(StatusCode::kUnimplemented,
                       "unsupported dtype " + quoteForMessage(descr) +
                           " (supported: <f4, <f8, <f2, <i4, <i8, |i1, |b1)");
}

StatusOr<std::string_view> descrForDType(DType dtype) {
  for (const NpyType &type : kNpyTypes)
    if (type.dtype == dtype)
      return type.descr;
  return Status::error(StatusCode::kUnimplemented,
                       std::string(dtypeName(dtype)) + " has no NumPy type code");
}

Status withContext(const Status &status, const std::string &context) {
  return Status::error(status.code(), context + ": " + std::string(status.message()));
}

Status truncated(const std::string &context, const std::string &what) {
  return Status::error(StatusCode::kDataLoss, context + ": truncated " + what);
}

// The fixed prefix, header length and header text; the data starts right after.
StatusOr<Header> readHeader(int fd, uint64_t fileSize, const std::string &context,
                            uint64_t &dataOffset) {
  unsigned char prefix[kMagicSize + 2];
  ssize_t got = readFully(fd, prefix, sizeof(prefix));
  if (got < 0)
    return detail::sysError(errno, context);
  // A short file that still starts like the magic is a truncated .npy, anything else is not one.
  if (std::memcmp(prefix, kMagic, std::min<size_t>(static_cast<size_t>(got), kMagicSize)) != 0)
    return Status::error(StatusCode::kInvalidArgument,
                         context + ": not a .npy file (bad magic string)");
  if (static_cast<size_t>(got) < sizeof(prefix))
    return truncated(context, "header (" + std::to_string(fileSize) + " bytes in the file)");

  unsigned major = prefix[kMagicSize], minor = prefix[kMagicSize + 1];
  if (major < 1 || major > 3)
    return Status::error(StatusCode::kUnimplemented,
                         context + ": unsupported .npy format version " + std::to_string(major) +
                             "." + std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  // Version 1 stores the header length in 2 bytes; 2 and 3 in 4 (3 only switches to UTF-8).
  size_t lengthBytes = major == 1 ? 2 : 4;
  unsigned char lengthField[4] = {};
  if (readFully(fd, lengthField, lengthBytes) != static_cast<ssize_t>(lengthBytes))
    return truncated(context, "header length");
  uint64_t headerLength = 0;
  for (size_t i = lengthBytes; i-- > 0;)
    headerLength = headerLength << 8 | lengthField[i];
  dataOffset = sizeof(prefix) + lengthBytes + headerLength;
  if (dataOffset > fileSize)
    return truncated(context, "header (it declares " + std::to_string(headerLength) +
                                  " bytes, the file has " + std::to_string(fileSize) + ")");

  std::string text(headerLength, '\0');
  if (readFully(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return truncated(context, "header");
  StatusOr<Header> header = HeaderParser(text).parse();
  if (!header.ok())
    return withContext(header.status(), context);
  return header;
}

std::string headerBytes(std::string_view descr, const std::vector<int64_t> &shape) {
  std::string dict = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (";
  for (int64_t extent : shape)
    dict += std::to_string(extent) + ", ";
  if (shape.size() > 1)
    dict.resize(dict.size() - 2); // Python writes (3,) for one dimension and (3, 4) otherwise.
  else if (shape.size() == 1)
    dict.resize(dict.size() - 1);
  dict += "), }";

  // The header text ends in '\n' and is space-padded so the data offset is aligned; its
  // length field is 2 bytes in version 1.0 and 4 bytes in 2.0, used only when 1.0 cannot hold it.
  auto paddedLength = [&](size_t prefixSize) {
    size_t total = (prefixSize + dict.size() + 1 + kHeaderAlignment - 1) / kHeaderAlignment *
                   kHeaderAlignment;
    return total - prefixSize;
  };
  size_t lengthBytes = 2;
  size_t headerLength = paddedLength(kMagicSize + 2 + lengthBytes);
  if (headerLength > 0xffff) {
    lengthBytes = 4;
    headerLength = paddedLength(kMagicSize + 2 + lengthBytes);
  }
  dict.append(headerLength - dict.size() - 1, ' ');
  dict += '\n';

  std::string bytes(kMagic, kMagicSize);
  bytes += static_cast<char>(lengthBytes == 2 ? 1 : 2);
  bytes += '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    bytes += static_cast<char>((headerLength >> (8 * i)) & 0xff);
  return bytes + dict;
}

} // namespace

StatusOr<Tensor> loadNpy(const std::string &path) {
  const std::string context = "cannot load .npy file " + quoteForMessage(path, 4096);
  KILN_ASSIGN_OR_RETURN(detail::RegularFile opened, detail::openRegularFile(path, context));
  const FileDescriptor &file = opened.fd;
  uint64_t fileSize = opened.size;

  uint64_t dataOffset = 0;
  KILN_ASSIGN_OR_RETURN(Header header, readHeader(file.get(), fileSize, context, dataOffset));
  StatusOr<DType> dtype = dtypeForDescr(header.descr);
  if (!dtype.ok())
    return withContext(dtype.status(), context);
  if (header.fortranOrder)
    return Status::error(StatusCode::kUnimplemented,
                         context + ": fortran_order is True; only C-order arrays are supported "
                                   "(save with numpy.ascontiguousarray)");
  StatusOr<size_t> nbytes = checkedByteSize(*dtype, header.shape);
  if (!nbytes.ok())
    return withContext(nbytes.status(), context);
  // Compare with the file size before allocating, so a corrupt shape cannot demand terabytes.
  uint64_t available = fileSize - dataOffset;
  if (available < *nbytes)
    return truncated(context, "data (" + std::string(dtypeName(*dtype)) +
                                  shapeToString(header.shape) + " needs " +
                                  std::to_string(*nbytes) + " bytes, the file has " +
                                  std::to_string(available) + ")");
  if (available > *nbytes)
    return Status::error(StatusCode::kDataLoss,
                         context + ": " + std::to_string(available - *nbytes) +
                             " unexpected bytes after the data");

  KILN_ASSIGN_OR_RETURN(Tensor tensor, Tensor::allocate(*dtype, std::move(header.shape)));
  ssize_t got = readFully(file.get(), tensor.data(), tensor.nbytes());
  if (got < 0)
    return detail::sysError(errno, context);
  if (static_cast<size_t>(got) != tensor.nbytes())
    return truncated(context, "data (the file shrank while being read)");
  return tensor;
}

Status saveNpy(const std::string &path, const TensorView &tensor) {
  const std::string context = "cannot save .npy file " + quoteForMessage(path, 4096);
  StatusOr<std::string_view> descr = descrForDType(tensor.dtype);
  if (!descr.ok())
    return withContext(descr.status(), context);
  StatusOr<size_t> nbytes = checkedByteSize(tensor.dtype, tensor.shape);
  if (!nbytes.ok())
    return withContext(nbytes.status(), context);
  if (!tensor.data && *nbytes > 0)
    return Status::error(StatusCode::kInvalidArgument, context + ": null data pointer");
  std::string header = headerBytes(*descr, tensor.shape);

  return detail::writeFileAtomically(
      path, context, {{header.data(), header.size()}, {tensor.data, *nbytes}});
}

} // namespace kiln::rt
