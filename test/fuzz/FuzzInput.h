// SPDX-License-Identifier: Apache-2.0
// What the fuzz targets share: the libFuzzer entry point they define, and a scratch file for
// the readers that only take a path.
#ifndef KILN_TEST_FUZZ_FUZZINPUT_H
#define KILN_TEST_FUZZ_FUZZINPUT_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace kiln::fuzz {

/// A file private to this process, rewritten with each input. The runtime's readers open
/// paths, and going through a real file also exercises their read loops. It lives in
/// /dev/shm when there is one, so a run of millions of inputs costs no disk I/O.
class ScratchFile {
public:
  explicit ScratchFile(const char *suffix) {
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    if (const char *tmp = std::getenv("TMPDIR"); tmp && *tmp && access("/dev/shm", W_OK) != 0)
      dir = tmp;
    path_ = std::string(dir) + "/kiln-fuzz-" + std::to_string(getpid()) + "-XXXXXX" + suffix;
    int fd = mkstemps(path_.data(), static_cast<int>(std::string(suffix).size()));
    if (fd < 0) {
      std::perror("kiln fuzz: cannot create a scratch file");
      std::abort();
    }
    close(fd);
  }
  ~ScratchFile() { unlink(path_.c_str()); }
  ScratchFile(const ScratchFile &) = delete;
  ScratchFile &operator=(const ScratchFile &) = delete;

  /// Replaces the file's content with `size` bytes of `data`; returns its path.
  const std::string &write(const uint8_t *data, size_t size) const {
    FILE *file = std::fopen(path_.c_str(), "wb");
    if (!file || (size && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0) {
      std::perror("kiln fuzz: cannot write the scratch file");
      std::abort();
    }
    return path_;
  }
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

} // namespace kiln::fuzz

#endif // KILN_TEST_FUZZ_FUZZINPUT_H
