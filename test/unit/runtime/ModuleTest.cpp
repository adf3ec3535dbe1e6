// SPDX-License-Identifier: Apache-2.0
// Tests for Module::load against the fixture libraries, and for Runtime.
#include "kiln/runtime/Module.h"

#include "TestUtil.h"

#include <fstream>
#include <iterator>

namespace kiln::rt {
namespace {
using test::expectError;

TEST(Module, LoadsGoodModule) {
  StatusOr<Module> module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok()) << module.status().toString();
  EXPECT_EQ(module->path(), KILN_TEST_MODULE_GOOD);
  EXPECT_EQ(module->entryPoints(), (std::vector<std::string>{"axpy", "sum", "layout", "drain", "tied", "feed"}));

  StatusOr<const Function *> axpy = module->lookup("axpy");
  ASSERT_TRUE(axpy.ok());
  const Function &fn = **axpy;
  EXPECT_EQ(fn.name(), "axpy");
  ASSERT_EQ(fn.inputs().size(), 3u);
  EXPECT_EQ(fn.inputs()[0].shape, std::vector<int64_t>{});
  EXPECT_EQ(fn.inputs()[1].shape, std::vector<int64_t>{-1});
  EXPECT_FALSE(fn.inputs()[1].donated);
  EXPECT_TRUE(fn.inputs()[2].donated);
  ASSERT_EQ(fn.results().size(), 1u);
  EXPECT_EQ(fn.results()[0].alias, 2);
  EXPECT_EQ(fn.numOutputBuffers(), 0u);
  EXPECT_NE(fn.entry(), nullptr);

