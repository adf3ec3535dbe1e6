// SPDX-License-Identifier: Apache-2.0
// Internal file helpers shared by the .npy and checkpoint writers.
#include "Files.h"

#include "core/SysError.h"

#include <atomic>
#include <cerrno>
#include <fcntl.h>

namespace kiln::rt::detail {

ssize_t readFully(int fd, void *buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, static_cast<char *>(buffer) + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

bool writeFully(int fd, const void *buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, static_cast<const char *>(buffer) + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

static std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status writeFileAtomically(const std::string &path, const std::string &context,
                           const std::vector<std::pair<const void *, size_t>> &chunks) {
  // A unique sibling name: same directory, so rename() is atomic and never crosses devices.
  static std::atomic<uint64_t> counter{0};
  std::string tempPath;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    tempPath = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return sysError(errno, context + " (creating a temporary file next to it)");
  FileDescriptor file(fd);

  auto abandon = [&](const std::string &step) {
    int err = errno;
    file.reset();
    ::unlink(tempPath.c_str());
    return sysError(err, context + " (" + step + ")");
  };
  for (const auto &[data, size] : chunks)
    if (!writeFully(file.get(), data, size))
      return abandon("writing");
  if (::fsync(file.get()) != 0)
    return abandon("fsync");
  if (file.reset() != 0)
    return abandon("closing");
  if (::rename(tempPath.c_str(), path.c_str()) != 0)
    return abandon("renaming the temporary file over it");

  // Make the rename itself durable. The new file is already complete and in place, so a
  // failure here is not worth reporting as a failed save.
  FileDescriptor directory(::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0)
    (void)::fsync(directory.get());
  return Status();
}

} // namespace kiln::rt::detail
