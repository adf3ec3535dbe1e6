// SPDX-License-Identifier: Apache-2.0
// Tests for checkpoints: round trip, the safetensors header, corruption and atomic saves.
#include "kiln/runtime/io/Checkpoint.h"

#include "TestUtil.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(Checkpoint, RoundTripsTensorsAndMetadata) {
  TempDir dir;
  float w[6] = {1, 2, 3, 4, 5, 6};
  int64_t step = 42;
  ASSERT_TRUE(saveCheckpoint(dir.file("c.st"),
                             {{"w", {w, DType::F32, {2, 3}}}, {"step", {&step, DType::I64, {}}}},
                             {{"epoch", "3"}})
                  .ok());
  auto c = loadCheckpoint(dir.file("c.st"));
  ASSERT_TRUE(c.ok()) << c.status().toString();
  ASSERT_EQ(c->tensors.size(), 2u);
  EXPECT_EQ(c->tensors[0].first, "w");
  EXPECT_EQ(c->tensors[0].second.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c->tensors[0].second.data<float>()[5], 6.f);
  EXPECT_EQ(c->tensors[1].second.data<int64_t>()[0], 42);
  EXPECT_EQ(c->metadata["epoch"], "3");
  EXPECT_EQ(c->metadata.count("kiln_checksum"), 1u);
  // The safetensors layout: a little-endian header length, a JSON header, 8-byte alignment.
  std::string bytes = readAll(dir.file("c.st"));
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + length) % 8, 0u);
  EXPECT_NE(bytes.find("\"dtype\":\"F32\""), std::string::npos);
  EXPECT_EQ(bytes.size(), 8 + length + sizeof w + sizeof step);
}

TEST(Checkpoint, DetectsCorruptionAndTruncation) {
  TempDir dir;
  float w[4] = {1, 2, 3, 4};
  ASSERT_TRUE(saveCheckpoint(dir.file("c.st"), {{"w", {w, DType::F32, {4}}}}, {}).ok());
  std::string bytes = readAll(dir.file("c.st"));
  std::string flipped = bytes;
  flipped.back() ^= 0x40; // one bit of the data
  writeAll(dir.file("flipped.st"), flipped);
  expectError(loadCheckpoint(dir.file("flipped.st")).status(), StatusCode::kDataLoss,
              "checksum mismatch");
  // Metadata is covered too: it carries what a resumed run needs besides the tensors.
  std::string renamed = bytes;
  renamed.replace(renamed.find("\"w\""), 3, "\"v\"");
  writeAll(dir.file("renamed.st"), renamed);
  expectError(loadCheckpoint(dir.file("renamed.st")).status(), StatusCode::kDataLoss,
              "checksum mismatch");
  writeAll(dir.file("short.st"), bytes.substr(0, bytes.size() - 3));
  expectError(loadCheckpoint(dir.file("short.st")).status(), StatusCode::kDataLoss, "w");
  writeAll(dir.file("header.st"), bytes.substr(0, 12));
  expectError(loadCheckpoint(dir.file("header.st")).status(), StatusCode::kDataLoss, "header");
  writeAll(dir.file("garbage.st"), std::string(64, 'x'));
  expectError(loadCheckpoint(dir.file("garbage.st")).status(), StatusCode::kDataLoss, "header");
  expectError(loadCheckpoint(dir.file("absent.st")).status(), StatusCode::kNotFound, "absent");
}

TEST(Checkpoint, AFailedSaveLeavesTheOldCheckpoint) {
  TempDir dir;
  float w[2] = {1, 2};
  ASSERT_TRUE(saveCheckpoint(dir.file("c.st"), {{"w", {w, DType::F32, {2}}}}, {}).ok());
  std::string before = readAll(dir.file("c.st"));
  // A duplicate name is refused before anything is written.
  EXPECT_FALSE(saveCheckpoint(dir.file("c.st"),
                              {{"w", {w, DType::F32, {2}}}, {"w", {w, DType::F32, {2}}}}, {})
                   .ok());
  // A path whose directory does not exist cannot be created at all.
  EXPECT_FALSE(saveCheckpoint(dir.file("missing/c.st"), {{"w", {w, DType::F32, {2}}}}, {}).ok());
  EXPECT_EQ(readAll(dir.file("c.st")), before);
  // No temporary files are left behind.
  int entries = 0;
  for (auto &e : std::filesystem::directory_iterator(dir.path()))
    entries += e.path().filename() != "c.st";
  EXPECT_EQ(entries, 0);
}

} // namespace
} // namespace kiln::rt
