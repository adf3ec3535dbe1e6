// SPDX-License-Identifier: Apache-2.0
// Tests for checkpoints: round trip, the safetensors header, corruption and atomic saves.
#include "kiln/runtime/io/Checkpoint.h"

#include "TestUtil.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <climits>
#include <cstdint>
#include <iterator>
#include <map>

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

/// A safetensors file with `header` as its JSON header and `dataBytes` zero bytes of data;
/// its layout errors are found before the (absent) checksum is looked at.
std::string crafted(const TempDir &dir, const std::string &name, const std::string &header,
                    size_t dataBytes) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = char((header.size() >> (8 * i)) & 0xff);
  writeAll(dir.file(name), bytes + header + std::string(dataBytes, '\0'));
  return dir.file(name);
}

TEST(Checkpoint, RefusesLayoutsThatDoNotTileTheData) {
  TempDir dir;
  auto entry = [](const std::string &name, const std::string &dtype, const std::string &shape,
                  int begin, int end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
           ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
  };
  const std::string meta = "\"__metadata__\":{}";
  struct Case {
    std::string header;
    size_t data;
    std::string message;
  };
  std::vector<Case> cases = {
      {"{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "," + meta + "}",
       12, "the data of 'b' starts at byte 8, leaving bytes [4, 8) unused"},
      {"{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "," + meta + "}",
       8, "the data of 'b' starts at byte 4, inside the previous tensor's data (which ends at byte 8)"},
      {"{" + entry("a", "F32", "[2]", 0, 4) + "," + meta + "}", 4,
       "the data of 'a' spans bytes [0, 4) but F32[2] takes 8 bytes"},
      {"{" + entry("a", "F32", "[1]", 0, 4) + "," + meta + "}", 2,
       "the data of 'a' ends at byte 4, past the 2 bytes of data in the file"},
      {"{" + entry("a", "F32", "[1]", 0, 4) + "," + meta + "}", 12,
       "8 bytes after the last tensor's data"},
      {"{" + entry("a", "F32", "[1]", 4, 8) + "," + meta + "}", 8,
       "the data of 'a' starts at byte 4, leaving bytes [0, 4) unused"},
      {"{" + entry("\\u0001x", "F32", "[1]", 0, 4) + ",\"__metadata__\":{}}", 4,
       "checksum mismatch"},
      {"{\"\\u0001x\":{\"dtype\":\"F32\"}," + meta + "}", 4, "malformed entry '\\x01x'"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string path = crafted(dir, "c" + std::to_string(i) + ".st", cases[i].header, cases[i].data);
    expectError(loadCheckpoint(path).status(), StatusCode::kDataLoss, cases[i].message);
  }
}

TEST(Checkpoint, IntegerMetadataIsParsedStrictly) {
  TempDir dir;
  int64_t step = 1;
  std::map<std::string, std::string> metadata = {
      {"good", "12"}, {"word", "abc"}, {"negative", "-5"}, {"exponent", "1e23"},
      {"huge", "99999999999999999999999"}, {"signed", "+5"}, {"spaced", " 5"},
      {"suffix", "5abc"}, {"empty", ""}};
  ASSERT_TRUE(saveCheckpoint(dir.file("m.st"), {{"step", {&step, DType::I64, {}}}}, metadata).ok());
  auto c = loadCheckpoint(dir.file("m.st"));
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->path, dir.file("m.st"));
  auto good = checkpointInteger(*c, "good", 0, 100);
  ASSERT_TRUE(good.ok()) << good.status().toString();
  EXPECT_EQ(*good, 12);
  expectError(checkpointInteger(*c, "good", 0, 10).status(), StatusCode::kDataLoss,
              "metadata 'good' is '12', not an integer in [0, 10]");
  for (const char *key : {"word", "negative", "exponent", "huge", "signed", "spaced", "suffix",
                          "empty"})
    expectError(checkpointInteger(*c, key, 0, INT32_MAX).status(), StatusCode::kDataLoss,
                "checkpoint '" + dir.file("m.st") + "': metadata '" + key + "' is '" +
                    metadata[key] + "', not an integer in [0, 2147483647]");
  EXPECT_EQ(*checkpointInteger(*c, "negative", -10, 10), -5);
  expectError(checkpointInteger(*c, "absent", 0, 1).status(), StatusCode::kDataLoss,
              "checkpoint '" + dir.file("m.st") + "' has no metadata 'absent'");
  expectError(checkpointMetadata(*c, "absent").status(), StatusCode::kDataLoss, "'absent'");
}

} // namespace
} // namespace kiln::rt
