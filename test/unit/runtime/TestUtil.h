// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the runtime unit tests: temporary directories and Status matchers.
#ifndef KILN_TEST_UNIT_RUNTIME_TESTUTIL_H
#define KILN_TEST_UNIT_RUNTIME_TESTUTIL_H

#include "kiln/runtime/Status.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace kiln::rt::test {

/// A fresh directory, removed with its contents when the object dies.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "kiln-rt-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed for " << pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// Expects `status` to be an error with `code` whose message contains every one of `parts`.
template <class... Parts>
void expectError(const Status &status, StatusCode code, const Parts &...parts) {
  EXPECT_EQ(status.code(), code) << status.toString();
  std::string message(status.message());
  for (std::string part : {std::string(parts)...})
    EXPECT_NE(message.find(part), std::string::npos)
        << "message \"" << message << "\" lacks \"" << part << "\"";
}

} // namespace kiln::rt::test

#endif // KILN_TEST_UNIT_RUNTIME_TESTUTIL_H
