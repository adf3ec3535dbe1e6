// SPDX-License-Identifier: Apache-2.0
// Tests for loadNpy/saveNpy: round trips, hand-written headers, corrupt files, atomic saves.
#include "kiln/runtime/io/Npy.h"

#include "TestUtil.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A .npy file built by hand, independent of saveNpy: version 1.0 (or 2.0), padded as NumPy
// pads, followed by `data`.
std::string npyBytes(const std::string &dict, const std::string &data, int major = 1) {
  size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  for (size_t i = 0; i < prefix - 8; ++i)
    bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string floatBytes(std::vector<float> values) {
  return std::string(reinterpret_cast<const char *>(values.data()), values.size() * 4);
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The header text of a .npy file written by saveNpy (version 1.0).
std::string headerText(const std::string &path) {
  std::string file = readBytes(path);
  size_t length = static_cast<unsigned char>(file.at(8)) | static_cast<unsigned char>(file.at(9)) << 8;
  return file.substr(10, length);
}

struct RoundTripCase {
  DType dtype;
  std::vector<int64_t> shape;
};

class NpyRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(NpyRoundTrip, PreservesDTypeShapeAndBytes) {
  TempDir dir;
  const RoundTripCase &c = GetParam();
  StatusOr<Tensor> original = Tensor::allocate(c.dtype, c.shape);
  ASSERT_TRUE(original.ok());
  auto *bytes = original->data<unsigned char>();
  for (size_t i = 0; i < original->nbytes(); ++i)
    bytes[i] = c.dtype == DType::I1 ? i % 2 : static_cast<unsigned char>(i * 37 + 11);

  std::string path = dir.file("t.npy");
  Status saved = saveNpy(path, original->view());
  ASSERT_TRUE(saved.ok()) << saved.toString();
  StatusOr<Tensor> loaded = loadNpy(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().toString();
  EXPECT_EQ(loaded->dtype(), c.dtype);
  EXPECT_EQ(loaded->shape(), c.shape);
  ASSERT_EQ(loaded->nbytes(), original->nbytes());
  EXPECT_EQ(std::memcmp(loaded->data(), original->data(), original->nbytes()), 0);

  // The layout NumPy expects: magic, version 1.0, 64-byte aligned data, '\n'-ended header.
  std::string file = readBytes(path);
  ASSERT_GE(file.size(), 10u);
  EXPECT_EQ(file.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  size_t headerLength = static_cast<unsigned char>(file[8]) | static_cast<unsigned char>(file[9]) << 8;
  EXPECT_EQ((10 + headerLength) % 64, 0u);
  EXPECT_EQ(file[10 + headerLength - 1], '\n');
  EXPECT_EQ(file.size(), 10 + headerLength + original->nbytes());
}

INSTANTIATE_TEST_SUITE_P(
    EveryDType, NpyRoundTrip,
    ::testing::Values(RoundTripCase{DType::F32, {2, 3}}, RoundTripCase{DType::F64, {5}},
                      RoundTripCase{DType::F16, {4, 1, 2}}, RoundTripCase{DType::I1, {7}},
                      RoundTripCase{DType::I8, {3, 3}}, RoundTripCase{DType::I32, {}},
                      RoundTripCase{DType::I64, {2, 2}}, RoundTripCase{DType::F32, {0, 3}}),
    [](const ::testing::TestParamInfo<RoundTripCase> &test) {
      return std::string(dtypeName(test.param.dtype)) + "_" + std::to_string(test.index);
    });

TEST(Npy, WritesNumPyHeaderText) {
  TempDir dir;
  std::vector<float> data(6);
  ASSERT_TRUE(saveNpy(dir.file("a.npy"), TensorView{data.data(), DType::F32, {2, 3}}).ok());
  ASSERT_TRUE(saveNpy(dir.file("b.npy"), TensorView{data.data(), DType::F32, {6}}).ok());
  ASSERT_TRUE(saveNpy(dir.file("c.npy"), TensorView{data.data(), DType::F32, {}}).ok());
  struct Case {
    const char *file;
    std::string dict;
  };
  for (const Case &c :
       {Case{"a.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"},
        Case{"b.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"},
        Case{"c.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"}}) {
    std::string text = headerText(dir.file(c.file));
    EXPECT_EQ(text.substr(0, c.dict.size()), c.dict);
    EXPECT_EQ(text.find_first_not_of(' ', c.dict.size()), text.size() - 1) << "space padding, then '\\n'";
  }
}

TEST(Npy, ReadsHandWrittenVersion1And2) {
  TempDir dir;
  for (int major : {1, 2}) {
    std::string path = dir.file("v" + std::to_string(major) + ".npy");
    writeBytes(path, npyBytes("{'shape': (3,), \"descr\": '<f4', 'fortran_order': False}",
                              floatBytes({1.5f, -2, 3}), major));
    StatusOr<Tensor> tensor = loadNpy(path);
    ASSERT_TRUE(tensor.ok()) << tensor.status().toString();
    EXPECT_EQ(tensor->shape(), std::vector<int64_t>{3});
    EXPECT_EQ(tensor->data<float>()[0], 1.5f);
    EXPECT_EQ(tensor->data<float>()[2], 3.0f);
  }
}

TEST(Npy, MissingFile) {
  expectError(loadNpy("/nonexistent/x.npy").status(), StatusCode::kNotFound, "/nonexistent/x.npy");
}

TEST(Npy, BadMagic) {
  TempDir dir;
  writeBytes(dir.file("x.npy"), "PK\x03\x04 this is a zip, not an npy file");
  expectError(loadNpy(dir.file("x.npy")).status(), StatusCode::kInvalidArgument, "bad magic");
  writeBytes(dir.file("empty.npy"), "");
  expectError(loadNpy(dir.file("empty.npy")).status(), StatusCode::kDataLoss, "truncated");
}

TEST(Npy, TruncatedHeaderAndData) {
  TempDir dir;
  std::string full = npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
                              floatBytes({1, 2, 3, 4}));
  struct Case {
    size_t keep;
    const char *what;
  };
  for (Case c : {Case{3, "truncated header"}, Case{9, "truncated header length"},
                 Case{40, "truncated header"}, Case{128 + 8, "truncated data"},
                 Case{full.size() - 1, "truncated data"}}) {
    std::string path = dir.file("cut" + std::to_string(c.keep) + ".npy");
    writeBytes(path, full.substr(0, c.keep));
    expectError(loadNpy(path).status(), StatusCode::kDataLoss, c.what, path);
  }
  writeBytes(dir.file("long.npy"), full + "junk");
  expectError(loadNpy(dir.file("long.npy")).status(), StatusCode::kDataLoss, "4 unexpected bytes");
}

TEST(Npy, FortranOrderIsRejected) {
  TempDir dir;
  writeBytes(dir.file("f.npy"), npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                                         floatBytes({1, 2, 3, 4})));
  expectError(loadNpy(dir.file("f.npy")).status(), StatusCode::kUnimplemented, "fortran_order");
}

TEST(Npy, UnsupportedDTypes) {
  TempDir dir;
  struct Case {
    const char *descr;
    const char *what;
  };
  for (Case c : {Case{"<u2", "unsupported dtype '<u2'"}, Case{">f4", "big-endian"},
                 Case{"<c8", "unsupported dtype"}}) {
    writeBytes(dir.file("d.npy"),
               npyBytes(std::string("{'descr': '") + c.descr +
                            "', 'fortran_order': False, 'shape': (1,), }",
                        std::string(8, '\0')));
    expectError(loadNpy(dir.file("d.npy")).status(), StatusCode::kUnimplemented, c.what);
  }
}

TEST(Npy, MalformedHeaderDict) {
  TempDir dir;
  for (const char *dict : {"{'descr': '<f4', 'shape': (1,), }",
                           "{'descr' '<f4', 'fortran_order': False, 'shape': (1,), }",
                           "{'descr': '<f4', 'fortran_order': Nope, 'shape': (1,), }",
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                           "{'descr': '<f4', 'fortran_order': False, 'shape': (1,) ",
                           "['descr', '<f4']"}) {
    writeBytes(dir.file("m.npy"), npyBytes(dict, std::string(4, '\0')));
    expectError(loadNpy(dir.file("m.npy")).status(), StatusCode::kInvalidArgument,
                "malformed header");
  }
}

TEST(Npy, HeaderShapeLargerThanFileIsCaughtBeforeAllocating) {
  TempDir dir;
  writeBytes(dir.file("huge.npy"),
             npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", ""));
  expectError(loadNpy(dir.file("huge.npy")).status(), StatusCode::kDataLoss, "truncated data");
  writeBytes(dir.file("overflow.npy"),
             npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""));
  expectError(loadNpy(dir.file("overflow.npy")).status(), StatusCode::kInvalidArgument, "int64");
}

TEST(Npy, SaveRejectsBF16AndNullData) {
  TempDir dir;
  uint16_t bits[2] = {};
  expectError(saveNpy(dir.file("b.npy"), TensorView{bits, DType::BF16, {2}}),
              StatusCode::kUnimplemented, "bf16");
  expectError(saveNpy(dir.file("n.npy"), TensorView{nullptr, DType::F32, {2}}),
              StatusCode::kInvalidArgument, "null data");
  EXPECT_TRUE(listDir(dir.path()).empty()) << "a rejected save may create nothing";
}

TEST(Npy, SaveIntoMissingDirectoryFailsCleanly) {
  TempDir dir;
  std::vector<float> data = {1};
  expectError(saveNpy(dir.file("no/such/dir/x.npy"), TensorView{data.data(), DType::F32, {1}}),
              StatusCode::kNotFound, "no/such/dir/x.npy");
}

TEST(Npy, SaveOverADirectoryLeavesNoTemporaryFile) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("target.npy"));
  std::vector<float> data = {1};
  Status status = saveNpy(dir.file("target.npy"), TensorView{data.data(), DType::F32, {1}});
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("renaming"), std::string_view::npos) << status.toString();
  EXPECT_EQ(listDir(dir.path()), std::vector<std::string>{"target.npy"});
  EXPECT_TRUE(std::filesystem::is_directory(dir.file("target.npy")));
}

TEST(Npy, SaveOverExistingFileInReadOnlyDirectory) {
  TempDir dir;
  std::string path = dir.file("weights.npy");
  std::vector<float> before = {1, 2, 3}, after = {4, 5, 6, 7};
  ASSERT_TRUE(saveNpy(path, TensorView{before.data(), DType::F32, {3}}).ok());
  std::string oldBytes = readBytes(path);

  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);
  Status status = saveNpy(path, TensorView{after.data(), DType::F32, {4}});
  ::chmod(dir.path().c_str(), 0755);

  EXPECT_EQ(listDir(dir.path()), std::vector<std::string>{"weights.npy"})
      << "no temporary file may remain";
  if (status.ok()) {
    // Permission bits do not bind root; then the save must have replaced the file whole.
    ASSERT_EQ(::geteuid(), 0u) << "a non-root save into a 0555 directory must fail";
    StatusOr<Tensor> loaded = loadNpy(path);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->shape(), std::vector<int64_t>{4});
  } else {
    expectError(status, StatusCode::kFailedPrecondition, path, "temporary file");
    EXPECT_EQ(readBytes(path), oldBytes);
  }
}

} // namespace
} // namespace kiln::rt
