// SPDX-License-Identifier: Apache-2.0
// Internal: turning errno values from file and loader calls into Status codes.
#ifndef KILN_RUNTIME_LIB_CORE_SYSERROR_H
#define KILN_RUNTIME_LIB_CORE_SYSERROR_H

#include "kiln/runtime/Status.h"

#include <string>

namespace kiln::rt::detail {

/// An error for a failed system call: `what` (which should name the path), then
/// strerror(err). The code follows the errno: ENOENT is kNotFound, EACCES kFailedPrecondition,
/// ENOSPC kResourceExhausted, and so on.
Status sysError(int err, const std::string &what);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_LIB_CORE_SYSERROR_H
