// SPDX-License-Identifier: Apache-2.0
// Setting a step's tensors up from its signature (State.h) and finding inputs by name.
#include "kiln/runtime/Runtime.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

namespace kiln::rt {
namespace {

using test::expectError;

const Function &entry(const Module &module, const char *name) {
  auto fn = module.lookup(name);
  EXPECT_TRUE(fn.ok()) << fn.status().toString();
  return **fn;
}

TEST(StateTest, InitializesInputsAsTheSignatureSays) {
  auto module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok()) << module.status().toString();
  const Function &drain = entry(*module, "drain");
  auto inputs = initializeInputs(drain, /*seed=*/7);
  ASSERT_TRUE(inputs.ok()) << inputs.status().toString();
  ASSERT_EQ(inputs->size(), 2u);
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_EQ((*inputs)[0].data<float>()[i], 1.5f);
  // uniform:0.5 from input 1's own stream: the same draw as fillInit with inputSeed(7, 1).
  Tensor expected = *Tensor::allocate(DType::F32, {4});
  ASSERT_TRUE(fillInit(expected.view(), *parseInitSpec("uniform:0.5"), inputSeed(7, 1)).ok());
  bool anyNonZero = false;
  for (int64_t i = 0; i < 4; ++i) {
    float v = (*inputs)[1].data<float>()[i];
    EXPECT_EQ(v, expected.data<float>()[i]);
    EXPECT_LE(std::abs(v), 0.5f);
    anyNonZero |= v != 0;
  }
  EXPECT_TRUE(anyNonZero);
  // Another seed, another draw; the constant input does not depend on it.
  auto other = initializeInputs(drain, /*seed=*/8);
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)[1].data<float>()[0], (*inputs)[1].data<float>()[0]);
}

TEST(StateTest, DynamicInputsNeedAShape) {
  auto module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  const Function &axpy = entry(*module, "axpy");
  expectError(initializeInputs(axpy, 0).status(), StatusCode::kInvalidArgument,
              "@axpy input 1", "dynamic dimension");
  auto x = initializeInput(axpy, 1, 0, {5});
  ASSERT_TRUE(x.ok()) << x.status().toString();
  EXPECT_EQ(x->shape(), std::vector<int64_t>{5});
  expectError(initializeInput(axpy, 1, 0, {5, 2}).status(), StatusCode::kInvalidArgument,
              "has rank 1, not 2");
  const Function &sum = entry(*module, "sum");
  expectError(initializeInput(sum, 0, 0, {2, 4}).status(), StatusCode::kInvalidArgument,
              "dimension 1 is 3, not 4");
  expectError(initializeInput(sum, 1, 0).status(), StatusCode::kInvalidArgument,
              "@sum has 1 inputs, not 2");
}

TEST(StateTest, AllocatesTheOutputsACallTakes) {
  auto module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  auto runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  auto session = Session::create(**runtime, *module);
  ASSERT_TRUE(session.ok());
  const Function &sum = entry(*module, "sum");
  auto inputs = initializeInputs(sum, 0);
  auto outputs = allocateOutputs(sum);
  ASSERT_TRUE(inputs.ok() && outputs.ok());
  ASSERT_EQ(outputs->size(), 1u);
  std::fill_n((*inputs)[0].data<float>(), 6, 2.0f);
  ASSERT_TRUE(session->call(sum, viewsOf(*inputs), viewsOf(*outputs)).ok());
  EXPECT_EQ((*outputs)[0].data<float>()[0], 12.0f);
  // drain's only result is computed in place: no output buffer.
  auto none = allocateOutputs(entry(*module, "drain"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(StateTest, FindsInputsByName) {
  auto module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  const Function &drain = entry(*module, "drain");
  EXPECT_EQ(drain.inputs()[1].name, "v");
  auto v = drain.inputIndex("v");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1u);
  expectError(drain.inputIndex("w").status(), StatusCode::kNotFound,
              "@drain has no input named 'w' (it has u, v)");
  expectError(entry(*module, "sum").inputIndex("x").status(), StatusCode::kNotFound,
              "its inputs have no names");
}

TEST(StateTest, AssignsNamedTensorsToInputsStrictly) {
  auto module = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(module.ok());
  const Function &drain = entry(*module, "drain");
  auto named = [](const char *name, std::vector<int64_t> shape, float value) {
    Tensor t = *Tensor::allocate(DType::F32, shape);
    std::fill_n(t.data<float>(), t.numel(), value);
    std::vector<std::pair<std::string, Tensor>> list;
    list.emplace_back(name, std::move(t));
    return list;
  };
  auto inputs = initializeInputs(drain, 0);
  ASSERT_TRUE(inputs.ok());
  auto set = assignNamedInputs(drain, named("v", {4}, 3.0f), *inputs, "w.safetensors");
  ASSERT_TRUE(set.ok()) << set.status().toString();
  EXPECT_EQ(*set, std::vector<size_t>{1});
  EXPECT_EQ((*inputs)[1].data<float>()[3], 3.0f);
  EXPECT_EQ((*inputs)[0].data<float>()[0], 1.5f); // u keeps its initialiser
  expectError(assignNamedInputs(drain, named("v", {5}, 0), *inputs, "w.safetensors").status(),
              StatusCode::kInvalidArgument,
              "w.safetensors: tensor 'v' is f32 [5], but @drain input 1 (v) is f32 [4]");
  expectError(assignNamedInputs(drain, named("w", {4}, 0), *inputs, "w.safetensors").status(),
              StatusCode::kInvalidArgument, "w.safetensors: tensor 'w' matches no input",
              "@drain has no input named 'w'");
  auto twice = named("u", {4}, 0);
  twice.emplace_back("u", *Tensor::allocate(DType::F32, {4}));
  expectError(assignNamedInputs(drain, twice, *inputs, "w.safetensors").status(),
              StatusCode::kInvalidArgument, "tensor 'u' appears twice");
}

} // namespace
} // namespace kiln::rt