  StatusOr<const Function *> sum = module->lookup("sum");
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ((*sum)->numOutputBuffers(), 1u);
  EXPECT_EQ((*sum)->results()[0].dtype, DType::F32);
}

TEST(Module, DefaultsOptionalFields) {
  StatusOr<Module> module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  // "layout" omits "symbol", "donated" and "alias".
  StatusOr<const Function *> layout = module->lookup("layout");
  ASSERT_TRUE(layout.ok());
  EXPECT_FALSE((*layout)->inputs()[0].donated);
  EXPECT_EQ((*layout)->results()[0].alias, -1);
  EXPECT_NE((*layout)->entry(), nullptr);
}

TEST(Module, CopiesShareTheLibrary) {
  const Function *fn = nullptr;
  Module copy = [&] {
    StatusOr<Module> module = Module::load(KILN_TEST_MODULE_GOOD);
    EXPECT_TRUE(module.ok());
    fn = *module->lookup("sum");
    return *module;
  }();
  EXPECT_TRUE(copy.contains(*fn));
  EXPECT_EQ(fn->name(), "sum");
}

TEST(Module, LookupMissingEntryIsNotFound) {
  StatusOr<Module> module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  expectError(module->lookup("adam_step").status(), StatusCode::kNotFound, "adam_step", "axpy");
}

TEST(Module, MissingFile) {
  expectError(Module::load("/nonexistent/dir/model.so").status(), StatusCode::kNotFound,
              "/nonexistent/dir/model.so");
  expectError(Module::load("").status(), StatusCode::kInvalidArgument, "empty path");
}

TEST(Module, NotASharedLibrary) {
  test::TempDir dir;
  std::string path = dir.file("fake.so");
  std::ofstream(path) << "this is not an ELF file\n";
  expectError(Module::load(path).status(), StatusCode::kInvalidArgument, path,
              "not a shared library");
  expectError(Module::load(dir.path()).status(), StatusCode::kInvalidArgument, "directory");
}

/// A library cut short is refused before dlopen, which would map its missing pages and die
/// with SIGBUS on the first touch (every size from the ELF header to one byte short).
TEST(Module, TruncatedLibraryIsRefused) {
  test::TempDir dir;
  std::ifstream in(KILN_TEST_MODULE_GOOD, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 1000u);
  std::string path = dir.file("cut.so");
  for (size_t size : {size_t(10), size_t(64), bytes.size() / 10, bytes.size() / 4,
                      bytes.size() / 2, bytes.size() * 3 / 4, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), size);
    Status status = Module::load(path).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << size << ": " << status.toString();
    EXPECT_NE(std::string(status.message()).find(path), std::string::npos) << status.toString();
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  EXPECT_TRUE(Module::load(path).ok());
}

struct BadModuleCase {
  const char *name;
  const char *path;
  StatusCode code;
  std::vector<std::string> parts;
};

class BadModule : public ::testing::TestWithParam<BadModuleCase> {};

TEST_P(BadModule, IsRejectedWithAClearMessage) {
  const BadModuleCase &c = GetParam();
  Status status = Module::load(c.path).status();
  EXPECT_EQ(status.code(), c.code) << status.toString();
  std::string message(status.message());
  EXPECT_NE(message.find(c.path), std::string::npos) << message;
  for (const std::string &part : c.parts)
    EXPECT_NE(message.find(part), std::string::npos)
        << "message \"" << message << "\" lacks \"" << part << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, BadModule,
    ::testing::Values(
        BadModuleCase{"Abi999", KILN_TEST_MODULE_ABI_999, StatusCode::kFailedPrecondition,
                      {"built for Kiln ABI 999, this runtime speaks 1"}},
        BadModuleCase{"CorruptJson", KILN_TEST_MODULE_CORRUPT_JSON, StatusCode::kInvalidArgument,
                      {"not valid JSON"}},
        BadModuleCase{"NoSignature", KILN_TEST_MODULE_NO_SIGNATURE, StatusCode::kInvalidArgument,
                      {"not a Kiln module", "kiln_module_signature"}},
        BadModuleCase{"MissingEntry", KILN_TEST_MODULE_MISSING_ENTRY,
                      StatusCode::kInvalidArgument, {"'ghost'", "kiln_call_ghost"}},
        BadModuleCase{"AliasShape", KILN_TEST_MODULE_ALIAS_SHAPE, StatusCode::kInvalidArgument,
                      {"entry_points[0].results[0]", "f32[3] cannot alias input 0", "f32[4]"}},
        BadModuleCase{"AliasRange", KILN_TEST_MODULE_ALIAS_RANGE, StatusCode::kInvalidArgument,
                      {"results[0].alias", "5 is out of range"}},
        BadModuleCase{"UnknownDType", KILN_TEST_MODULE_UNKNOWN_DTYPE,
                      StatusCode::kInvalidArgument, {"results[0].dtype", "f128"}},
        BadModuleCase{"BadDim", KILN_TEST_MODULE_BAD_DIM, StatusCode::kInvalidArgument,
                      {"inputs[0].shape[0]", "-2"}},
        BadModuleCase{"DynamicResult", KILN_TEST_MODULE_DYNAMIC_RESULT,
                      StatusCode::kInvalidArgument, {"results[0].shape", "static shape"}},
        BadModuleCase{"BadClasses", KILN_TEST_MODULE_BAD_CLASSES, StatusCode::kInvalidArgument,
                      {"inputs[0].classes", "expected a positive integer, got 0"}},
        BadModuleCase{"BadRole", KILN_TEST_MODULE_BAD_ROLE, StatusCode::kInvalidArgument,
                      {"inputs[0].role", "got \"weights\""}},
        BadModuleCase{"DimsRank", KILN_TEST_MODULE_DIMS_RANK, StatusCode::kInvalidArgument,
                      {"inputs[0].dims", "one extent variable (or -1) per dimension"}},
        BadModuleCase{"DimsStatic", KILN_TEST_MODULE_DIMS_STATIC, StatusCode::kInvalidArgument,
                      {"inputs[0].dims[0]", "only a dynamic dimension has an extent variable"}},
        BadModuleCase{"DimsRange", KILN_TEST_MODULE_DIMS_RANGE, StatusCode::kInvalidArgument,
                      {"inputs[0].dims[0]", "extent variable 1 is not one of the entry's 1"}},
        BadModuleCase{"BadExtent", KILN_TEST_MODULE_BAD_EXTENT, StatusCode::kInvalidArgument,
                      {"extents[0]", "-3 is not an extent"}},
        BadModuleCase{"BadDevice", KILN_TEST_MODULE_BAD_DEVICE, StatusCode::kInvalidArgument,
                      {"device", "'tpu' is not a device this runtime knows (cpu, cuda)"}},
        BadModuleCase{"CudaWithoutBackend", KILN_TEST_MODULE_CUDA_WITHOUT_BACKEND,
                      StatusCode::kInvalidArgument,
                      {"\"device\": \"cuda\"", "does not link libkiln_runtime_cuda"}},
        BadModuleCase{"WrongType", KILN_TEST_MODULE_WRONG_TYPE, StatusCode::kInvalidArgument,
                      {"results[0].shape", "expected an array, got string"}},
        BadModuleCase{"Unterminated", KILN_TEST_MODULE_UNTERMINATED, StatusCode::kInvalidArgument,
                      {"kiln_module_signature", "not NUL-terminated"}}),
    [](const ::testing::TestParamInfo<BadModuleCase> &test) { return test.param.name; });

TEST(Runtime, CreatesAndLoads) {
  StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  EXPECT_EQ((*runtime)->options().threads, 0);
  StatusOr<Module> module = (*runtime)->loadModule(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  // A signature without "device" is a CPU module, with no CUDA backend.
  EXPECT_EQ(module->device(), Device::kCpu);
  EXPECT_EQ(module->cudaBackend(), nullptr);
  expectError((*runtime)->loadModule("/nonexistent.so").status(), StatusCode::kNotFound,
              "/nonexistent.so");
}

TEST(Runtime, RejectsNegativeThreads) {
  RuntimeOptions options;
  options.threads = -1;
  expectError(Runtime::create(options).status(), StatusCode::kInvalidArgument, "threads");
}

} // namespace
} // namespace kiln::rt
