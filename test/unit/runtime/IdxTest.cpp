// SPDX-License-Identifier: Apache-2.0
// Tests for the IDX reader: plain and gzip files written here, every error path, and the
// Fashion-MNIST files that Debian's dataset-fashion-mnist installs.
#include "kiln/runtime/io/Idx.h"

#include "TestUtil.h"

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <vector>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

std::vector<unsigned char> idx(int type, std::vector<uint32_t> dims,
                               std::vector<unsigned char> payload) {
  std::vector<unsigned char> bytes = {0, 0, static_cast<unsigned char>(type),
                                      static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0})
      bytes.push_back(static_cast<unsigned char>(d >> shift));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

void writeFile(const std::string &path, const std::vector<unsigned char> &bytes, bool gzip) {
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), int(bytes.size()));
    gzclose(f);
    return;
  }
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

TEST(Idx, ReadsUnsignedBytesPlainAndGzipScaled) {
  TempDir dir;
  auto bytes = idx(0x08, {2, 3}, {0, 51, 102, 153, 204, 255});
  for (bool gzip : {false, true}) {
    std::string path = dir.file(gzip ? "images.gz" : "images");
    writeFile(path, bytes, gzip);
    auto t = loadIdx(path, DType::F32, 1.0 / 255);
    ASSERT_TRUE(t.ok()) << t.status().toString();
    EXPECT_EQ(t->shape(), (std::vector<int64_t>{2, 3}));
    EXPECT_FLOAT_EQ(t->data<float>()[0], 0.f);
    EXPECT_FLOAT_EQ(t->data<float>()[1], 0.2f);
    EXPECT_FLOAT_EQ(t->data<float>()[5], 1.f); // 255 is not a negative byte
  }
}

TEST(Idx, ReadsLabelsAsIntegersAndWiderTypes) {
  TempDir dir;
  writeFile(dir.file("labels"), idx(0x08, {4}, {9, 0, 3, 7}), false);
  auto labels = loadIdx(dir.file("labels"), DType::I64);
  ASSERT_TRUE(labels.ok());
  EXPECT_EQ(labels->data<int64_t>()[0], 9);
  EXPECT_EQ(labels->data<int64_t>()[3], 7);
  // Big-endian 32-bit integers and a signed byte.
  writeFile(dir.file("ints"), idx(0x0C, {1}, {0xFF, 0xFF, 0xFF, 0xFE}), false);
  EXPECT_EQ(loadIdx(dir.file("ints"), DType::I32)->data<int32_t>()[0], -2);
  writeFile(dir.file("bytes"), idx(0x09, {1}, {0xFF}), false);
  EXPECT_EQ(loadIdx(dir.file("bytes"), DType::I32)->data<int32_t>()[0], -1);
}

TEST(Idx, ReportsEveryKindOfBadFile) {
  TempDir dir;
  expectError(loadIdx(dir.file("absent"), DType::F32).status(), StatusCode::kNotFound,
              "absent");
  writeFile(dir.file("magic"), {1, 2, 8, 1, 0, 0, 0, 0}, false);
  expectError(loadIdx(dir.file("magic"), DType::F32).status(), StatusCode::kInvalidArgument,
              "bad magic");
  writeFile(dir.file("type"), idx(0x07, {1}, {0}), false);
  expectError(loadIdx(dir.file("type"), DType::F32).status(), StatusCode::kInvalidArgument,
              "element type");
  writeFile(dir.file("short"), idx(0x08, {2, 3}, {1, 2, 3}), true);
  expectError(loadIdx(dir.file("short"), DType::F32).status(), StatusCode::kDataLoss,
              "truncated", "the header declares 18");
  writeFile(dir.file("long"), idx(0x08, {2}, {1, 2, 3}), false);
  expectError(loadIdx(dir.file("long"), DType::F32).status(), StatusCode::kDataLoss,
              "trailing bytes");
  writeFile(dir.file("header"), {0, 0, 8, 3, 0, 0}, false);
  expectError(loadIdx(dir.file("header"), DType::F32).status(), StatusCode::kDataLoss,
              "truncated header");
  // A gzip stream cut in the middle.
  auto big = idx(0x08, {4096}, std::vector<unsigned char>(4096, 7));
  writeFile(dir.file("cut.gz"), big, true);
  std::filesystem::resize_file(dir.file("cut.gz"), 20);
  EXPECT_FALSE(loadIdx(dir.file("cut.gz"), DType::F32).ok());
  writeFile(dir.file("ok"), idx(0x08, {1}, {1}), false);
  expectError(loadIdx(dir.file("ok"), DType::BF16).status(), StatusCode::kInvalidArgument,
              "bf16");
}

// Found by the idx fuzz target: casting such a value to an integer is undefined behaviour.
TEST(Idx, RefusesValuesThatDoNotFitAnIntegerType) {
  TempDir dir;
  std::string path = dir.file("wide");
  // f64 3e9 fits i64 but not i32; f32 NaN fits no integer type.
  writeFile(path, idx(0x0E, {1}, {0x41, 0xE6, 0x5A, 0x0B, 0xC0, 0, 0, 0}), false);
  ASSERT_TRUE(loadIdx(path, DType::I64).ok());
  expectError(loadIdx(path, DType::I32).status(), StatusCode::kInvalidArgument,
              "element 0 (3000000000", "does not fit in i32");
  std::string nan = dir.file("nan");
  writeFile(nan, idx(0x0D, {2}, {0, 0, 0, 0, 0x7F, 0xC0, 0, 0}), false);
  expectError(loadIdx(nan, DType::I64).status(), StatusCode::kInvalidArgument,
              "element 1 (nan) does not fit in i64");
  EXPECT_TRUE(loadIdx(nan, DType::F32).ok());
}

TEST(Idx, ReadsDebianFashionMnist) {
  const std::string root = "/usr/share/datasets/fashion-mnist/";
  if (!std::filesystem::exists(root + "t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto labels = loadIdx(root + "t10k-labels-idx1-ubyte.gz", DType::I64);
  ASSERT_TRUE(labels.ok()) << labels.status().toString();
  ASSERT_EQ(labels->shape(), std::vector<int64_t>{10000});
  std::vector<int> counts(10, 0);
  for (int64_t i = 0; i < 10000; ++i) {
    int64_t l = labels->data<int64_t>()[i];
    ASSERT_TRUE(l >= 0 && l < 10) << l;
    counts[l]++;
  }
  for (int c : counts) // the test split is balanced: 1000 images per class
    EXPECT_EQ(c, 1000);
  auto images = loadIdx(root + "t10k-images-idx3-ubyte.gz", DType::F32, 1.0 / 255);
  ASSERT_TRUE(images.ok()) << images.status().toString();
  EXPECT_EQ(images->shape(), (std::vector<int64_t>{10000, 28, 28}));
}

} // namespace
} // namespace kiln::rt
