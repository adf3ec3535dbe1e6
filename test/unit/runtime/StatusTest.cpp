// SPDX-License-Identifier: Apache-2.0
// Tests for Status, StatusOr, the two propagation macros and the DType table.
#include "kiln/runtime/DType.h"
#include "kiln/runtime/Status.h"

#include "TestUtil.h"

#include <memory>

namespace kiln::rt {
namespace {
using test::expectError;

TEST(Status, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_TRUE(status.message().empty());
  EXPECT_EQ(status.toString(), "OK");
  // The OK fast path is one null pointer.
  EXPECT_EQ(sizeof(Status), sizeof(void *));
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status status = Status::error(StatusCode::kNotFound, "no such thing");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "no such thing");
  EXPECT_EQ(status.toString(), "NOT_FOUND: no such thing");
}

TEST(Status, ErrorWithOkCodeIsOk) {
  EXPECT_TRUE(Status::error(StatusCode::kOk, "ignored").ok());
}

TEST(Status, CopiesAreIndependent) {
  Status original = Status::error(StatusCode::kDataLoss, "torn");
  Status copy = original;
  original = Status();
  EXPECT_TRUE(original.ok());
  EXPECT_EQ(copy.toString(), "DATA_LOSS: torn");
  Status moved = std::move(copy);
  EXPECT_EQ(moved.code(), StatusCode::kDataLoss);
}

TEST(Status, EveryCodeHasAName) {
  for (StatusCode code :
       {StatusCode::kOk, StatusCode::kInvalidArgument, StatusCode::kNotFound,
        StatusCode::kFailedPrecondition, StatusCode::kResourceExhausted,
        StatusCode::kUnimplemented, StatusCode::kUnavailable, StatusCode::kInternal,
        StatusCode::kDataLoss})
    EXPECT_NE(statusCodeName(code), "UNKNOWN");
}

TEST(Status, QuoteForMessageEscapesAndCuts) {
  EXPECT_EQ(quoteForMessage("abc"), "'abc'");
  EXPECT_EQ(quoteForMessage(std::string("a\0b\n\x93'\\", 7)), "'a\\x00b\\n\\x93\\'\\\\'");
  EXPECT_EQ(escapeForMessage("tab\there"), "tab\\there");
  std::string longText(5000, 'x');
  EXPECT_EQ(quoteForMessage(longText), "'" + std::string(200, 'x') + "'... (5000 bytes)");
  EXPECT_EQ(escapeForMessage(longText, 3), "xxx... (5000 bytes)");
  // Exactly at the limit nothing is cut.
  EXPECT_EQ(quoteForMessage(std::string(200, 'y')), "'" + std::string(200, 'y') + "'");
}

TEST(StatusOr, HoldsValue) {
  StatusOr<int> value = 42;
  ASSERT_TRUE(value.ok());
  EXPECT_TRUE(value.status().ok());
  EXPECT_EQ(*value, 42);
  EXPECT_EQ(value.value(), 42);
}

TEST(StatusOr, HoldsError) {
  StatusOr<int> value = Status::error(StatusCode::kUnavailable, "later");
  EXPECT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kUnavailable);
}

TEST(StatusOr, OkStatusBecomesInternalError) {
  StatusOr<int> value = Status();
  EXPECT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), StatusCode::kInternal);
}

TEST(StatusOr, MoveOnlyValuesAndArrow) {
  StatusOr<std::unique_ptr<std::string>> value = std::make_unique<std::string>("abc");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ((*value)->size(), 3u);
  std::unique_ptr<std::string> taken = std::move(value).value();
  EXPECT_EQ(*taken, "abc");

  StatusOr<std::string> text = std::string("hello");
  EXPECT_EQ(text->size(), 5u);
}

TEST(StatusOr, ConvertsCompatibleValues) {
  struct Base {
    virtual ~Base() = default;
  };
  struct Derived : Base {};
  StatusOr<std::unique_ptr<Base>> value = std::make_unique<Derived>();
  EXPECT_TRUE(value.ok());
}

StatusOr<int> half(int x) {
  if (x % 2)
    return Status::error(StatusCode::kInvalidArgument, "odd");
  return x / 2;
}

Status failIfNegative(int x) {
  return x < 0 ? Status::error(StatusCode::kInvalidArgument, "negative") : Status();
}

StatusOr<int> quarter(int x) {
  KILN_RETURN_IF_ERROR(failIfNegative(x));
  KILN_ASSIGN_OR_RETURN(int h, half(x));
  // A second use in the same scope must not collide with the first.
  KILN_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

TEST(StatusMacros, PropagateErrorsAndValues) {
  EXPECT_EQ(*quarter(8), 2);
  expectError(quarter(6).status(), StatusCode::kInvalidArgument, "odd");
  expectError(quarter(-4).status(), StatusCode::kInvalidArgument, "negative");
}

TEST(StatusMacros, AssignToExistingVariableAndMoveOnly) {
  auto make = [](bool ok) -> StatusOr<std::unique_ptr<int>> {
    if (!ok)
      return Status::error(StatusCode::kInternal, "no");
    return std::make_unique<int>(7);
  };
  auto run = [&](bool ok) -> Status {
    std::unique_ptr<int> p;
    KILN_ASSIGN_OR_RETURN(p, make(ok));
    return *p == 7 ? Status() : Status::error(StatusCode::kInternal, "wrong value");
  };
  EXPECT_TRUE(run(true).ok());
  EXPECT_EQ(run(false).code(), StatusCode::kInternal);
}

TEST(StatusOrDeathTest, ValueOfErrorAborts) {
  StatusOr<int> value = Status::error(StatusCode::kNotFound, "gone");
  EXPECT_DEATH((void)value.value(), "NOT_FOUND: gone");
}

TEST(DType, NamesSizesAndParsing) {
  struct Case {
    DType dtype;
    const char *name;
    size_t size;
  };
  for (Case c : {Case{DType::F32, "f32", 4}, Case{DType::F64, "f64", 8},
                 Case{DType::F16, "f16", 2}, Case{DType::BF16, "bf16", 2},
                 Case{DType::I1, "i1", 1}, Case{DType::I8, "i8", 1},
                 Case{DType::I32, "i32", 4}, Case{DType::I64, "i64", 8}}) {
    EXPECT_EQ(dtypeName(c.dtype), c.name);
    EXPECT_EQ(dtypeSize(c.dtype), c.size);
    StatusOr<DType> parsed = parseDType(c.name);
    ASSERT_TRUE(parsed.ok()) << c.name;
    EXPECT_EQ(*parsed, c.dtype);
  }
  expectError(parseDType("f128").status(), StatusCode::kInvalidArgument, "f128");
  EXPECT_EQ(dtypeSize(static_cast<DType>(200)), 0u);
}

} // namespace
} // namespace kiln::rt
