// SPDX-License-Identifier: Apache-2.0
// Internal: whole-buffer reads and writes, and atomic replacement of a file.
#ifndef KILN_RUNTIME_LIB_IO_FILES_H
#define KILN_RUNTIME_LIB_IO_FILES_H

#include "kiln/runtime/Status.h"

#include <cstddef>
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
  ~FileDescriptor() { reset(); }
  int get() const { return fd_; }
  // close() reports write-back errors on some file systems, so writers check it.
  int reset() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

private:
  int fd_;
};

/// Reads exactly `size` bytes; returns how many arrived before end of file, or -1 (errno set).
ssize_t readFully(int fd, void *buffer, size_t size);

/// Writes all of `buffer`, retrying after interruptions; false on error (errno set).
bool writeFully(int fd, const void *buffer, size_t size);

/// Writes the concatenation of `chunks` to `path` so that `path` is replaced whole or not
/// at all: a temporary file in the same directory, fsync, rename over `path`, fsync of the
/// directory. `context` names the operation in errors ("cannot save ... 'path'").
Status writeFileAtomically(const std::string &path, const std::string &context,
                           const std::vector<std::pair<const void *, size_t>> &chunks);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_LIB_IO_FILES_H
