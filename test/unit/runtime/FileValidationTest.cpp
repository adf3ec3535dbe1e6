// SPDX-License-Identifier: Apache-2.0
// Tests for what every reader and writer of libkiln_runtime_io does with paths that are not
// plain files (directories, FIFOs) and with the temporaries a killed writer leaves behind.
#include "kiln/runtime/io/Checkpoint.h"
#include "kiln/runtime/io/Dataset.h"
#include "kiln/runtime/io/Idx.h"
#include "kiln/runtime/io/Npy.h"
#include "kiln/runtime/io/TextFile.h"

#include "TestUtil.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

/// Each reader, as a function of its path, with the words its errors start with.
const std::vector<std::pair<std::string, std::function<Status(const std::string &)>>> &readers() {
  static const std::vector<std::pair<std::string, std::function<Status(const std::string &)>>>
      all = {
          {"checkpoint", [](const std::string &p) { return loadCheckpoint(p).status(); }},
          {".npy", [](const std::string &p) { return loadNpy(p).status(); }},
          {"IDX", [](const std::string &p) { return loadIdx(p, DType::F32).status(); }},
          {"csv", [](const std::string &p) { return loadCsvDataset(p, DType::I64).status(); }},
          {"text", [](const std::string &p) { return readTextFile(p).status(); }},
      };
  return all;
}

TEST(FileValidation, ADirectoryIsNamedAsOneNotTruncated) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("data"));
  for (const auto &[what, read] : readers()) {
    SCOPED_TRACE(what);
    Status status = read(dir.file("data"));
    expectError(status, StatusCode::kInvalidArgument, dir.file("data"), ": is a directory");
    EXPECT_EQ(std::string(status.message()).find("truncated"), std::string::npos);
  }
}

TEST(FileValidation, AFifoIsRefusedWithoutWaitingForAWriter) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("pipe").c_str(), 0600), 0);
  // Without O_NONBLOCK the open itself would block here forever: nobody writes.
  for (const auto &[what, read] : readers()) {
    SCOPED_TRACE(what);
    expectError(read(dir.file("pipe")), StatusCode::kInvalidArgument, dir.file("pipe"),
                ": is not a regular file");
  }
}

TEST(FileValidation, AnIdxDatasetPathThatIsAFileIsNamed) {
  TempDir dir;
  std::ofstream(dir.file("train.bin")) << "x";
  expectError(loadIdxDataset(dir.file("train.bin"), "train", DType::I64).status(),
              StatusCode::kInvalidArgument, "'" + dir.file("train.bin") + "' is not a directory");
}

TEST(FileValidation, NpyHeadersAreQuotedEscaped) {
  TempDir dir;
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), '\x01\x7f': 1}";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  std::ofstream(dir.file("odd.npy"), std::ios::binary) << bytes << header << std::string(8, '\0');
  Status status = loadNpy(dir.file("odd.npy")).status();
  expectError(status, StatusCode::kInvalidArgument, "unexpected or repeated key '\\x01\\x7f'");
  EXPECT_EQ(std::string(status.message()).find('\x01'), std::string::npos);
}

std::set<std::string> entries(const TempDir &dir) {
  std::set<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir.path()))
    names.insert(e.path().filename().string());
  return names;
}

/// The id of a process that has exited and been reaped, so no process has it (until the
/// kernel hands it out again, which takes a full cycle of the PID space).
pid_t deadPid() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  int status;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(FileValidation, StaleTemporariesOfDeadWritersAreRemovedLiveOnesKept) {
  TempDir dir;
  std::string dead = std::to_string(deadPid());
  std::string live = std::to_string(::getppid()); // the test runner: alive
  std::string self = std::to_string(::getpid());  // another thread might be writing
  for (const std::string &name : std::vector<std::string>{"c.st.tmp-" + dead + "-0", "c.st.tmp-" + dead + "-17", "c.st.tmp-" + live + "-0",
        "c.st.tmp-" + self + "-999", "c.st.tmp-notapid-0", "c.st.tmp-" + dead + "-",
        "other.st.tmp-" + dead + "-0", "c.st.tmp-" + dead + "-0.bak"})
    std::ofstream(dir.file(name)) << "partial";
  float w[2] = {1, 2};
  ASSERT_TRUE(saveCheckpoint(dir.file("c.st"), {{"w", {w, DType::F32, {2}}}}, {}).ok());
  EXPECT_EQ(entries(dir),
            (std::set<std::string>{"c.st", "c.st.tmp-" + live + "-0", "c.st.tmp-" + self + "-999",
                                   "c.st.tmp-notapid-0", "c.st.tmp-" + dead + "-",
                                   "other.st.tmp-" + dead + "-0",
                                   "c.st.tmp-" + dead + "-0.bak"}));
  // .npy files are written the same way.
  std::ofstream(dir.file("r.npy.tmp-" + dead + "-3")) << "partial";
  ASSERT_TRUE(saveNpy(dir.file("r.npy"), {w, DType::F32, {2}}).ok());
  EXPECT_EQ(entries(dir).count("r.npy.tmp-" + dead + "-3"), 0u);
  EXPECT_EQ(entries(dir).count("r.npy"), 1u);
}

TEST(FileValidation, TextFilesAreReplacedWholeAndReadBack) {
  TempDir dir;
  std::string dead = std::to_string(deadPid());
  std::ofstream(dir.file("m.csv.tmp-" + dead + "-0")) << "partial";
  ASSERT_TRUE(writeTextFileAtomically(dir.file("m.csv"), "epoch\n1\n").ok());
  ASSERT_TRUE(writeTextFileAtomically(dir.file("m.csv"), std::string("a\0b", 3)).ok());
  auto text = readTextFile(dir.file("m.csv"));
  ASSERT_TRUE(text.ok()) << text.status().toString();
  EXPECT_EQ(*text, std::string("a\0b", 3));
  EXPECT_EQ(entries(dir), std::set<std::string>{"m.csv"});
  expectError(readTextFile(dir.file("absent.csv")).status(), StatusCode::kNotFound,
              "cannot read '" + dir.file("absent.csv") + "'");
  expectError(writeTextFileAtomically(dir.file("missing/m.csv"), "x"), StatusCode::kNotFound,
              "cannot write '" + dir.file("missing/m.csv") + "'");
}

} // namespace
} // namespace kiln::rt
