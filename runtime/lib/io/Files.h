// SPDX-License-Identifier: Apache-2.0
// Internal: whole-buffer reads and writes, and atomic replacement of a file.
#ifndef KILN_RUNTIME_LIB_IO_FILES_H
#define KILN_RUNTIME_LIB_IO_FILES_H

#include "kiln/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace kiln::rt::detail {

/// Owns a file descriptor.
class FileDescriptor {
public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor &) = delete;
  FileDescriptor &operator=(const FileDescriptor &) = delete;
  FileDescriptor(FileDescriptor &&other) noexcept : fd_(other.release()) {}
  FileDescriptor &operator=(FileDescriptor &&other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  /// Gives up ownership (e.g. to gzdopen, which closes it).
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // close() reports write-back errors on some file systems, so writers check it.
  int reset() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

/// An open regular file and its size when it was opened.
struct RegularFile {
  FileDescriptor fd;
  uint64_t size = 0;
};

/// Opens `path` for reading only if it is a regular file. A directory fails with
/// "CONTEXT: is a directory", a FIFO, socket or device with "CONTEXT: is not a regular file"
/// (kInvalidArgument), instead of read errors reported as truncation or a read that blocks
/// forever: the open itself does not wait for a FIFO's writer (O_NONBLOCK), and the type is
/// checked on the descriptor (fstat), so a file swapped in between cannot slip through.
/// Other failures are sysError(errno, context).
StatusOr<RegularFile> openRegularFile(const std::string &path, const std::string &context);

/// Reads exactly `size` bytes; returns how many arrived before end of file, or -1 (errno set).
ssize_t readFully(int fd, void *buffer, size_t size);

/// Writes all of `buffer`, retrying after interruptions; false on error (errno set).
bool writeFully(int fd, const void *buffer, size_t size);

/// Writes the concatenation of `chunks` to `path` so that `path` is replaced whole or not
/// at all: a temporary file in the same directory (`PATH.tmp-PID-N`), fsync, rename over
/// `path`, fsync of the directory. Temporaries of `path` that a killed writer left behind
/// (their PID no longer exists) are removed first; those of live processes are left alone. `context` names the operation in errors ("cannot save ... 'path'").
Status writeFileAtomically(const std::string &path, const std::string &context,
                           const std::vector<std::pair<const void *, size_t>> &chunks);

/// Removes the `NAME.tmp-PID-N` files next to `path` (NAME its file name) whose process PID
/// no longer exists. Best effort: a file that cannot be listed or removed is left as it is.
void removeStaleTemporaries(const std::string &path);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_LIB_IO_FILES_H
