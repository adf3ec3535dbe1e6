// SPDX-License-Identifier: Apache-2.0
// Internal: errno-to-StatusCode mapping shared by module loading and .npy I/O.
#include "SysError.h"

#include <cerrno>
#include <system_error>

namespace kiln::rt::detail {
namespace {
StatusCode codeFor(int err) {
  switch (err) {
  case ENOENT:
  case ENOTDIR:
    return StatusCode::kNotFound;
  case EACCES:
  case EPERM:
  case EROFS:
  case ETXTBSY:
    return StatusCode::kFailedPrecondition;
  case ENOSPC:
  case EDQUOT:
  case ENOMEM:
  case EMFILE:
  case ENFILE:
  case EFBIG:
    return StatusCode::kResourceExhausted;
  case EISDIR:
  case ENAMETOOLONG:
  case ELOOP:
  case EINVAL:
    return StatusCode::kInvalidArgument;
  case EINTR:
  case EAGAIN:
  case EBUSY:
    return StatusCode::kUnavailable;
  case EIO:
    return StatusCode::kDataLoss;
  default:
    return StatusCode::kInternal;
  }
}
} // namespace

Status sysError(int err, const std::string &what) {
  // generic_category().message is the thread-safe strerror.
  return Status::error(codeFor(err), what + ": " + std::generic_category().message(err));
}

} // namespace kiln::rt::detail
