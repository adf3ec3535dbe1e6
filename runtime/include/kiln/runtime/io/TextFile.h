// SPDX-License-Identifier: Apache-2.0
// Whole small files (metrics, charts) read with the checks every reader of libkiln_runtime_io
// makes, and replaced atomically as checkpoints are.
#ifndef KILN_RUNTIME_IO_TEXTFILE_H
#define KILN_RUNTIME_IO_TEXTFILE_H

#include "kiln/runtime/Status.h"

#include <string>
#include <string_view>

namespace kiln::rt {

/// The bytes of the regular file `path`. kNotFound when it does not exist; kInvalidArgument
/// "CONTEXT: is a directory" / "is not a regular file" (never waiting on a FIFO); other
/// failures as their errno maps. Errors start with "cannot read 'PATH'".
StatusOr<std::string> readTextFile(const std::string &path);

/// Replaces `path` with `contents` whole or not at all: a temporary `PATH.tmp-PID-N` in the
/// same directory, fsync, rename over `path`, fsync of the directory (temporaries of
/// writers that no longer run are removed first). Errors start with "cannot write 'PATH'".
Status writeTextFileAtomically(const std::string &path, std::string_view contents);

} // namespace kiln::rt

#endif // KILN_RUNTIME_IO_TEXTFILE_H
