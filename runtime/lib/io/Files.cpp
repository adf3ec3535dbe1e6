// SPDX-License-Identifier: Apache-2.0
// Internal file helpers shared by the .npy and checkpoint writers.
#include "Files.h"

#include "kiln/runtime/io/TextFile.h"

#include "core/SysError.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <memory>
#include <string_view>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace kiln::rt::detail {

StatusOr<RegularFile> openRegularFile(const std::string &path, const std::string &context) {
  RegularFile file;
  file.fd = FileDescriptor(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (file.fd.get() < 0)
    return sysError(errno, context);
  struct stat info;
  if (::fstat(file.fd.get(), &info) != 0)
    return sysError(errno, context);
  if (S_ISDIR(info.st_mode))
    return Status::error(StatusCode::kInvalidArgument, context + ": is a directory");
  if (!S_ISREG(info.st_mode))
    return Status::error(StatusCode::kInvalidArgument, context + ": is not a regular file");
  // Reads of a regular file never block anyway; clearing the flag keeps them plain reads.
  int flags = ::fcntl(file.fd.get(), F_GETFL);
  if (flags >= 0)
    (void)::fcntl(file.fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  file.size = static_cast<uint64_t>(info.st_size);
  return file;
}

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

void removeStaleTemporaries(const std::string &path) {
  size_t slash = path.rfind('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp-";
  std::unique_ptr<DIR, int (*)(DIR *)> directory(::opendir(directoryOf(path).c_str()), ::closedir);
  if (!directory)
    return;
  std::vector<std::string> stale;
  while (const dirent *entry = ::readdir(directory.get())) {
    std::string_view name(entry->d_name);
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
      continue;
    // PID-N, both decimal: anything else is not one of ours and stays.
    std::string rest(name.substr(prefix.size()));
    char *end = nullptr;
    errno = 0;
    long pid = std::strtol(rest.c_str(), &end, 10);
    if (errno || end == rest.c_str() || *end != '-' || pid <= 0 || end[1] == '\0' ||
        rest.find_first_not_of("0123456789", size_t(end - rest.c_str()) + 1) != std::string::npos)
      continue;
    // Only a process that is gone for certain: EPERM means it exists under another user.
    if (pid != ::getpid() && ::kill(pid_t(pid), 0) == -1 && errno == ESRCH)
      stale.push_back(directoryOf(path) + "/" + std::string(name));
  }
  for (const std::string &file : stale)
    (void)::unlink(file.c_str());
}

Status writeFileAtomically(const std::string &path, const std::string &context,
                           const std::vector<std::pair<const void *, size_t>> &chunks) {
  removeStaleTemporaries(path);
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

namespace kiln::rt {

StatusOr<std::string> readTextFile(const std::string &path) {
  const std::string context = "cannot read " + quoteForMessage(path, 4096);
  KILN_ASSIGN_OR_RETURN(detail::RegularFile file, detail::openRegularFile(path, context));
  std::string bytes(size_t(file.size), '\0');
  ssize_t got = detail::readFully(file.fd.get(), bytes.data(), bytes.size());
  if (got < 0)
    return detail::sysError(errno, context);
  bytes.resize(size_t(got)); // a file that shrank meanwhile: what is there now
  return bytes;
}

Status writeTextFileAtomically(const std::string &path, std::string_view contents) {
  return detail::writeFileAtomically(path, "cannot write " + quoteForMessage(path, 4096),
                                     {{contents.data(), contents.size()}});
}

} // namespace kiln::rt
